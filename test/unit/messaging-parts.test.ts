import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dialog } from '../../src/agents/types.js';
import { loadConfig } from '../../src/config/load.js';
import { openDatabase } from '../../src/db/open.js';
import { CodeStore } from '../../src/messaging/approvals/codes.js';
import { localDay, parseDay } from '../../src/messaging/notifications/journal.js';
import { loadOperators, runOperator } from '../../src/messaging/commands/operators.js';
import { pruneMessages } from '../../src/messaging/delivery/messages.js';
import { backoffMs, Outbox } from '../../src/messaging/delivery/outbox.js';
import { getMessage } from '../../src/messaging/delivery/messages.js';
import { ChannelError, type OutboundMessage } from '../../src/channels/types.js';
import { createLogger } from '../../src/util/log.js';
import { waitFor } from '../helpers/wait.js';
import { Deduper, RateLimiter } from '../../src/messaging/notifications/rate-limit.js';
import { parseTarget, subscriptions } from '../../src/messaging/delivery/targets.js';
import { AegisError } from '../../src/errors.js';
import { redactDeep } from '../../src/util/log.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'aegis-msg-unit-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const bash = (command: string): Dialog => ({
  kind: 'permission',
  title: 'Bash command',
  question: 'Do you want to proceed?',
  options: [{ number: 1, label: 'Yes', selected: true }],
  tool: 'Bash',
  command,
});

const write = (file: string): Dialog => ({
  kind: 'permission',
  title: 'Create file',
  question: 'Do you want to create notes.md?',
  options: [{ number: 1, label: 'Yes', selected: true }],
  tool: 'Write',
  file,
});
const at = (dialog: Dialog, openedAt = 1_000, sessionId = 's1') => ({ sessionId, openedAt, dialog });

describe('approve codes', () => {
  it('gives one code per dialog instance, keeps it while the dialog stays, and a new one for the next dialog', () => {
    const codes = new CodeStore(openDatabase(join(tempDir(), 'a.db')));
    const first = codes.forDialog(at(bash('npm test')));
    expect(first).toMatchObject({ created: true });
    expect(first.code).toMatch(/^[0-9a-f]{3}$/);
    expect(codes.forDialog(at(bash('npm test')))).toEqual({ code: first.code, created: false });
    const second = codes.forDialog(at(bash('rm -rf build')));
    expect(second.code).not.toBe(first.code);
    expect(codes.get(first.code)?.closedAt).toBeDefined();
    expect(codes.get(second.code)?.closedAt).toBeUndefined();
    codes.close('s1');
    expect(codes.get(second.code)?.closedAt).toBeDefined();
  });

  it('keeps a code valid while details of the same dialog arrive (screen path, then the hook’s absolute path)', () => {
    const codes = new CodeStore(openDatabase(join(tempDir(), 'race.db')));
    const { code } = codes.forDialog(at(write(' notes.md'))); // as the real Edit dialog's screen gives it
    expect(codes.stillOpen(code, at(write('/home/me/proj/notes.md')))).toBe(true);
    expect(codes.forDialog(at(write('/home/me/proj/notes.md')))).toEqual({ code, created: false });
    // A cut command on screen and the whole one from the hook: one dialog.
    const cut = codes.forDialog(at(bash('npm run bui…'), 2_000));
    expect(codes.stillOpen(cut.code, at(bash('npm run build -- --watch'), 2_000))).toBe(true);
  });

  it('never applies a code to another dialog: another file, another command, or the same one opened again later', () => {
    const codes = new CodeStore(openDatabase(join(tempDir(), 'other.db')));
    const a = codes.forDialog(at(write('notes.md')));
    expect(codes.stillOpen(a.code, at(write('/home/me/proj/other.md')))).toBe(false);
    expect(codes.get(a.code)?.closedAt).toBeDefined();
    const b = codes.forDialog(at(bash('rm build/'), 3_000));
    expect(codes.stillOpen(b.code, at(bash('rm -rf ~'), 3_000))).toBe(false);
    const c = codes.forDialog(at(bash('npm test'), 4_000));
    // The session left the dialog and opened the same-looking one again (a new stateSince): a new prompt.
    expect(codes.stillOpen(c.code, at(bash('npm test'), 5_000))).toBe(false);
    expect(codes.stillOpen(c.code, undefined)).toBe(false);
  });

  it('carries an open code over a redraw (same dialog, new openedAt) only when the dialog agrees', () => {
    const codes = new CodeStore(openDatabase(join(tempDir(), 'flap.db')));
    const { code } = codes.forDialog(at(bash('npm test')));
    expect(codes.carryOver(at(bash('npm test'), 1_500))).toBe(code);
    expect(codes.stillOpen(code, at(bash('npm test'), 1_500))).toBe(true);
    expect(codes.carryOver(at(bash('npm publish'), 1_800))).toBeUndefined();
  });

  it('never hands out a code that is open for another session', () => {
    const codes = new CodeStore(openDatabase(join(tempDir(), 'b.db')));
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add(codes.forDialog(at(bash(`cmd ${i}`), 1, `s${i}`)).code);
    expect(seen.size).toBe(300);
  });
});

