import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../content/paths.js';
import type { App } from '../app.js';

/**
 * Starts `ag engine` detached: the process that watches sessions and delivers queued prompts when
 * only one-shot CLI commands are running. It stops by itself once no session is live.
 */
export function spawnEngine(app: App): void {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'ag'), 'engine'], {
    detached: true,
    stdio: 'ignore',
    env: app.env,
    cwd: app.config.home,
  });
  child.unref();
}
