import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root.js';

/**
 * Starts `ag engine` detached: the process that watches sessions and delivers queued prompts when
 * only one-shot CLI commands are running. It stops by itself once no session is live.
 */
export function spawnEngine(where: { env: NodeJS.ProcessEnv; home: string }): void {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'ag'), 'engine'], {
    detached: true,
    stdio: 'ignore',
    env: where.env,
    cwd: where.home,
  });
  child.unref();
}
