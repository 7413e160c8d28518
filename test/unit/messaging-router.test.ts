import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialog, SessionState } from '../../src/agents/types.js';
import { App } from '../../src/app.js';
import { listMessages } from '../../src/messaging/index.js';
import { REASON_WAIT_MS } from '../../src/messaging/commands/contexts.js';
import { answerClaim } from '../../src/messaging/commands/prompt-answers.js';
import { acquireLease, newHolder, releaseLease } from '../../src/db/lease.js';
import { Notifier } from '../../src/messaging/notifications/notifier.js';
import { BriefingScheduler } from '../../src/messaging/notifications/scheduler.js';
import type { SessionRecord } from '../../src/sessions/store.js';
import { BUILTIN_TOOLS } from '../../src/tools/index.js';
import { chatTools } from '../../src/tools/chat.js';
import { callTool } from '../../src/tools/run.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = '123456:SECRET-telegram-token-abcdef';

function session(id: string, state: SessionState, extra: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id,
    name: `claude-${id.slice(0, 8)}`,
    agent: 'claude',
    argv: ['claude'],
    workDir: '/tmp',
    permissionMode: 'default',
    state,
    stateSince: now,
    lastActivity: now,
    promptDelivered: true,
    createdAt: now,
    ...extra,
  };
}
const bash = (command: string): Dialog => ({
  kind: 'permission',
  title: 'Bash command',
  question: 'Do you want to proceed?',
  options: [
    { number: 1, label: 'Yes', selected: true },
    { number: 2, label: 'No', selected: false },
  ],
  tool: 'Bash',
  command,
});

/**
 * The command router through message_handle (the same tool path as MCP and the CLI), and the
 * notifier's fan-out rules, against a real SQLite file; no agent is started.
 */
