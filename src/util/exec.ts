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
  /** It printed more than `maxBytes` and was stopped; the output kept is the first `maxBytes`. */
  overflowed?: boolean;
}

export interface RunOptions {
  input?: string;
  /** Killed (SIGTERM) after this long; default 10 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Most bytes of stdout plus stderr kept before the program is stopped; default 64 MiB. */
  maxBytes?: number;
}

/**
 * The one way Aegis runs a program to completion (tmux commands, git, agents' --version, operator
 * commands): an argv array, never a shell; the result says how it ended (exit code, could not start,
 * timed out, signal, too much output), never throws. Built on node:child_process rather than execa,
 * whose import alone costs ~50 ms of a CLI command's cold start.
 */
export function run(command: string, args: string[], opts: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    const started = Date.now();
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env, cwd: opts.cwd, timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let kept = 0;
    let overflowed = false;
    const collect = (into: Buffer[]) => (b: Buffer) => {
      if (overflowed) return;
      const room = maxBytes - kept;
      into.push(b.length > room ? b.subarray(0, room) : b);
      kept += Math.min(b.length, room);
      if (b.length > room) {
        overflowed = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    let spawnError: string | undefined;
    child.on('error', (e) => (spawnError = e.message));
    child.on('close', (code, signal) => {
      // Node kills a child that outlives `timeout` with SIGTERM; only the clock tells that from another kill.
      const timedOut = !spawnError && !overflowed && signal !== null && Date.now() - started >= timeoutMs;
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: spawnError ? undefined : (code ?? undefined),
        spawnError,
        ...(timedOut ? { timedOut } : {}),
        ...(signal ? { signal } : {}),
        ...(overflowed ? { overflowed } : {}),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
