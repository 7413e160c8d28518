import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';

/**
 * Decodes the value of a control-mode `%output` line: tmux escapes bytes below 0x20 and the backslash
 * as `\ooo` octal; every other byte (UTF-8 included) arrives as is. Works on bytes, not strings, so
 * a multi-byte character split across two %output lines is reassembled by the terminal emulator.
 */
export function decodeOutput(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x5c && i + 3 < raw.length && isOctal(raw[i + 1]) && isOctal(raw[i + 2]) && isOctal(raw[i + 3])) {
      out[n++] = ((raw[i + 1]! - 48) << 6) | ((raw[i + 2]! - 48) << 3) | (raw[i + 3]! - 48);
      i += 3;
    } else {
      out[n++] = b;
    }
  }
  return out.subarray(0, n);
}

const isOctal = (b: number | undefined): boolean => b !== undefined && b >= 48 && b <= 55;

/**
 * The control connection ended before a command was answered. `sent` says whether the command had
 * been written: one that was not can run elsewhere; one that was may have run.
 */
export class ControlClosed extends Error {
  constructor(
    reason: string,
    readonly sent: boolean,
  ) {
    super(reason);
  }
}

/** Bytes a command line cannot carry raw (they end or break it; a tab is kept as is inside quotes). */
const LINE_BREAKING = /[\x01-\x08\x0a-\x1f\x7f]/g;
/** Arguments tmux's command parser takes as written without quotes (no #, ~, $, braces, quotes, ;). */
const PLAIN = /^[A-Za-z0-9_%@:.,/=+-]+$/;

/**
 * `args` as one line of tmux's command parser (a control-mode command, or a line of a script tmux
 * reads with source-file), each argument single-quoted unless plain: inside single quotes the parser
 * replaces nothing (no ~, $, #, \ or ;), and a quote is written as '\''. A line break or another
 * control character closes the quotes for a double-quoted octal escape ('"\012"'), which the parser
 * joins to the rest of the argument. So every argument arrives exactly as it would through argv.
 * Undefined when an argument holds a NUL, which neither a line nor argv can carry.
 */
export function controlLine(args: string[]): string | undefined {
  if (args.some((a) => a.includes('\0'))) return undefined;
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`).replace(LINE_BREAKING, (c) => `'"\\${c.charCodeAt(0).toString(8).padStart(3, '0')}"'`)}'`;
  return args.map((a) => (PLAIN.test(a) ? a : quote(a))).join(' ');
}

interface Pending {
  resolve(lines: string[]): void;
  reject(err: Error): void;
  /** How many commands of the line are still to answer (tmux answers each in its own block), and what they printed. */
  blocks: number;
  lines: string[];
  /**
   * Whether the line reached the client's stdin: undefined until the write's callback says. A connection
   * that ends before then leaves the answer to that callback (the client's exit and a refused write
   * arrive in either order), so a line that never reached tmux is never reported as possibly run.
   */
  written?: boolean;
  /** Why the connection ended while the write was still unconfirmed. */
  closedBy?: string;
}

export interface ControlEvents {
  output: [paneId: string, data: Buffer];
  'window-close': [windowId: string];
  'window-add': [windowId: string];
  'layout-change': [windowId: string];
  /** tmux stopped sending a pane's output because we fell behind (pause-after); see continuePane. */
  pause: [paneId: string];
  exit: [reason: string];
}

/**
 * One persistent `tmux -C` connection: it streams every pane's output as it happens (the event
 * source for state detection) and runs our own tmux commands without a process per command.
 * Commands come as lines from controlLine (every argument quoted); text typed into panes never does.
 */
export class ControlClient extends EventEmitter<ControlEvents> {
  private child?: ChildProcessWithoutNullStreams;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private block?: { guard: string; lines: string[] };
  private ready?: Promise<void>;
  private closed = false;

  constructor(
    private readonly command: string,
    private readonly args: string[],
    /** The client's environment: attaching copies variables of it into the session (update-environment), so only an agent's allowlist. */
    private readonly env: Record<string, string>,
  ) {
    super();
  }

  /** Attaches to `session`; resolves once tmux answered the attach, rejects if it could not. */
  start(session: string): Promise<void> {
    if (this.ready) return this.ready;
    this.ready = new Promise<void>((resolve, reject) => {
      const child = spawn(this.command, [...this.args, '-C', 'attach-session', '-t', session], { stdio: ['pipe', 'pipe', 'pipe'], env: this.env });
      this.child = child;
      // The attach itself is answered with a %begin/%end block: the first pending entry waits for it.
      this.pending.push({ resolve: () => resolve(), reject, blocks: 1, lines: [], written: true });
      child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
      child.stderr.resume();
      child.on('error', (err) => this.shutdown(`spawn failed: ${err.message}`));
      // A command written just as the client died fails with EPIPE on its stdin: unheard, that error
      // ended the whole process (seen once in CI, in pipeline-resume). It is the connection closing.
      child.stdin.on('error', (err) => this.shutdown(`tmux control connection lost: ${err.message}`));
      child.on('exit', (code) => this.shutdown(`tmux control client exited (${code ?? 'signal'})`));
    });
    return this.ready;
  }

