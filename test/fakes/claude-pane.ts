/**
 * The real Claude Code in a pane of a PRIVATE tmux server, for end-to-end tests and fixture
 * captures. The server is started with the pane's whole environment passed by `-e` (a tmux server
 * keeps its own environment), a 200x50 window and no status line, like the fixtures.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { tmux, tmuxSequence, type TmuxTarget } from '../../src/tmux/command.js';
import { waitFor } from '../helpers/wait.js';

/** Claude Code 2.1.197 by its package (node_modules/.bin/claude points at whichever release npm linked last). */
export const CLAUDE_BIN = fileURLToPath(new URL('../../node_modules/@anthropic-ai/claude-code/bin/claude.exe', import.meta.url));

/** The idle footer of 2.1.197 (FINDINGS.md §4). */
export const IDLE_FOOTER = '? for shortcuts';

export interface ClaudePaneOptions {
  cwd: string;
  /** From prepareClaudeHome(). */
  env: Record<string, string>;
  sessionId?: string;
  /** The claude binary (default: node_modules/.bin/claude); test/helpers/real-claude.ts names each release's. */
  bin?: string;
  /** Extra claude arguments, e.g. ['--permission-mode', 'plan']. */
  args?: string[];
  width?: number;
  height?: number;
}

export interface ClaudePane {
  tmux: TmuxTarget;
  /** `-t` target of the pane. */
  target: string;
  sessionId: string;
  /** The pane's text (`capture-pane -p`), or with colours and attributes (`-e`). */
  capture(opts?: { ansi?: boolean }): Promise<string>;
  /**
   * Types text literally: `send-keys -l` for one line, a bracketed paste (`paste-buffer -p`) for
   * several, so that the newlines stay in the prompt and nothing is read as a key name.
   */
  type(text: string): Promise<void>;
  /** Presses tmux keys by name: 'Enter', 'Escape', 'C-c', '1'… */
  press(...keys: string[]): Promise<void>;
  /**
   * Types a prompt, waits until the input box shows it, presses Enter and waits until the box lets
   * go of it (submitted, or queued while claude is busy). Enter is pressed once more if the first
   * one was taken into the text (a burst of input still being read as a paste).
   */
  submit(text: string): Promise<void>;
  /** Polls the screen until `match` holds; returns that screen, or throws with the last one. */
  waitFor(match: string | RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<string>;
  /** Kills the private tmux server (and with it claude). */
  kill(): Promise<void>;
}

const POLL_MS = 30;
const KILL_GRACE_MS = 3_000;
const SUBMIT_WAIT_MS = 3_000;

/**
 * The text of the input box: the lines between the last two horizontal rules (the top rule can
 * carry the session's name at its right end). '' when no box is shown (a dialog is open).
 */
export function inputBoxText(screen: string): string {
  const lines = screen.split('\n');
  const rules = lines.flatMap((line, i) => (/^─{10,}/.test(line) ? [i] : []));
  if (rules.length < 2) return '';
  return lines.slice((rules.at(-2) as number) + 1, rules.at(-1)).join('\n');
}

/** What of `text` must be visible in the box: the end of its last line (long pastes show as a tag). */
function typedTextShown(box: string, text: string): boolean {
  const tail = text.trimEnd().split('\n').at(-1)?.trim().slice(-24) ?? '';
  return box.includes(tail) || box.includes('[Pasted text');
}

/** Whether `pid` still runs; a zombie waiting to be reaped counts as gone (Linux /proc, else kill 0). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self/stat')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function forceKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited between the check and the kill
  }
}

/** Every process below `pid`, children first found by `pgrep -P`. */
async function descendants(pid: number): Promise<number[]> {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    const r = await execa('pgrep', ['-P', String(parent)], { reject: false });
    for (const line of r.stdout.split('\n')) {
      if (/^\d+$/.test(line.trim())) {
        found.push(Number(line));
        queue.push(Number(line));
      }
    }
  }
  return found;
}

