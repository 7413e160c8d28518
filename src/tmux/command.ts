import { connect } from 'node:net';
import { join } from 'node:path';
import { AegisError } from '../errors.js';
import { run } from '../util/exec.js';

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

const MISSING_FIX = 'install tmux >= 3.2 (e.g. `apt-get install tmux` or `brew install tmux`), or set AEGIS_TMUX to its path';

/**
 * An argument tmux takes as written. tmux 3.3a reads an argument ending in `;` as the end of a command
 * (the `;` is dropped and what follows is parsed as a new command), and one ending in `\;` as ending in a
 * literal `;`; so a final `;` is sent as `\;`, which always comes back as exactly the argument given.
 */
export const argLiteral = (arg: string): string => (arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg);

/**
 * How every tmux client of ours starts: on our socket, and UTF-8 (-u) whatever the locale. A client whose
 * LANG and LC_* name no UTF-8 (unset, as in a service's or an MCP host's sparse environment) gets from
 * tmux 3.3a every tab and non-ASCII character of what it prints as `_`: no pane line could be parsed, no
 * screen read.
 */
export const clientFlags = (target: TmuxTarget): string[] => ['-u', '-L', target.socket];

/** A tmux command that takes longer is stuck (a server wedged, a machine swapping), not slow. */
export const TMUX_TIMEOUT_MS = 10_000;

/**
 * Runs tmux commands on our socket in one tmux invocation (`a ; b`: one client process, run in order).
 * Arguments go to tmux as an argv array (never through a shell), so no text of a caller's is ever
 * interpreted by sh, and each is kept literal (argLiteral), so none ends a command early or starts another.
 */
export async function tmuxSequence(
  target: TmuxTarget,
  commands: string[][],
  opts: { input?: string; reject?: boolean; env?: Record<string, string> } = {},
): Promise<TmuxResult> {
  const argv = commands.flatMap((c, i) => [...(i ? [';'] : []), ...c.map(argLiteral)]);
  const r = await run(target.command, [...clientFlags(target), ...argv], { input: opts.input, env: opts.env, timeoutMs: TMUX_TIMEOUT_MS });
  if (r.timedOut)
    throw new AegisError('unavailable', `tmux ${argv[0] ?? ''} did not answer within ${TMUX_TIMEOUT_MS / 1000} s`, {
      fix: `the machine may be overloaded or this tmux server stuck: check \`tmux -L ${target.socket} ls\``,
    });
  if (r.signal) throw new AegisError('unavailable', `tmux ${argv[0] ?? ''} was killed by ${r.signal}`);
  if (r.exitCode === undefined) throw new AegisError('unavailable', `tmux could not run: ${r.spawnError ?? 'unknown error'}`, { fix: MISSING_FIX });
  const result = { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  if (opts.reject !== false && result.exitCode !== 0) {
    const name = commands.flat().find((a) => !a.startsWith('-') && !a.includes('/')) ?? '';
    throw new AegisError('unavailable', `tmux ${name} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  }
  return result;
}

/** Runs one tmux command on our socket (see tmuxSequence). */
export const tmux = (target: TmuxTarget, args: string[], opts: { input?: string; reject?: boolean; env?: Record<string, string> } = {}): Promise<TmuxResult> =>
  tmuxSequence(target, [args], opts);

/** `tmux -V` as {major, minor, text}, or undefined when tmux is missing. */
export async function tmuxVersion(command: string): Promise<{ major: number; minor: number; text: string } | undefined> {
  const r = await run(command, ['-V'], { timeoutMs: 5_000 });
  if (r.exitCode !== 0) return undefined;
  const m = /(\d+)\.(\d+)/.exec(r.stdout);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), text: r.stdout.trim() };
}

/** Where tmux keeps the `-L` socket: $TMUX_TMPDIR (else /tmp)/tmux-<uid>/<name>, as tmux itself resolves it. */
export function socketPath(socket: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket);
}

/**
 * Whether a tmux server is listening on our socket (no server is not an error: none has started yet).
 * A connect to the socket answers it without forking a tmux client (system_health is called often).
 */
export function tmuxServerRunning(target: TmuxTarget): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = connect(socketPath(target.socket));
    const done = (up: boolean) => {
      conn.destroy();
      resolve(up);
    };
    conn.once('connect', () => done(true));
    conn.once('error', () => done(false));
    conn.setTimeout(5_000, () => done(false));
  });
}
