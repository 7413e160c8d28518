import { execa } from 'execa';
import { AegisError } from '../errors.js';

export interface TmuxTarget {
  /** tmux executable (config `tmux.command`). */
  command: string;
  /** `-L` socket name (config `tmux.socket`). */
  socket: string;
}

export interface TmuxResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs one tmux command on our socket. Arguments go to tmux as an argv array (never through a shell),
 * so no text of a caller's is ever interpreted by sh.
 */
export async function tmux(target: TmuxTarget, args: string[], opts: { input?: string; reject?: boolean } = {}): Promise<TmuxResult> {
  try {
    const r = await execa(target.command, ['-L', target.socket, ...args], {
      input: opts.input,
      reject: false,
      stripFinalNewline: false,
      timeout: 10_000,
    });
    if (r.failed && r.exitCode === undefined) {
      throw new AegisError('unavailable', `tmux could not run: ${r.shortMessage}`, {
        fix: 'install tmux >= 3.2 (e.g. `apt-get install tmux` or `brew install tmux`), or set AEGIS_TMUX to its path',
      });
    }
    const result = { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? 1 };
    if (opts.reject !== false && result.exitCode !== 0) {
      throw new AegisError('unavailable', `tmux ${args[0]} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    }
    return result;
  } catch (err) {
    if (err instanceof AegisError) throw err;
    throw new AegisError('unavailable', `tmux could not run: ${(err as Error).message}`, {
      fix: 'install tmux >= 3.2, or set AEGIS_TMUX to its path',
    });
  }
}

/** `tmux -V` as {major, minor, text}, or undefined when tmux is missing. */
export async function tmuxVersion(command: string): Promise<{ major: number; minor: number; text: string } | undefined> {
  const r = await execa(command, ['-V'], { reject: false, timeout: 5_000 });
  if (r.exitCode !== 0) return undefined;
  const m = /(\d+)\.(\d+)/.exec(r.stdout);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), text: r.stdout.trim() };
}

/** Whether a tmux server is listening on our socket (no server is not an error: none has started yet). */
export async function tmuxServerRunning(target: TmuxTarget): Promise<boolean> {
  const r = await execa(target.command, ['-L', target.socket, 'list-sessions', '-F', '#{session_name}'], { reject: false, timeout: 5_000 });
  return r.exitCode === 0;
}