describe('outbox backoff', () => {
  it('doubles per attempt with jitter between half and all of the step, capped at five minutes', () => {
    expect(backoffMs(1, () => 0)).toBe(500);
    expect(backoffMs(1, () => 1)).toBe(1_000);
    expect(backoffMs(4, () => 0)).toBe(4_000);
    expect(backoffMs(4, () => 1)).toBe(8_000);
    expect(backoffMs(30, () => 1)).toBe(300_000);
    expect(backoffMs(30, () => 0)).toBe(150_000);
  });
});

describe('outbox updates of a prompt notice', () => {
  const adapterLog = () => {
    const calls: { op: 'send' | 'edit'; to: string; text: string; buttons?: unknown }[] = [];
    let down = true;
    const adapter = {
      name: 'chat',
      maxLength: 4096,
      markup: 'plain' as const,
      async send(m: OutboundMessage) {
        if (down) throw new ChannelError('chat unreachable (ECONNREFUSED)', true);
        calls.push({ op: 'send', to: m.to, text: m.text, buttons: m.buttons });
        return { externalId: `x${calls.length}` };
      },
      async edit(to: string, _id: string, text: string) {
        calls.push({ op: 'edit', to, text });
      },
      isAllowed: () => true,
      describe: () => ({ channel: 'chat', modes: [], allowedSenders: 1, problems: [] }),
    };
    return { adapter, calls, recover: () => (down = false) };
  };

  it('folds an update into a notice still waiting for its retry: it goes out once, already answered, without buttons', async () => {
    const db = openDatabase(join(tempDir(), 'upd.db'));
    const { adapter, calls, recover } = adapterLog();
    const outbox = new Outbox({
      db,
      adapters: new Map([['chat', adapter]]),
      log: createLogger('error', process.stderr),
      holder: `${process.pid}-test`,
      alerts: [],
      webhookMaxAttempts: 3,
      retry: { baseMs: 10, capMs: 20, horizonMs: 60_000 },
      journal: () => {},
      onSent: () => {},
    });
    const notice = outbox.enqueue({
      channel: 'chat',
      to: 'me',
      kind: 'notification',
      rich: ['Bash npm test'],
      buttons: [[{ label: 'Approve', data: 'approve abc' }]],
      promptCode: 'abc',
    });
    await outbox.sendNow([notice]);
    expect(getMessage(db, notice)).toMatchObject({ status: 'queued', attempts: 1 });
    const update = outbox.enqueue({
      channel: 'chat',
      to: 'me',
      kind: 'update',
      rich: ['Bash npm test', '\n\nApproved on Telegram by tess at 14:02'],
      updates: notice,
    });
    await outbox.sendNow([update]);
    expect(getMessage(db, update)?.status).toBe('merged');
    recover();
    await waitFor(() => (getMessage(db, notice)?.nextAttemptAt ?? 0) <= Date.now(), { what: 'the retry to be due' });
    await outbox.sendNow([notice]);
    expect(calls).toEqual([{ op: 'send', to: 'me', text: 'Bash npm test\n\nApproved on Telegram by tess at 14:02', buttons: undefined }]);
    // Once the notice is out, a later update edits it in place.
    const again = outbox.enqueue({ channel: 'chat', to: 'me', kind: 'update', rich: ['edited'], updates: notice });
    await outbox.sendNow([again]);
    expect(calls.at(-1)).toEqual({ op: 'edit', to: 'me', text: 'edited' });
    expect(getMessage(db, again)?.status).toBe('sent');
  });
});

describe('rate limit and dedup', () => {
  it('allows N per window per key', () => {
    const r = new RateLimiter(2, 1_000);
    expect([r.allow('a', 0), r.allow('a', 10), r.allow('a', 20), r.allow('b', 20)]).toEqual([true, true, false, true]);
    expect(r.allow('a', 1_011)).toBe(true);
  });

  it('reports the second sighting within the window as a duplicate', () => {
    const d = new Deduper(1_000);
    expect([d.duplicate('k', 0), d.duplicate('k', 500), d.duplicate('k', 1_600)]).toEqual([false, true, false]);
  });
});

