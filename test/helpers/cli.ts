import { execFile } from 'node:child_process';
import { BIN } from './env.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The signal that ended it, when one did. */
  signal?: NodeJS.Signals;
}

/** Runs the built `ag` as a child process, the way a person's shell would. */
export function runCli(args: string[], env: Record<string, string>, opts: { cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: opts.cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr, ...(err?.signal ? { signal: err.signal } : {}) });
    });
  });
}
