import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AegisError } from '../errors.js';
import { clientFlags, TMUX_TIMEOUT_MS, tmuxSequence, type TmuxResult, type TmuxTarget } from './command.js';
import { mkdirPrivate, PRIVATE_FILE } from '../util/private-files.js';
import { ControlClient, ControlClosed, controlLine } from './control.js';

/** A tmux command waiting to run with others (TmuxServer.batched). */
interface Batched {
  command: string[][];
  alone: () => Promise<string>;
  resolve: (line: string) => void;
  reject: (err: unknown) => void;
}

/** The tmux session that holds one window per agent session. */
export const HUB_SESSION = 'aegis';
/** The hub session's highest-numbered window: where createWindow puts a new one, and so names it in the same command line. */
const LAST_WINDOW = `${HUB_SESSION}:{end}`;

export interface PaneInfo {
  windowId: string;
  paneId: string;
  aegisId: string;
  pid: number;
  dead: boolean;
  deadStatus?: number;
  width: number;
  height: number;
  command: string;
  /** The Aegis home whose create made the window (TmuxServer.homeTag); empty for a window made otherwise. */
  home: string;
  /** The process (db/lease's holder) whose create made it: until its session is recorded, that process alone knows it. */
  creator: string;
}

const PANE_FORMAT = [
  '#{window_id}',
  '#{pane_id}',
  '#{@aegis_id}',
  '#{pane_pid}',
  '#{pane_dead}',
  '#{pane_dead_status}',
  '#{pane_width}',
  '#{pane_height}',
  '#{pane_current_command}',
  '#{@aegis_home}',
  '#{@aegis_creator}',
].join('\t');

function parsePane(line: string): PaneInfo {
  const [windowId, paneId, aegisId, pid, dead, deadStatus, width, height, command, home, creator] = line.split('\t');
  return {
    windowId: windowId!,
    paneId: paneId!,
    aegisId: aegisId ?? '',
    pid: Number(pid),
    dead: dead === '1',
    deadStatus: deadStatus ? Number(deadStatus) : undefined,
    width: Number(width),
    height: Number(height),
    command: command ?? '',
    home: home ?? '',
    creator: creator ?? '',
  };
}

/**
 * Makes a string literal where tmux expands formats. tmux 3.3a expands `#(...)` (runs a shell command),
 * `#{...}` and `##` once in the start directory (-c) and the window name (-n) of new-window and
 * new-session, and in load-buffer's path; a doubled `#` comes out as one `#` and nothing else in the
 * string is special there.
 */