describe('targets and subscriptions', () => {
  it('parses channel:address with an optional event list', () => {
    expect(parseTarget('discord:987#permission+question')).toMatchObject({ channel: 'discord', to: '987' });
    expect([...parseTarget('discord:987#permission+question').events]).toEqual(['permission', 'question']);
    // No list: every kind, budgets included.
    expect([...parseTarget('whatsapp:+447700900000').events]).toEqual([
      'permission',
      'question',
      'finished',
      'stalled',
      'dead',
      'pipeline',
      'budget',
      'briefing',
    ]);
    expect([...parseTarget('telegram:1#budget').events]).toEqual(['budget']);
  });

  it('defaults to every allowed Telegram chat and WhatsApp number, and the Discord tasks channel', () => {
    const config = loadConfig({
      AEGIS_HOME: tempDir(),
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: '1,2',
      AEGIS_TELEGRAM_ALLOWED_USER_IDS: '2,3',
      AEGIS_VONAGE_ALLOWED_NUMBERS: '447700900000',
      AEGIS_DISCORD_TASKS_CHANNEL: '400',
      AEGIS_DISCORD_ALLOWED_USER_IDS: '77',
    });
    const subs = subscriptions(config, new Set(['telegram', 'whatsapp', 'discord']));
    expect(subs.map((s) => `${s.channel}:${s.to}`)).toEqual(['telegram:1', 'telegram:2', 'telegram:3', 'whatsapp:447700900000', 'discord:400']);
    // Nobody allowed on Discord: nobody there could answer, so nothing goes there.
    const quiet = subscriptions(loadConfig({ AEGIS_HOME: tempDir(), AEGIS_DISCORD_TASKS_CHANNEL: '400' }), new Set(['discord']));
    expect(quiet).toEqual([]);
    // Slack is a notification channel like the others: each allowed user gets direct messages, or the incoming webhook without a bot token.
    const slackEnv = {
      AEGIS_HOME: tempDir(),
      AEGIS_SLACK_SIGNING_SECRET: 's',
      AEGIS_SLACK_ALLOWED_USER_IDS: 'U1,U2',
      AEGIS_SLACK_WEBHOOK_URL: 'https://hooks.example/x',
    };
    expect(subscriptions(loadConfig({ ...slackEnv, AEGIS_SLACK_BOT_TOKEN: 'xoxb-1' }), new Set(['slack'])).map((s) => `${s.channel}:${s.to}`)).toEqual([
      'slack:U1',
      'slack:U2',
    ]);
    expect(subscriptions(loadConfig(slackEnv), new Set(['slack'])).map((s) => `${s.channel}:${s.to}`)).toEqual(['slack:webhook']);
    const explicit = subscriptions(loadConfig({ AEGIS_HOME: tempDir(), AEGIS_NOTIFY_SUBSCRIPTIONS: 'slack:C1#dead' }), new Set(['slack']));
    expect(explicit.map((s) => [s.channel, s.to, [...s.events]])).toEqual([['slack', 'C1', ['dead']]]);
  });

  it('rejects a malformed target naming the setting', () => {
    for (const bad of ['telegram', 'Telegram:42', 'telegram:42#', 'webhooks:https://x']) {
      expect(() => loadConfig({ AEGIS_HOME: tempDir(), AEGIS_NOTIFY_SUBSCRIPTIONS: bad }), bad).toThrow(/notify\.subscriptions/);
    }
    // An integration's channel is a valid target; whether it is configured is checked when `ag serve` starts.
    expect(loadConfig({ AEGIS_HOME: tempDir(), AEGIS_NOTIFY_SUBSCRIPTIONS: 'pigeon:42' }).get('notify.subscriptions')).toEqual(['pigeon:42']);
  });
});

describe('journal days', () => {
  it('reads today, yesterday, full and short dates', () => {
    const now = new Date(2026, 2, 12, 10, 0).getTime();
    expect(parseDay(undefined, now)).toBe('2026-03-12');
    expect(parseDay('yesterday', now)).toBe('2026-03-11');
    expect(parseDay('2026-1-5', now)).toBe('2026-01-05');
    expect(parseDay('03-01', now)).toBe('2026-03-01');
    expect(parseDay('7', now)).toBe('2026-03-07');
    expect(parseDay('someday', now)).toBeUndefined();
    expect(localDay(now)).toBe('2026-03-12');
  });
});

