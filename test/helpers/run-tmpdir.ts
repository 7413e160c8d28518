/**
 * One temporary folder per test run, removed when the run ends: every folder a test makes with
 * `mkdtemp(tmpdir())` (agent homes, work folders, witnesses) lands in it, so a test that forgets its
 * own cleanup, or one killed by a timeout, leaves nothing behind in /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const runDir = mkdtempSync(join(tmpdir(), 'aegis-run-'));
  // Read by os.tmpdir() in every test worker (they start after this) and by the agents they run.
  process.env.TMPDIR = runDir;
  return () => rmSync(runDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
}