export async function startClaudePane(opts: ClaudePaneOptions): Promise<ClaudePane> {
  const target: TmuxTarget = { command: 'tmux', socket: `aegis-rig-${randomUUID().slice(0, 8)}` };
  const sessionId = opts.sessionId ?? randomUUID();
  const envArgs = Object.entries(opts.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  // One tmux invocation: server options first (no status line so the pane is the whole window,
  // focus-events on so claude shows no hint about it), then the session running claude directly.
  await tmuxSequence(target, [
    ['start-server'],
    ['set-option', '-g', 'status', 'off'],
    ['set-option', '-g', 'focus-events', 'on'],
    [
      'new-session',
      '-d',
      '-s',
      'claude',
      '-x',
      String(opts.width ?? 200),
      '-y',
      String(opts.height ?? 50),
      '-c',
      opts.cwd,
      ...envArgs,
      '--',
      opts.bin ?? CLAUDE_BIN,
      '--session-id',
      sessionId,
      ...(opts.args ?? []),
    ],
  ]);
  const pane = 'claude:0.0';

  const capture = async (c: { ansi?: boolean } = {}): Promise<string> =>
    (await tmux(target, ['capture-pane', '-p', ...(c.ansi ? ['-e'] : []), '-t', pane])).stdout;

  async function type(text: string): Promise<void> {
    if (!text.includes('\n')) {
      await tmux(target, ['send-keys', '-t', pane, '-l', text]);
      return;
    }
    const buffer = `aegis-rig-${randomUUID().slice(0, 8)}`;
    await tmux(target, ['load-buffer', '-b', buffer, '-'], { input: text });
    // -p: bracketed paste; -r: keep LF (tmux would turn it into CR, i.e. Enter); -d: drop the buffer.
    await tmux(target, ['paste-buffer', '-p', '-r', '-d', '-b', buffer, '-t', pane]);
  }

  return {
    tmux: target,
    target: pane,
    sessionId,
    capture,
    type,
    async press(...keys) {
      await tmux(target, ['send-keys', '-t', pane, ...keys]);
    },
    async submit(text) {
      await type(text);
      const shown = (s: string) => typedTextShown(inputBoxText(s), text);
      await waitFor(async () => shown(await capture()), { timeoutMs: SUBMIT_WAIT_MS, intervalMs: POLL_MS, what: 'the typed prompt in the input box' });
      for (let attempt = 0; attempt < 2; attempt++) {
        await tmux(target, ['send-keys', '-t', pane, 'Enter']);
        try {
          await waitFor(async () => !shown(await capture()), { timeoutMs: SUBMIT_WAIT_MS, intervalMs: POLL_MS });
          return;
        } catch {
          // Enter became a line break of the still-open paste: press it again once.
        }
      }
      throw new Error(`the prompt stayed in the input box after Enter: ${JSON.stringify(text.slice(0, 80))}`);
    },
    async waitFor(match, timeoutMs = 15_000) {
      const test = typeof match === 'function' ? match : typeof match === 'string' ? (s: string) => s.includes(match) : (s: string) => match.test(s);
      let screen = '';
      try {
        const hit = await waitFor(
          async () => {
            screen = await capture();
            return test(screen) ? { screen } : undefined;
          },
          { timeoutMs, intervalMs: POLL_MS },
        );
        return hit.screen;
      } catch {
        throw new Error(`screen did not show ${String(match)} within ${timeoutMs} ms; last screen:\n${screen}`);
      }
    },
    async kill() {
      // Tools claude started survive the tmux server (FINDINGS.md §7.13): collect them first.
      const info = (await tmux(target, ['display-message', '-p', '-t', pane, '#{pane_pid} #{socket_path}'], { reject: false })).stdout.trim();
      const [pidText = '', ...socketParts] = info.split(' ');
      const pid = Number(pidText);
      const pids = Number.isInteger(pid) && pid > 0 ? [pid, ...(await descendants(pid))] : [];
      await tmux(target, ['kill-server'], { reject: false });
      // tmux 3.3 leaves the socket file of a killed server behind.
      if (socketParts.length > 0) await rm(socketParts.join(' '), { force: true });
      // claude exits on the hang-up by itself (running its SessionEnd hooks); give it a moment, then force.
      const deadline = Date.now() + KILL_GRACE_MS;
      while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
      for (const p of pids.filter(alive)) forceKill(p);
    },
  };
}