describe('operator commands', () => {
  it('runs the configured argv without a shell: nothing in it is interpreted', async () => {
    const home = tempDir();
    const config = { ...loadConfig({ AEGIS_HOME: home }), extra: { operators: { echo: { argv: ['/bin/echo', '$(id)', '`whoami`', ';', 'ls'] } } } };
    const ops = loadOperators(config);
    const r = await runOperator(ops.get('echo')!);
    expect(r).toEqual({ exitCode: 0, output: '$(id) `whoami` ; ls' });
  });

  it("runs without Aegis's secret settings in its environment, the user's other variables kept", async () => {
    const config = {
      ...loadConfig({ AEGIS_HOME: tempDir() }),
      extra: { operators: { env: { argv: ['/bin/sh', '-c', 'echo "$DEPLOY_REGION ${AEGIS_TELEGRAM_BOT_TOKEN:-none} ${AEGIS_HOOK_WEBHOOK_SECRET:-none}"'] } } },
    };
    const saved = { ...process.env };
    Object.assign(process.env, { AEGIS_TELEGRAM_BOT_TOKEN: '123:SECRETtelegram', AEGIS_HOOK_WEBHOOK_SECRET: 'SECREThook', DEPLOY_REGION: 'eu-west-1' });
    try {
      const r = await runOperator(loadOperators(config).get('env')!);
      expect(r).toEqual({ exitCode: 0, output: 'eu-west-1 none none' });
    } finally {
      for (const k of ['AEGIS_TELEGRAM_BOT_TOKEN', 'AEGIS_HOOK_WEBHOOK_SECRET', 'DEPLOY_REGION'])
        if (k in saved) process.env[k] = saved[k];
        else delete process.env[k];
    }
  });

  it('reports exit codes and time-outs', async () => {
    const config = {
      ...loadConfig({ AEGIS_HOME: tempDir() }),
      extra: { operators: { fail: { argv: ['/bin/sh', '-c', 'echo nope; exit 3'] }, slow: { argv: ['/bin/sleep', '5'], timeoutSeconds: 1 } } },
    };
    const ops = loadOperators(config);
    expect(await runOperator(ops.get('fail')!)).toEqual({ exitCode: 3, output: 'nope' });
    expect((await runOperator(ops.get('slow')!)).error).toContain('timed out');
  });

  it('names the field and the fix for a bad definition', () => {
    const bad = (operators: unknown) => () => loadOperators({ ...loadConfig({ AEGIS_HOME: tempDir() }), extra: { operators } });
    expect(bad({ deploy: { argv: 'deploy.sh prod' } })).toThrow(AegisError);
    try {
      bad({ deploy: { argv: 'deploy.sh prod' } })();
    } catch (err) {
      expect((err as AegisError).field).toBe('operators.deploy.argv');
    }
    expect(bad({ status: { argv: ['x'] } })).toThrow(/not usable/);
  });
});

describe('what event webhooks may carry', () => {
  it('redacts env maps and secret-looking keys at any depth, and keeps the rest', () => {
    const data = {
      tool: 'session_create',
      input: { workDir: '/srv/app', prompt: 'fix it', env: { ANTHROPIC_API_KEY: 'sk-ant-123', DEBUG: '1' }, stages: [{ name: 'a', env: { TOKEN: 'x' } }] },
      headers: { Authorization: 'Bearer abc' },
      apiToken: 'abc',
    };
    const out = redactDeep(data) as typeof data;
    expect(out.input.env).toEqual({ ANTHROPIC_API_KEY: '[redacted]', DEBUG: '[redacted]' });
    expect(out.input.stages[0]!.env).toEqual({ TOKEN: '[redacted]' });
    expect(out.headers.Authorization).toBe('[redacted]');
    expect(out.apiToken).toBe('[redacted]');
    expect(out.input.prompt).toBe('fix it');
    expect(JSON.stringify(out)).not.toMatch(/sk-ant-123|Bearer abc/);
    expect(data.input.env.ANTHROPIC_API_KEY).toBe('sk-ant-123'); // the event itself is untouched
  });
});

describe('message retention', () => {
  it('deletes finished messages past retention and delivered event rows past a day; never queued, sending or unprocessed ones', () => {
    const db = openDatabase(join(tempDir(), 'retention.db'));
    const DAY = 86_400_000;
    const now = Date.now();
    const add = (kind: string, status: string, ageDays: number, direction = 'out') =>
      db
        .prepare('INSERT INTO messages(channel, direction, peer, kind, text, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run('telegram', direction, 'p', kind, `${kind} ${status} ${ageDays}`, status, now - ageDays * DAY, now - ageDays * DAY);
    add('reply', 'sent', 40);
    add('reply', 'sent', 10);
    add('command', 'handled', 40, 'in');
    add('command', 'received', 40, 'in');
    add('notification', 'queued', 40);
    add('notification', 'sending', 40);
    add('alert', 'dead', 40);
    add('event', 'sent', 2);
    add('event', 'sent', 0.5);
    add('event', 'queued', 2);
    expect(pruneMessages(db, now - 30 * DAY, now - DAY)).toBe(4);
    const left = (db.prepare('SELECT text FROM messages ORDER BY id').all() as { text: string }[]).map((r) => r.text);
    expect(left).toEqual(['reply sent 10', 'command received 40', 'notification queued 40', 'notification sending 40', 'event sent 0.5', 'event queued 2']);
    db.close();
  });
});