export const formatLiteral = (s: string): string => s.replace(/#/g, '##');

/** Who the tmux server is started as: the environment every pane inherits, and what may stay in it. */
export interface TmuxEnvironment {
  /** The environment tmux runs with; a server it starts takes it as its global environment. */
  env: Record<string, string>;
  /** Whether a variable may stay in the global environment of a server started by someone else. */
  mayKeep(name: string): boolean;
}

/**
 * Our own tmux server on a private socket, started with our own config file (never the user's
 * ~/.tmux.conf) so that its behaviour is known: a fixed default window size (control clients do not resize;
 * `window-size manual` is avoided because it crashes tmux 3.3a when a window is created),
 * panes that stay after their process exits (so we can read the exit screen and status), focus events
 * on (Claude Code shows a hint otherwise).
 */
export class TmuxServer {
  private readonly confFile: string;
  /** Where a paste's text waits (a file only we can read) while tmux loads it over the control connection. */
  private readonly pasteDir: string;
  /** Whether this process has checked the server's global environment (once is enough). */
  private scrubbed = false;
  /** Whether this process has written the config file (tmux reads it only when a server starts). */
  private confWritten = false;
  /** The monitor's control connection: while it lives, commands go over it instead of a process each. */
  private control?: ControlClient;
  /**
   * This Aegis home as the windows its creates make are tagged with: several homes may share one tmux
   * server (the socket is a setting), and only a home's own store can tell whether a window is recorded.
   * A hash, so that a home's path (a tab, a newline) never breaks a line of list-panes.
   */
  readonly homeTag: string;

  constructor(
    readonly target: TmuxTarget,
    home: string,
    readonly size: { width: number; height: number },
    private readonly environment: TmuxEnvironment,
  ) {
    this.confFile = join(home, 'tmux.conf');
    this.homeTag = createHash('sha256').update(resolve(home)).digest('hex').slice(0, 16);
    this.pasteDir = join(home, 'paste');
  }

  private writeConf(): void {
    if (this.confWritten) return;
    this.confWritten = true;
    mkdirPrivate(join(this.confFile, '..'));
    writeFileSync(
      this.confFile,
      [
        '# Written by Aegis for its own tmux server; edits are overwritten.',
        `set -g default-size ${this.size.width}x${this.size.height}`,
        'set -g remain-on-exit on',
        'set -g history-limit 5000',
        'set -g focus-events on',
        'set -g escape-time 0',
        'set -g automatic-rename off',
        'set -g allow-rename off',
        // A client attaching would copy its SSH_AUTH_SOCK, DISPLAY, KRB5CCNAME... into the hub session, where
        // every later window inherits them past the agents' allowlist: nothing is copied.
        "set -g update-environment ''",
        '',
      ].join('\n'),
      { mode: PRIVATE_FILE },
    );
  }

  /** A control connection to our server (not yet attached), run with the environment panes may inherit. */
  controlClient(): ControlClient {
    return new ControlClient(this.target.command, clientFlags(this.target), this.environment.env);
  }

  /** Sends later commands over `client` (a control connection to our server) while it is alive. */
  useControl(client: ControlClient): void {
    this.control = client;
  }

  /**
   * Runs a command against our server: over the control connection when there is one (no process to
   * fork; 200 sessions make that count), else as a tmux process given our config, so a server it
   * starts is configured. Input on stdin always needs a process.
   */
  run(args: string[], opts: { input?: string; reject?: boolean } = {}): Promise<TmuxResult> {
    return opts.input === undefined ? this.runGroup([args], opts) : this.runAll([args], opts);
  }

  /**
   * Runs `commands` as one command line (over the control connection when there is one, else as one
   * process): tmux runs them in order with no other client's command between them, and stops at the
   * first that fails.
   */
  private runGroup(commands: string[][], opts: { reject?: boolean }): Promise<TmuxResult> {
    const lines = this.control?.alive ? commands.map(controlLine) : [];
    return lines.length && lines.every((l): l is string => l !== undefined)
      ? this.runControl(this.control!, lines.join(' ; '), commands, opts)
      : this.runAll(commands, opts);
  }

  private async runControl(client: ControlClient, line: string, commands: string[][], opts: { reject?: boolean }): Promise<TmuxResult> {
    const what = commands[0]?.[0] ?? '';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AegisError('unavailable', `tmux ${what} did not answer within ${TMUX_TIMEOUT_MS / 1000} s`, {
              fix: `the machine may be overloaded or this tmux server stuck: check \`tmux -L ${this.target.socket} ls\``,
            }),
          ),
        TMUX_TIMEOUT_MS,
      );
    });
    let result: TmuxResult;
    try {
      const lines = await Promise.race([client.run(line, commands.length), timeout]);
      // As a tmux process prints it: every line ends in a newline.
      result = { stdout: lines.map((l) => `${l}\n`).join(''), stderr: '', exitCode: 0 };
    } catch (err) {
      if (err instanceof ControlClosed) {
        // Never written: it runs as a process instead. Written: it may have run, so it is not repeated.
        if (!err.sent) return this.runAll(commands, opts);
        throw new AegisError('unavailable', `tmux ${what}: ${err.message}`, { fix: 'try again' });
      }
      if (err instanceof AegisError) throw err;
      result = { stdout: '', stderr: (err as Error).message, exitCode: 1 };
    } finally {
      clearTimeout(timer);
    }
    if (opts.reject !== false && result.exitCode !== 0) throw new AegisError('unavailable', `tmux ${what} failed: ${result.stderr.trim() || 'error'}`);
    return result;
  }

  /**
   * Runs several commands in one tmux invocation, in order (one process to start instead of several).
   * The commands go to tmux as a script on stdin (`source-file -`), not as its arguments: a process's
   * argv is readable by every local user (ps), and a tmux server keeps the argv of the client that
   * started it for its whole life, so a session's `-e` values there would be public. One line joined
   * by ` ; ` stops at its first failure, as argv does. A command carrying text on stdin names only
   * our own buffers and panes and goes as argv.
   */
  async runAll(commands: string[][], opts: { input?: string; reject?: boolean } = {}): Promise<TmuxResult> {
    const env = this.environment.env;
    const lines = commands.map(controlLine);
    if (opts.input !== undefined || !lines.every((l): l is string => l !== undefined)) {
      const [first = [], ...rest] = commands;
      return tmuxSequence(this.target, [['-f', this.confFile, ...first], ...rest], { ...opts, env });
    }
    // new-session is our one command that starts a server, which source-file cannot: start-server, which
    // carries nothing, starts it (with our config) first.
    const starts = commands.some((c) => c[0] === 'new-session');
    const client = starts
      ? [
          ['-f', this.confFile, 'start-server'],
          ['source-file', '-'],
        ]
      : [['source-file', '-']];
    const r = await tmuxSequence(this.target, client, { input: `${lines.join(' ; ')}\n`, reject: false, env });
    if (opts.reject !== false && r.exitCode !== 0)
      throw new AegisError('unavailable', `tmux ${commands[0]?.[0] ?? ''} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    return r;
  }

  /**
   * A variable of the running server's global environment, which every new pane inherits; undefined
   * when it is unset there or no server runs (the server started next takes this process's environment).
   */
  async globalVariable(name: string): Promise<string | undefined> {
    const r = await this.run(['show-environment', '-g', name], { reject: false });
    const line = r.exitCode === 0 ? r.stdout.trim() : '';
    return line.startsWith(`${name}=`) ? line.slice(name.length + 1) : undefined;
  }

  /**
   * Removes from a running server's global environment, and from the hub session's, what no pane may
   * inherit: a server started by an older Aegis, or by hand, took its starter's whole environment, and
   * copied an attaching client's SSH_AUTH_SOCK, DISPLAY... into the session (update-environment).
   */
  private async scrubGlobalEnvironment(): Promise<void> {
    if (this.scrubbed) return;
    const r = await this.run(['show-environment', '-g'], { reject: false });
    // No server yet: the one we start takes our (scrubbed) environment and our config.
    this.scrubbed = true;
    if (r.exitCode !== 0) return;
    await this.run(['set-option', '-g', 'update-environment', ''], { reject: false });
    for (const name of this.forbiddenNames(r.stdout)) await this.run(['set-environment', '-g', '-u', name], { reject: false });
    const hub = await this.run(['show-environment', '-t', HUB_SESSION], { reject: false });
    if (hub.exitCode !== 0) return;
    for (const name of this.forbiddenNames(hub.stdout)) await this.run(['set-environment', '-t', HUB_SESSION, '-u', name], { reject: false });
  }

  /** The names set in show-environment output (`-NAME` lines are unset ones) that no pane may inherit. */
  private forbiddenNames(shown: string): string[] {
    return shown
      .split('\n')
      .filter((l) => l && !l.startsWith('-'))
      .map((l) => l.split('=')[0]!)
      .filter((n) => !this.environment.mayKeep(n));
  }

  /**
   * Starts a window running `argv` in `cwd` with `env`, tagged with our session id, this home and the
   * creating process (`creator`) in the same command line that makes it: a create killed at any point
   * leaves no window the sweep cannot tell is its (see SessionMonitor.closeUnrecorded). The first
   * window creates the hub session (and the server); when two processes race to create it, the loser
   * adds a window instead.
   */
  async createWindow(opts: { aegisId: string; name: string; cwd: string; env: Record<string, string>; argv: string[]; creator: string }): Promise<PaneInfo> {
    this.writeConf();
    await this.scrubGlobalEnvironment();
    // tmux runs a command of one word through the shell (sh -c); env runs it as the one argv word it is.
    const argv = opts.argv.length === 1 ? ['env', '--', ...opts.argv] : opts.argv;
    // Environment values (-e) and option values are not format-expanded by tmux; -c and -n are.
    const envArgs = Object.entries(opts.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const common = ['-n', formatLiteral(opts.name), '-c', formatLiteral(opts.cwd), ...envArgs];
    // The new window goes last (-a after the last), so the commands after it find it there; the line
    // prints the pane's one line only when it was made and tagged.
    const tagged = (make: string[]) => [
      make,
      ...Object.entries({ '@aegis_id': opts.aegisId, '@aegis_home': this.homeTag, '@aegis_creator': opts.creator }).map(([option, value]) => [
        'set-option',
        '-w',
        '-t',
        LAST_WINDOW,
        option,
        value,
      ]),
      ['display-message', '-p', '-t', LAST_WINDOW, PANE_FORMAT],
    ];
    const newWindow = tagged(['new-window', '-d', '-a', '-t', LAST_WINDOW, ...common, '--', ...argv]);
    const newSession = tagged([
      'new-session',
      '-d',
      '-s',
      HUB_SESSION,
      '-x',
      String(this.size.width),
      '-y',
      String(this.size.height),
      ...common,
      '--',
      ...argv,
    ]);
    return parsePane(
      await this.batched('line', newWindow, async () => {
        let r = await this.runGroup(newWindow, { reject: false });
        if (r.exitCode !== 0) {
          r = await this.runGroup(newSession, { reject: false });
          if (r.exitCode !== 0 && /duplicate session/.test(r.stderr)) r = await this.runGroup(newWindow, { reject: false });
        }
        if (r.exitCode !== 0)
          throw new AegisError('unavailable', `tmux could not start the agent: ${r.stderr.trim()}`, { fix: 'run `ag doctor` to check tmux' });
        return r.stdout.trim();
      }),
    );
  }

  /**
   * Runs `command` (a line of one or more commands) over the control connection when there is one (each
   * line is answered on its own there); else together with the others of its kind that arrive while a
   * tmux invocation is under way: a batch of sessions costs a few processes, not a few per session. tmux
   * stops a command list at its first failure. A `line` command prints one line, from its last command,
   * so those before the failure succeeded whole and the failed one and the rest run on their own through
   * `alone`, which knows the fix; `silent` commands print nothing and must be idempotent: after a failure
   * every one of them runs alone.
   */
  private async batched(kind: 'line' | 'silent', command: string[][], alone: () => Promise<string>): Promise<string> {
    const control = this.control;
    if (control?.alive) {
      let r: TmuxResult;
      try {
        r = await this.runGroup(command, { reject: false });
      } catch (err) {
        // The connection ended under the command (the hub session closed with its last window):
        // `alone` runs it as a process and knows what a failure there means.
        if (!control.alive) return alone();
        throw err;
      }
      if (r.exitCode !== 0) return alone();
      return kind === 'line' ? (r.stdout.split('\n')[0] ?? '') : '';
    }
    const q = this.queues[kind];
    return new Promise((resolve, reject) => {
      q.waiting.push({ command, alone, resolve, reject });
      q.flushing ??= this.flush(kind).finally(() => (q.flushing = undefined));
    });
  }

  private readonly queues = {
    line: { waiting: [] as Batched[], flushing: undefined as Promise<void> | undefined },
    silent: { waiting: [] as Batched[], flushing: undefined as Promise<void> | undefined },
  };

  private async flush(kind: 'line' | 'silent'): Promise<void> {
    const q = this.queues[kind];
    await new Promise((r) => setImmediate(r)); // the calls made in this turn join the first invocation
    while (q.waiting.length) {
      const batch = q.waiting.splice(0);
      let done: string[] = [];
      try {
        const r = await this.runAll(
          batch.flatMap((b) => b.command),
          { reject: false },
        );
        const lines = r.stdout.split('\n').filter(Boolean);
        if (kind === 'silent') done = r.exitCode === 0 ? batch.map(() => '') : [];
        else done = lines.slice(0, batch.length);
      } catch {
        /* tmux could not run at all: each reports it through `alone` */
      }
      batch.slice(0, done.length).forEach((b, i) => b.resolve(done[i]!));
      for (const b of batch.slice(done.length)) await b.alone().then(b.resolve, b.reject);
    }
  }

  /** Every pane of the hub session; empty when the server or the session does not exist. */
  async listPanes(): Promise<PaneInfo[]> {
    const r = await this.run(['list-panes', '-s', '-t', `${HUB_SESSION}:`, '-F', PANE_FORMAT], { reject: false });
    if (r.exitCode !== 0) return [];
    return r.stdout.split('\n').filter(Boolean).map(parsePane);
  }

  async pane(paneId: string): Promise<PaneInfo | undefined> {
    const query = [['display-message', '-p', '-t', paneId, PANE_FORMAT]];
    const line = await this.batched('line', query, async () => {
      const r = await this.runGroup(query, { reject: false });
      return r.exitCode === 0 ? r.stdout.trim() : '';
    });
    if (!line) return undefined;
    const info = parsePane(line);
    return info.paneId === paneId ? info : undefined;
  }

  /** The screen as text with escapes (-e), for seeding a terminal emulator; -N keeps trailing spaces off. */
  async capture(paneId: string, opts: { escapes?: boolean } = {}): Promise<string> {
    const r = await this.run(['capture-pane', '-p', ...(opts.escapes ? ['-e'] : []), '-t', paneId]);
    return r.stdout;
  }

  /**
   * Types `text` literally: -l stops tmux from reading key names like "Enter" or "C-c" in it. Typed
   * text goes to a tmux process of its own (on its stdin, see runAll), never on the shared control line.
   */
  async typeLiteral(paneId: string, text: string): Promise<void> {
    if (text) await this.runAll([['send-keys', '-t', paneId, '-l', '--', text]]);
  }

  /** Sends named keys (Enter, Escape, C-c, C-u, digits) that we chose; never caller text. */
  async sendKeys(paneId: string, keys: string[]): Promise<void> {
    if (keys.length) await this.run(['send-keys', '-t', paneId, ...keys]);
  }

  /**
   * Pastes `text` as one bracketed paste (when the application asked for bracketed paste mode), so
   * a multi-line prompt arrives as one prompt instead of one line per Enter. The text goes to tmux on
   * stdin (load-buffer -), never on its command line, so any length up to our limit arrives unparsed.
   * The buffer is named per call and deleted after pasting (-d), so concurrent sends never mix.
   * With a control connection the text goes through a private file tmux loads instead (no process
   * to fork; forking a large server costs tens of milliseconds): the command line names only the file.
   */
  async paste(paneId: string, text: string): Promise<void> {
    const buffer = `aegis-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const paste = ['paste-buffer', '-p', '-d', '-r', '-b', buffer, '-t', paneId];
    if (!this.control?.alive) {
      await this.runAll([['load-buffer', '-b', buffer, '-'], paste], { input: text });
      return;
    }
    mkdirPrivate(this.pasteDir);
    const file = join(this.pasteDir, buffer);
    writeFileSync(file, text, { mode: PRIVATE_FILE });
    try {
      // The file is under AEGIS_HOME, whose name is the user's (a folder `#Shared`, or worse `#(...)`).
      await this.run(['load-buffer', '-b', buffer, formatLiteral(file)]);
      await this.run(paste);
    } finally {
      rmSync(file, { force: true });
    }
  }

  async killWindow(windowId: string): Promise<void> {
    const kill = [['kill-window', '-t', windowId]];
    await this.batched('silent', kill, async () => (await this.runGroup(kill, { reject: false })).stdout);
  }

  async resize(windowId: string, width: number, height: number): Promise<void> {
    await this.run(['resize-window', '-t', windowId, '-x', String(width), '-y', String(height)]);
  }
}
