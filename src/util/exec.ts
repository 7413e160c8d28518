import { spawn } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** undefined when the program could not be started (e.g. not installed) or was killed by a signal. */
  exitCode?: number;
  /** Why it could not start, when it could not. */
  spawnError?: string;
  /** It ran longer than its timeout and was killed (then `exitCode` is undefined too). */
  timedOut?: boolean;
  /** The signal that ended it, when one did (a timeout's SIGTERM, or someone else's kill). */
  signal?: NodeJS.Signals;
}

/**
 * Runs a program with an argv array (never a shell) and collects its output. Used on hot paths (every
 * tmux command) instead of execa, whose import alone costs ~50 ms of a CLI command's cold start.
 */
export function run(command: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const started = Date.now();
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env, timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let spawnError: string | undefined;
    child.on('error', (e) => (spawnError = e.message));
    child.on('close', (code, signal) => {
      // Node kills a child that outlives `timeout` with SIGTERM; only the clock tells that from another kill.
      const timedOut = !spawnError && signal !== null && Date.now() - started >= timeoutMs;
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: spawnError ? undefined : (code ?? undefined),
        spawnError,
        ...(timedOut ? { timedOut } : {}),
        ...(signal ? { signal } : {}),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