  get alive(): boolean {
    return !!this.child && !this.closed;
  }

  /**
   * Runs a line of `commands` tmux commands (joined by ` ; `, which tmux runs one after another with
   * nothing of another client's between them) over the connection; returns what they printed.
   */
  run(line: string, commands = 1): Promise<string[]> {
    if (!this.child || this.closed) return Promise.reject(new ControlClosed('tmux control connection is closed', false));
    return new Promise<string[]>((resolve, reject) => {
      const entry: Pending = { resolve, reject, blocks: commands, lines: [] };
      this.pending.push(entry);
      this.child!.stdin.write(`${line}\n`, (err) => {
        entry.written = !err;
        // A refused write (EPIPE: the client is gone, as when the hub session's last window closed and
        // its exit is not yet seen) never reached tmux, so the line can run elsewhere.
        const lost = err ? new ControlClosed(`tmux control connection lost: ${err.message}`, false) : undefined;
        if (entry.closedBy !== undefined) reject(lost ?? new ControlClosed(entry.closedBy, true));
        else if (lost && this.pending.includes(entry)) {
          this.pending.splice(this.pending.indexOf(entry), 1);
          reject(lost);
        }
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.child?.stdin.end();
    this.child?.kill();
    this.shutdown('closed');
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.splice(0)) {
      if (p.written === undefined) p.closedBy = reason;
      else p.reject(new ControlClosed(reason, true));
    }
    this.emit('exit', reason);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf(0x0a, start);
      if (nl < 0) break;
      this.onLine(this.buffer.subarray(start, nl));
      start = nl + 1;
    }
    this.buffer = start === this.buffer.length ? Buffer.alloc(0) : Buffer.from(this.buffer.subarray(start));
  }

  private onLine(line: Buffer): void {
    if (this.block) {
      const text = line.toString('utf8');
      if ((text.startsWith('%end ') || text.startsWith('%error ')) && text.slice(text.indexOf(' ')) === this.block.guard) {
        const { lines } = this.block;
        this.block = undefined;
        const p = this.pending[0];
        if (!p) return;
        p.lines.push(...lines);
        // A failed command ends its line: tmux runs none of the commands after it.
        if (text.startsWith('%error ')) {
          this.pending.shift();
          p.reject(new Error(lines.join('\n') || 'tmux command failed'));
        } else if (--p.blocks === 0) {
          this.pending.shift();
          p.resolve(p.lines);
        }
        return;
      }
      this.block.lines.push(text);
      return;
    }
    if (line[0] !== 0x25 /* % */) return;
    const space = line.indexOf(0x20);
    const kind = line.subarray(0, space < 0 ? line.length : space).toString('latin1');
    switch (kind) {
      case '%output': {
        const second = line.indexOf(0x20, space + 1);
        if (second < 0) return;
        this.emit('output', line.subarray(space + 1, second).toString('latin1'), decodeOutput(line.subarray(second + 1)));
        return;
      }
      case '%extended-output': {
        // With pause-after on, output arrives as `%extended-output %pane age … : data`.
        const second = line.indexOf(0x20, space + 1);
        const colon = line.indexOf(' : ', second);
        if (second < 0 || colon < 0) return;
        this.emit('output', line.subarray(space + 1, second).toString('latin1'), decodeOutput(line.subarray(colon + 3)));
        return;
      }
      case '%begin':
        this.block = { guard: line.subarray(space).toString('latin1'), lines: [] };
        return;
      case '%window-close':
      case '%unlinked-window-close':
        this.emit(
          'window-close',
          line
            .subarray(space + 1)
            .toString('latin1')
            .trim(),
        );
        return;
      case '%window-add':
        this.emit(
          'window-add',
          line
            .subarray(space + 1)
            .toString('latin1')
            .trim(),
        );
        return;
      case '%pause':
        this.emit(
          'pause',
          line
            .subarray(space + 1)
            .toString('latin1')
            .trim(),
        );
        return;
      case '%layout-change':
        this.emit(
          'layout-change',
          line
            .subarray(space + 1)
            .toString('latin1')
            .split(' ')[0]!,
        );
        return;
      case '%exit':
        this.shutdown(
          line
            .subarray(space + 1)
            .toString('latin1')
            .trim() || 'exit',
        );
        return;
      default:
    }
  }
}