describe('chat commands and notifications', () => {
  let t: TestEnv;
  let app: App;
  let repo: string;
  const handle = async (text: string, from = 'tess') => {
    const tool = BUILTIN_TOOLS.find((x) => x.name === 'message_handle')!;
    return (await callTool(app, tool, { text, channel: 'telegram', from }, { caller: 'mcp' })) as { intent: string; reply: string; failed: boolean };
  };
  const tool = (name: string, input: Record<string, unknown>) =>
    callTool(
      app,
      BUILTIN_TOOLS.find((x) => x.name === name)!,
      input,
      { caller: 'mcp' },
    );

  beforeAll(() => {
    t = makeTestEnv({
      AEGIS_TELEGRAM_BOT_TOKEN: TOKEN,
      AEGIS_TELEGRAM_BASE_URL: 'http://127.0.0.1:9',
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: '1',
      AEGIS_NOTIFY_JOURNAL: 'telegram:2',
    });
    writeFileSync(
      join(t.home, 'config.json'),
      JSON.stringify({ operators: { leak: { argv: ['/bin/echo', `token is ${TOKEN}`] }, fail: { argv: ['/bin/sh', '-c', 'echo broke >&2; exit 4'] } } }),
    );
    app = new App({ env: t.env, chatTools: async (a) => chatTools(a) });
    repo = mkdtempSync(join(tmpdir(), 'aegis-msg-repo-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, ...args], {
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' },
      });
    git('init', '-q');
    writeFileSync(join(repo, 'a.txt'), 'a');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'fix the flaky login test');
  });
  afterAll(async () => {
    await app?.close();
    t?.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  it('answers help, unknown words and empty messages', async () => {
    expect((await handle('help')).reply).toContain('Aegis commands');
    expect(await handle('sesions')).toMatchObject({ intent: 'unknown', reply: 'Unknown command: "sesions" — did you mean: sessions or session?' });
    expect((await handle('')).reply).toContain('help');
  });

  it('names the setting and the fix when a task cannot start', async () => {
    const r = await handle('task: fix it');
    expect(r.failed).toBe(true);
    expect(r.reply).toContain('No folder is set for tasks from chat.');
    expect(r.reply).toContain('messaging.workDir');
  });

  it('explains what is missing for c:, approve and unknown codes', async () => {
    expect((await handle('c: go on')).reply).toContain('You have no current session.');
    expect((await handle('approve')).reply).toBe('Nothing is waiting for approval.');
    const unknown = await handle('approve fff');
    expect(unknown.failed).toBe(true);
    expect(unknown.reply).toContain('No prompt has code fff.');
  });

  it('keeps a journal of notes per day', async () => {
    expect((await handle('journal: deployed v2 to staging')).reply).toContain('Noted');
    const day = await handle('journal today');
    expect(day.reply).toMatch(/Journal \d{4}-\d{2}-\d{2}/);
    expect(day.reply).toContain('deployed v2 to staging');
    expect((await handle('journal someday')).failed).toBe(true);
    // Every entry is mirrored to the journal channels.
    const mirrored = listMessages(app.db, { kind: 'journal', limit: 10, offset: 0 }).messages;
    expect(mirrored.find((m) => m.text.includes('deployed v2 to staging'))).toMatchObject({ channel: 'telegram', peer: '2', status: 'queued' });
  });

  it('sends each briefing once a day at its local time, and skips one that is hours late', async () => {
    const notifier = new Notifier(app, app.messaging, {
      subscriptions: [{ channel: 'telegram', to: '1', events: new Set(['briefing']) }],
      ratePerMinute: 20,
      dedupMs: 60_000,
    });
    const scheduler = new BriefingScheduler(app, app.messaging, notifier);
    const at = (h: number, m: number) => new Date(new Date().setHours(h, m, 0, 0)).getTime();
    expect(await scheduler.check(at(7, 59))).toEqual([]);
    expect(await scheduler.check(at(8, 5))).toEqual(['morning']);
    expect(await scheduler.check(at(8, 6))).toEqual([]);
    expect(await scheduler.check(at(21, 30))).toEqual([]);
    expect(await scheduler.check(at(18, 1))).toEqual(['evening']);
    const sent = listMessages(app.db, { kind: 'notification', limit: 50, offset: 0 }).messages;
    expect(sent.filter((m) => m.text.includes('Good morning'))).toHaveLength(1);
    expect(sent.filter((m) => m.text.includes('Evening wrap-up'))).toHaveLength(1);
  });

  it('recalls from the knowledge graph, brief and full', async () => {
    app.knowledge.createEntities([{ name: 'Login service', entityType: 'service', observations: ['the login test is flaky on CI', 'owned by team auth'] }]);
    const brief = await handle('recall flaky login');
    expect(brief.reply).toContain('Login service (service): the login test is flaky on CI');
    const full = await handle('recall full login');
    expect(full.reply).toContain('owned by team auth');
    expect((await handle('recall nothingmatchesthis')).reply).toContain('Nothing in the knowledge graph matches');
  });

  it('reports status: sessions, pipelines, tmux, disk, memory', async () => {
    const r = await handle('status');
    for (const part of ['Sessions:', 'Pipelines:', 'tmux: not running', 'Disk:', 'Memory:']) expect(r.reply).toContain(part);
  });

  it('runs operator commands, refuses arguments from chat, and masks secrets in the reply', async () => {
    const leak = await handle('leak');
    expect(leak.reply).toContain('token is ****');
    expect(leak.reply).not.toContain(TOKEN);
    expect((await handle('leak --force')).reply).toContain('takes no arguments');
    const fail = await handle('fail');
    expect(fail.reply).toContain('exited 4');
    expect(fail.reply).toContain('broke');
  });

  it('the morning briefing counts today’s sessions and lists today’s commits in their folders', async () => {
    app.sessions.store.insert(session('aaaaaaaa-0000-0000-0000-000000000001', 'exited', { workDir: repo }));
    const morning = await handle('morning');
    expect(morning.reply).toContain('Good morning');
    expect(morning.reply).toContain('1 started');
    expect(morning.reply).toContain('Commits today:');
    expect(morning.reply).toContain('fix the flaky login test');
    expect(morning.reply).toContain('Nothing waits for you.');
  });

  it('message_send refuses an unconfigured channel naming the field; channel_list shows what each channel needs', async () => {
    await expect(tool('message_send', { channel: 'discord', to: '1', text: 'x' })).rejects.toMatchObject({ field: 'channel' });
    const list = (await tool('channel_list', {})) as {
      channels: { channel: string; configured: boolean; missing: string[]; problems: string[]; modes: string[] }[];
    };
    const tg = list.channels.find((c) => c.channel === 'telegram')!;
    expect(tg).toMatchObject({ configured: true, missing: [], modes: ['long polling', 'send'] });
    expect(list.channels.find((c) => c.channel === 'whatsapp')!.missing).toEqual([
      'channels.vonage.applicationId',
      'channels.vonage.privateKey',
      'channels.vonage.fromNumber',
    ]);
    expect(JSON.stringify(list)).not.toContain(TOKEN);
    await expect(tool('message_list', { since: 'last tuesday-ish' })).rejects.toMatchObject({ field: 'since' });
  });

  it('notifies every permission prompt once, with its code and buttons; a redraw is not a new prompt', () => {
    const m = app.messaging;
    const notifier = new Notifier(app, m, {
      subscriptions: [{ channel: 'telegram', to: '1', events: new Set(['permission', 'question', 'finished', 'stalled', 'dead']) }],
      ratePerMinute: 1,
      dedupMs: 60_000,
    });
    notifier.start();
    try {
      const id = 'bbbbbbbb-0000-0000-0000-000000000002';
      app.sessions.store.insert(session(id, 'working'));
      const notes = () =>
        listMessages(app.db, { kind: 'notification', limit: 100, offset: 0 })
          .messages.reverse()
          .filter((n) => n.text.includes('claude-bbbbbbbb'));
      const emit = (from: SessionState, to: SessionState, d?: Dialog) => app.events.emit('session_state_changed', { sessionId: id, from, to, detail: d });

      emit('working', 'permission_prompt', bash('npm test'));
      emit('permission_prompt', 'working');
      emit('working', 'permission_prompt', bash('npm test'));
      expect(notes()).toHaveLength(1);
      const first = notes()[0]!;
      const code = /approve ([0-9a-f]{3})/.exec(first.text)![1]!;
      // No "Yes, and don't ask again" in this dialog: no button for the session.
      expect(first.payload?.buttons).toEqual([
        [
          { label: '✅ Approve', data: `approve ${code}` },
          { label: '❌ Reject', data: `reject ${code}` },
        ],
        [{ label: '✍️ Reject with reason', data: `reason ${code}` }],
      ]);

      emit('permission_prompt', 'working');
      emit('working', 'permission_prompt', bash('rm -rf build'));
      expect(notes()).toHaveLength(2);
      expect(notes()[1]!.text).toContain('rm -rf build');
      expect(notes()[1]!.text).not.toContain(`approve ${code}`);

      // Not actionable, over the rate limit of 1 a minute: stored as suppressed, then mentioned.
      app.events.emit('session_turn_finished', { sessionId: id, at: Date.now(), message: 'Done: all green.' });
      app.events.emit('session_turn_finished', { sessionId: id, at: Date.now(), message: 'Done again.' });
      expect(
        notes()
          .filter((n) => n.kind === 'notification' && n.text.includes('finished'))
          .map((n) => n.status),
      ).toEqual(['queued', 'suppressed']);
      emit('permission_prompt', 'working');
      emit('working', 'permission_prompt', bash('npm run lint'));
      const last = notes().find((n) => n.text.includes('npm run lint'))!;
      expect(last.status).toBe('queued');
      expect(last.text).toContain('1 notification held back by the rate limit:');
      expect(last.text).toContain('Done again.');
      expect(listMessages(app.db, { status: ['merged'], limit: 10, offset: 0 }).messages.map((n) => n.text)).toEqual([expect.stringContaining('Done again.')]);
    } finally {
      notifier.stop();
    }
  });

  it('sends two identical replies of two turns, drops the same turn seen twice, and sends held-back notices as a digest', async () => {
    const notifier = new Notifier(app, app.messaging, {
      subscriptions: [{ channel: 'telegram', to: '5', events: new Set(['finished']) }],
      ratePerMinute: 2,
      dedupMs: 60_000,
      rateWindowMs: 400,
    });
    notifier.start();
    try {
      const id = 'dddddddd-0000-0000-0000-000000000004';
      app.sessions.store.insert(session(id, 'idle'));
      const mine = () =>
        listMessages(app.db, { channel: 'telegram', limit: 100, offset: 0 })
          .messages.filter((n) => n.peer === '5')
          .reverse();
      const t0 = Date.now();
      app.events.emit('session_turn_finished', { sessionId: id, at: t0, message: 'All tests pass.' });
      app.events.emit('session_turn_finished', { sessionId: id, at: t0 + 1, message: 'All tests pass.' });
      app.events.emit('session_turn_finished', { sessionId: id, at: t0 + 1, message: 'All tests pass.' });
      expect(mine().map((n) => n.status === 'suppressed')).toEqual([false, false]);
      // Over the limit of 2 per window: held back, then sent as one digest once the window allows it.
      app.events.emit('session_turn_finished', { sessionId: id, at: t0 + 2, message: 'Third reply.' });
      app.events.emit('session_turn_finished', { sessionId: id, at: t0 + 3, message: 'Fourth reply.' });
      expect(mine().filter((n) => n.status === 'suppressed')).toHaveLength(2);
      const digest = await waitFor(() => mine().find((n) => n.text.includes('2 notifications held back')), { timeoutMs: 5_000, what: 'the digest' });
      expect(digest.text).toContain('Third reply.');
      expect(digest.text).toContain('Fourth reply.');
      expect(mine().filter((n) => n.status === 'suppressed')).toHaveLength(0);
    } finally {
      notifier.stop();
    }
  });

  it('keeps a Write prompt’s code valid while the hook swaps the absolute path in, and never applies it to the next dialog', async () => {
    const m = app.messaging;
    const notifier = new Notifier(app, m, {
      subscriptions: [{ channel: 'telegram', to: '1', events: new Set(['permission']) }],
      ratePerMinute: 10,
      dedupMs: 60_000,
    });
    notifier.start();
    try {
      const id = 'cccccccc-0000-0000-0000-000000000003';
      app.sessions.store.insert(session(id, 'working', { workDir: '/home/me/proj' }));
      const write = (file: string): Dialog => ({
        kind: 'permission',
        title: 'Create file',
        question: 'Do you want to create notes.md?',
        options: [{ number: 1, label: 'Yes', selected: true }],
        tool: 'Write',
        file,
      });
      const show = (state: SessionState, dialog: Dialog | null, at: number) => {
        const { from } = app.sessions.store.setState(id, state, at, 'test', { dialog });
        if (from !== state) app.events.emit('session_state_changed', { sessionId: id, from: from!, to: state, detail: dialog ?? undefined });
      };
      const t0 = Date.now();
      show('permission_prompt', write('notes.md'), t0);
      const notice = listMessages(app.db, { kind: 'notification', limit: 100, offset: 0 }).messages.find((n) => n.text.includes('claude-cccccccc'))!;
      const code = /approve ([0-9a-f]{3})/.exec(notice.text)![1]!;
      // The PermissionRequest hook arrives: same dialog, absolute path.
      show('permission_prompt', write('/home/me/proj/notes.md'), t0 + 50);
      const r = await handle(`approve ${code}`);
      expect(r.reply).not.toContain('is gone');
      expect(r.reply).not.toContain('already answered');
      expect(m.codes.get(code)?.dialog.file).toBe('/home/me/proj/notes.md');
      // The dialog is answered in the terminal; the next one (same file, opened later) is another prompt.
      show('working', null, t0 + 100);
      show('permission_prompt', write('/home/me/proj/notes.md'), t0 + 5_000);
      const stale = await handle(`approve ${code}`);
      expect(stale.failed).toBe(true);
      expect(stale.reply).toMatch(/gone|already answered/);
      const second = listMessages(app.db, { kind: 'notification', limit: 100, offset: 0 }).messages.filter((n) => n.text.includes('claude-cccccccc'));
      expect(second).toHaveLength(2);
      expect(second[0]!.text).not.toContain(`approve ${code}`);
    } finally {
      notifier.stop();
    }
  });
  it('keeps a code valid for a press that lands while its prompt is being redrawn, and calls it gone once the prompt stays away', async () => {
    const notifier = new Notifier(app, app.messaging, {
      subscriptions: [{ channel: 'telegram', to: '1', events: new Set(['permission']) }],
      ratePerMinute: 10,
      dedupMs: 60_000,
    });
    notifier.start();
    try {
      const id = 'eeeeeeee-0000-0000-0000-000000000005';
      app.sessions.store.insert(session(id, 'working'));
      const show = (state: SessionState, dialog: Dialog | null) => {
        const { from } = app.sessions.store.setState(id, state, Date.now(), 'test', { dialog });
        if (from !== state) app.events.emit('session_state_changed', { sessionId: id, from: from!, to: state, detail: dialog ?? undefined });
      };
      const codeOf = (command: string) =>
        /approve ([0-9a-f]{3})/.exec(
          listMessages(app.db, { kind: 'notification', limit: 100, offset: 0 }).messages.find((n) => n.text.includes(command))!.text,
        )![1]!;
      show('permission_prompt', bash('make deploy'));
      const code = codeOf('make deploy');
      // A loaded machine redraws the dialog: the session leaves it for a moment and comes back. The
      // press lands in the gap (or, on a slow run, just after): either way it is the same prompt.
      show('working', null);
      const press = handle(`reason ${code}`);
      const back = setTimeout(() => show('permission_prompt', bash('make deploy')), 300);
      const r = await press;
      clearTimeout(back);
      expect(r.reply).toContain('Send the reason');
      expect(app.messaging.codes.get(code)?.closedAt).toBeUndefined();
      // Answered in the terminal: the prompt does not come back, and the press says so.
      show('working', null);
      const late = await handle(`approve ${code}`);
      expect(late.failed).toBe(true);
      expect(late.reply).toContain('is gone');
    } finally {
      notifier.stop();
    }
  });

  it('carries a code over a redraw even with no notifier in this process', async () => {
    const id = 'ffffffff-0000-0000-0000-000000000006';
    app.sessions.store.insert(session(id, 'permission_prompt', { dialog: bash('make ship') }));
    const { code } = app.messaging.codes.forDialog({ sessionId: id, openedAt: app.sessions.store.get(id)!.stateSince, dialog: bash('make ship') });
    app.sessions.store.setState(id, 'working', Date.now(), 'test', { dialog: null });
    const press = handle(`reason ${code}`);
    const back = setTimeout(() => {
      app.sessions.store.setState(id, 'permission_prompt', Date.now(), 'test', { dialog: bash('make ship') });
      app.events.emit('session_state_changed', { sessionId: id, from: 'working', to: 'permission_prompt', detail: bash('make ship') });
    }, 300);
    const r = await press;
    clearTimeout(back);
    expect(r.reply).toContain('Send the reason');
  });

  it('takes the next message as the reason for a reject only within REASON_WAIT_MS of reason <code>', async () => {
    const id = '12121212-0000-0000-0000-000000000007';
    app.sessions.store.insert(session(id, 'permission_prompt', { dialog: bash('make clean') }));
    const { code } = app.messaging.codes.forDialog({ sessionId: id, openedAt: app.sessions.store.get(id)!.stateSince, dialog: bash('make clean') });
    app.messaging.contexts.awaitReason('telegram', 'tess', code, Date.now() - REASON_WAIT_MS - 1);
    const r = await handle('use yarn instead');
    expect(r.intent).toBe('unknown');
    expect(r.reply).toContain(`Not taken as the reason to reject ${code}: the wait for it ended after 5 minutes`);
    expect(app.messaging.codes.get(code)?.closedAt).toBeUndefined();
    // The wait is over: the message after is no reason either.
    expect(app.messaging.contexts.pendingReason('telegram', 'tess')).toBeUndefined();
  });

  it('refuses an answer while another process holds the session’s answer claim, and presses nothing', async () => {
    const id = '13131313-0000-0000-0000-000000000008';
    app.sessions.store.insert(session(id, 'working'));
    app.sessions.store.setState(id, 'permission_prompt', Date.now(), 'test', { dialog: bash('make release') });
    const { code } = app.messaging.codes.forDialog({ sessionId: id, openedAt: app.sessions.store.get(id)!.stateSince, dialog: bash('make release') });
    const elsewhere = newHolder();
    expect(acquireLease(app.db, answerClaim(id), elsewhere, 60_000)).toBe(true);
    try {
      const r = await handle(`approve ${code}`);
      expect(r.failed).toBe(true);
      expect(r.reply).toContain('is being given right now. Nothing changed.');
      expect(app.messaging.codes.get(code)?.closedAt).toBeUndefined();
    } finally {
      releaseLease(app.db, answerClaim(id), elsewhere);
    }
  });
});
