/**
 * The scripted fake of Claude Code 2.1.197 (test/fixtures/fake-claude/fake-claude.mjs) in a real
 * tmux pane on a private socket: it must draw the real screens, run the configured command hooks
 * with the real payloads and write the real transcript, because other integration tests trust it
 * to stand in for the CLI.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmux, type TmuxTarget } from '../../src/tmux/command.js';
import { removeSocketFile } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

const FAKE = fileURLToPath(new URL('../fixtures/fake-claude/fake-claude.mjs', import.meta.url));
const PANE = 'fc:0.0';
const WIDTH = 200;
const RULE = '─'.repeat(WIDTH);
const NBSP = '\u00a0';

interface HookEvent {
  hook_event_name: string;
  session_id: string;
  transcript_path: string;
  cwd: string;
  prompt?: string;
  source?: string;
  reason?: string;
  last_assistant_message?: string;
  tool_name?: string;
  tool_input?: { command?: string };
  tool_response?: { stdout?: string };
  permission_suggestions?: unknown[];
}

interface Block {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: { command?: string };
  content?: string;
  tool_use_id?: string;
}

interface TranscriptRecord {
  type: string;
  subtype?: string;
  uuid?: string;
  parentUuid?: string | null;
  sessionId?: string;
  message?: { role: string; content: string | Block[] };
}

describe('fake-claude', { timeout: 30_000 }, () => {
  const target: TmuxTarget = { command: 'tmux', socket: `fakeclaude-${randomUUID().slice(0, 8)}` };
  const sessionId = randomUUID();
  let root = '';
  let home = '';
  let work = '';
  let hookLog = '';
  let transcript = '';
  let panePid = '';

  const screen = async (): Promise<string> => (await tmux(target, ['capture-pane', '-p', '-t', PANE])).stdout;
  const lines = (s: string): string[] => s.split('\n').map((l) => l.replace(/ +$/, '')); // not trimEnd(): the NBSP after ❯ must stay
  const waitScreen = (what: string, holds: (s: string) => boolean): Promise<string> =>
    waitFor(
      async () => {
        const s = await screen();
        return holds(s) ? s : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 30, what },
    );
  const type = (text: string) => tmux(target, ['send-keys', '-t', PANE, '-l', text]);
  const press = (...keys: string[]) => tmux(target, ['send-keys', '-t', PANE, ...keys]);
  const hooks = (event?: string): HookEvent[] => {
    if (!existsSync(hookLog)) return [];
    const all = readFileSync(hookLog, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as HookEvent);
    return event ? all.filter((h) => h.hook_event_name === event) : all;
  };
  const records = (): TranscriptRecord[] =>
    readFileSync(transcript, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as TranscriptRecord);
  const sessionFile = () => join(home, '.claude', 'sessions', `${panePid}.json`);
  const idleAfter = (text: string) => (s: string) => s.includes(text) && /\n✻ \S+ for \d+s\n/.test(s.slice(s.indexOf(text))) && s.includes('? for shortcuts');

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'fake-claude-test-')));
    home = join(root, 'home');
    work = join(root, 'work dir.v2'); // spaces and dots: the transcript folder replaces them with '-'
    hookLog = join(root, 'hooks.jsonl');
    await mkdir(join(home, '.claude'), { recursive: true });
    await mkdir(work);
    transcript = join(home, '.claude', 'projects', work.replace(/[^A-Za-z0-9]/g, '-'), `${sessionId}.jsonl`);
    // Every hook appends its stdin (one JSON payload) and a newline to the log, like the fixtures' hooks.
    const events = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'PostToolUse', 'Stop', 'Notification', 'SessionEnd'];
    const command = `cat >> '${hookLog}'; echo >> '${hookLog}'`;
    const settings = { hooks: Object.fromEntries(events.map((e) => [e, [{ matcher: '', hooks: [{ type: 'command', command }] }]])) };
    await writeFile(join(root, 'settings.json'), JSON.stringify(settings));
    const env = { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', FAKE_CLAUDE_SPEED: '0.2' };
    await tmux(target, [
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      'fc',
      '-x',
      String(WIDTH),
      '-y',
      '50',
      '-c',
      work,
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      '--',
      process.execPath,
      FAKE,
      '--session-id',
      sessionId,
      '--settings',
      join(root, 'settings.json'),
      '--permission-mode',
      'default',
      '--model',
      'claude-opus-4-8',
      '--some-future-flag',
    ]);
    // Keep the pane after the fake exits, so the exit screen can be read.
    await tmux(target, ['set-option', '-g', 'remain-on-exit', 'on']);
    panePid = (await tmux(target, ['display-message', '-p', '-t', PANE, '#{pane_pid}'])).stdout.trim();
  }, 30_000);

  afterAll(async () => {
    await tmux(target, ['kill-server'], { reject: false });
    removeSocketFile(target.socket);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('starts to the idle screen of fixture 01 after the SessionStart hook', async () => {
    const s = lines(await waitScreen('the idle footer', (x) => x.includes('? for shortcuts')));
    expect(s[0]).toBe(' ▐▛███▜▌   Claude Code v2.1.197');
    expect(s[1]).toBe('▝▜█████▛▘  Opus 4.8 (1M context) · API Usage Billing');
    expect(s[2]).toBe(`  ▘▘ ▝▝    ${work}`);
    // Logo, two blank lines, then the input box between two full-width rules, then the footer.
    expect(s.slice(3, 9)).toEqual(['', '', RULE, `❯${NBSP}`, RULE, expect.stringMatching(/^ {2}\? for shortcuts · ← for agents {2,}● high · \/effort$/)]);
    expect(s[8]).toHaveLength(WIDTH - 2);

    const [start] = hooks('SessionStart');
    expect(start && Object.keys(start)).toEqual(['session_id', 'transcript_path', 'cwd', 'hook_event_name', 'source', 'model']);
    expect(start).toMatchObject({ session_id: sessionId, transcript_path: transcript, cwd: work, source: 'startup' });
    // The live session file exists while it runs; the transcript only from the first prompt on.
    expect(JSON.parse(readFileSync(sessionFile(), 'utf8'))).toMatchObject({ pid: Number(panePid), sessionId, cwd: work, status: 'idle' });
    expect(existsSync(transcript)).toBe(false);
  });

  it('answers a typed prompt with ECHO and reports the turn in hooks and transcript', async () => {
    const prompt = 'hello fake ✓ 日本';
    await type(prompt);
    await press('Enter');
    const s = await waitScreen('the echo and the finished turn', idleAfter(`● ECHO: ${prompt}`));
    expect(s).toContain(`❯ ${prompt}\n\n● ECHO: ${prompt}\n\n✻ `);

    await waitFor(() => hooks('Stop').length === 1, { what: 'the Stop hook' });
    expect(hooks('UserPromptSubmit').map((h) => h.prompt)).toEqual([prompt]);
    expect(hooks('Stop')[0]?.last_assistant_message).toBe(`ECHO: ${prompt}`);

    const recs = records();
    const user = recs.find((r) => r.type === 'user');
    const reply = recs.find((r) => r.type === 'assistant');
    expect(user?.message?.content).toBe(prompt);
    expect(reply?.message?.content).toEqual([{ type: 'text', text: `ECHO: ${prompt}` }]);
    expect(reply?.parentUuid).toBe(user?.uuid);
    expect(recs.at(-1)).toMatchObject({ type: 'system', subtype: 'turn_duration', sessionId });
  });

  it('takes a three-line bracketed paste as one prompt', async () => {
    const pasted = 'line one\nline two\nline three';
    const file = join(root, 'paste.txt');
    await writeFile(file, pasted);
    await tmux(target, ['load-buffer', '-b', 'fc-paste', file]);
    await tmux(target, ['paste-buffer', '-p', '-d', '-b', 'fc-paste', '-t', PANE]);
    // In the box the paste is three lines, not three prompts.
    await waitScreen('the pasted lines in the input box', (x) => lines(x).join('\n').includes(`${RULE}\n❯${NBSP}line one\n  line two\n  line three\n${RULE}`));
    const before = hooks('UserPromptSubmit').length;
    await press('Enter');
    await waitScreen('the echo of the paste', idleAfter('● ECHO: line one\n  line two\n  line three'));
    await waitFor(() => hooks('Stop').length === 2, { what: 'the second Stop hook' });
    expect(
      hooks('UserPromptSubmit')
        .slice(before)
        .map((h) => h.prompt),
    ).toEqual([pasted]);
  });

  it('asks before RUN like fixture 08 and runs the command on 1', async () => {
    await type('RUN echo hi');
    await press('Enter');
    const dialog = lines(await waitScreen('the Bash permission dialog', (x) => x.includes('Do you want to proceed?')));
    const at = dialog.indexOf(' Bash command');
    expect(dialog.slice(at - 4, at + 11)).toEqual([
      '● Bash(echo hi)',
      `  ⎿ ${NBSP}Waiting…`,
      '',
      RULE,
      ' Bash command',
      '',
      '   echo hi',
      '   Run the command the test asked for',
      '',
      ' Do you want to proceed?',
      ' ❯ 1. Yes',
      '   2. Yes, and always allow access to work dir.v2/ from this project',
      '   3. No',
      '',
      ' Esc to cancel · Tab to amend · ctrl+e to explain',
    ]);
    const text = dialog.join('\n');
    expect(text).not.toContain('? for shortcuts');
    expect(text).not.toContain('esc to interrupt');

    await waitFor(() => hooks('PermissionRequest').length === 1, { what: 'the PermissionRequest hook' });
    expect(hooks('PreToolUse')[0]).toMatchObject({ tool_name: 'Bash', tool_input: { command: 'echo hi' } });
    expect(hooks('PermissionRequest')[0]?.permission_suggestions).toEqual([{ type: 'addDirectories', directories: [work], destination: 'session' }]);
    expect(JSON.parse(readFileSync(sessionFile(), 'utf8'))).toMatchObject({ status: 'waiting', waitingFor: 'permission prompt' });

    await press('1');
    const done = await waitScreen('the command output and the reply', idleAfter('● RAN: hi'));
    expect(done).toContain(`● Bash(echo hi)\n  ⎿ ${NBSP}hi\n\n● RAN: hi`);
    await waitFor(() => hooks('Stop').length === 3, { what: 'the third Stop hook' });
    expect(hooks('PostToolUse')[0]?.tool_response).toEqual({ stdout: 'hi', stderr: '', interrupted: false, isImage: false, noOutputExpected: false });

    const blocks = records().flatMap((r) => (Array.isArray(r.message?.content) ? r.message.content : []));
    const use = blocks.find((b) => b.type === 'tool_use');
    expect(use).toMatchObject({ name: 'Bash', input: { command: 'echo hi' } });
    expect(use?.id).toMatch(/^toolu_/);
    expect(blocks.find((b) => b.type === 'tool_result')).toMatchObject({ tool_use_id: use?.id, content: 'hi' });
  });

  it('puts the prompt back into the box when interrupted before any output (fixture 05)', async () => {
    const stops = hooks('Stop').length;
    await type('DELAY 20000 never answered');
    await press('Enter');
    await waitScreen('the working footer', (x) => x.includes('esc to interrupt'));
    await press('Escape');
    const s = lines(await waitScreen('the prompt back in the box', (x) => x.includes(`❯${NBSP}DELAY 20000 never answered`)));
    const box = s.indexOf(`❯${NBSP}DELAY 20000 never answered`);
    expect(s[box - 1]).toBe(RULE);
    expect(s[box + 1]).toBe(RULE);
    expect(s[box + 2]).toMatch(/^ +● high · \/effort$/); // the footer's left part is empty
    expect(s.join('\n')).not.toContain('❯ DELAY 20000'); // the turn left the conversation
    expect(hooks('Stop')).toHaveLength(stops);
    await press('C-u');
    await waitScreen('the cleared box', (x) => lines(x).includes(`❯${NBSP}`) && x.includes('? for shortcuts'));
  });

  it('redraws at the new width on SIGWINCH', async () => {
    await tmux(target, ['resize-window', '-t', 'fc', '-x', '120', '-y', '40']);
    const s = lines(await waitScreen('rules 120 wide', (x) => lines(x).includes('─'.repeat(120))));
    expect(s.filter((l) => l.startsWith('─')).every((l) => l === '─'.repeat(120))).toBe(true);
    expect(s.join('\n')).toContain('● RAN: hi');
  });

  it('exits on Ctrl+C twice with the resume hint (fixture 25)', async () => {
    await press('C-c');
    await waitScreen('the exit warning', (x) => x.includes('Press Ctrl-C again to exit'));
    await press('C-c');
    const s = await waitScreen('the resume hint', (x) => x.includes(`claude --resume ${sessionId}`));
    expect(s).toContain(`Resume this session with:\nclaude --resume ${sessionId}`);
    await waitFor(() => hooks('SessionEnd').length === 1, { what: 'the SessionEnd hook' });
    expect(hooks('SessionEnd')[0]?.reason).toBe('prompt_input_exit');
    await waitFor(async () => (await tmux(target, ['display-message', '-p', '-t', PANE, '#{pane_dead}'])).stdout.trim() === '1', { what: 'the pane to die' });
    expect(existsSync(sessionFile())).toBe(false);
    expect(records().at(-1)).toMatchObject({ type: 'last-prompt', sessionId });
  });
});
