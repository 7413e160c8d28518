import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localDay, listMessages } from '../../src/messaging/index.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord-server.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, startServe, type MessagingWorld } from './messaging-helpers.js';

const CHAT = 111;

/**
 * The outbox across failures and processes: a reply that could not be sent survives a restart and
 * goes out from the next `ag serve`; only the `ag serve` holding the lease sends, and another takes
 * over when it stops; a channel that refuses escalates to the fallback channel, and when that fails
 * too, to the alerts channel and the journal.
 */
describe('outbox durability, lease and escalation', { timeout: 60_000 }, () => {
  let tg: FakeTelegram;
  let discord: FakeDiscord;
  let world: MessagingWorld;
  const running: Awaited<ReturnType<typeof startServe>>[] = [];

  const env = (extra: Record<string, string> = {}) => ({
    ...world.t.env,
    AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
    AEGIS_TELEGRAM_BASE_URL: tg.url,
    AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
    AEGIS_TELEGRAM_POLL_SECONDS: '1',
    AEGIS_DISCORD_BOT_TOKEN: discord.token,
    AEGIS_DISCORD_BASE_URL: discord.url,
    AEGIS_DISCORD_TASKS_CHANNEL: '400',
    AEGIS_NOTIFY_ALERTS: 'discord:600',
    ...extra,
  });
  const serve = async (extra: Record<string, string> = {}, leaseMs?: number) => {
    const s = await startServe(env(extra), { leaseMs });
    running.push(s);
    return s;
  };
  const stopAll = async () => {
    while (running.length) await running.pop()!.stop();
  };

  beforeAll(async () => {
    tg = await startFakeTelegram();
    discord = await startFakeDiscord();
    world = makeMessagingWorld();
  });
  afterEach(stopAll);
  afterAll(async () => {
    await stopAll();
    await tg?.close();
    await discord?.close();
    await world?.cleanup();
  });

  const replies = (needle: string) => tg.sent.filter((s) => s.chatId === String(CHAT) && s.text.includes(needle));

  it('keeps a reply that failed to send and sends it from the next ag serve after a restart', async () => {
    const first = await serve();
    tg.failNext('sendMessage', 1, { code: 500, description: 'Internal Server Error' });
    const note = `restart note ${Date.now()}`;
    tg.userSays(CHAT, `journal: ${note}`);
    const row = await waitFor(
      () =>
        listMessages(first.app.db, { channel: 'telegram', direction: 'out', kind: 'reply', limit: 20, offset: 0 }).messages.find(
          (m) => m.status === 'queued' && m.attempts === 1,
        ),
      { what: 'a failed reply waiting for its retry' },
    );
    await first.stop();
    running.length = 0;
    expect(replies('Noted')).toHaveLength(0);

    const second = await serve();
    await waitFor(() => replies('Noted').length === 1, { what: 'the reply sent after the restart' });
    const after = await waitFor(
      () =>
        listMessages(second.app.db, { channel: 'telegram', direction: 'out', limit: 50, offset: 0 }).messages.find(
          (m) => m.id === row.id && m.status === 'sent',
        ),
      { what: 'the same row marked sent' },
    );
    expect(after.attempts).toBe(2);
  });

  it('sends from one ag serve only, and a standby takes over when the sender stops', async () => {
    const a = await serve({}, 1_500);
    const b = await serve({}, 1_500);
    expect([a.serve.role, b.serve.role].sort()).toEqual(['active', 'standby']);
    const [active, standby] = a.serve.role === 'active' ? [a, b] : [b, a];
    tg.userSays(CHAT, 'journal: lease one');
    await waitFor(() => replies('Noted').length >= 2, { what: 'the reply from the active serve' });

    await active.stop();
    running.splice(running.indexOf(active), 1);
    await waitFor(() => standby.serve.role === 'active', { timeoutMs: 10_000, what: 'the standby to take over' });
    const before = tg.sent.length;
    tg.userSays(CHAT, 'journal: lease two');
    await waitFor(() => tg.sent.slice(before).some((s) => s.text.includes('Noted')), { what: 'the reply from the new sender' });
    // Each command was answered exactly once.
    expect(replies('Noted')).toHaveLength(3);
  });

  it('escalates in three strikes: its own channel, the fallback, then an alert and a journal entry', async () => {
    const s = await serve({ AEGIS_NOTIFY_FALLBACK: 'discord:700' });
    tg.failNext('sendMessage', 1, { code: 403, description: 'Forbidden: bot was blocked by the user' });
    tg.userSays(CHAT, 'help');
    const viaFallback = await waitFor(() => discord.posted.find((p) => p.channel_id === '700' && p.content.includes('Aegis commands')), {
      what: 'the reply on the fallback channel',
    });
    expect(viaFallback.content).toContain('telegram did not take this');
    const failed = listMessages(s.app.db, { channel: 'telegram', direction: 'out', status: ['failed'], limit: 10, offset: 0 }).messages[0]!;
    expect(failed.error).toContain('blocked');
    await s.stop();
    running.length = 0;

    // Now the fallback refuses too (no such Discord channel): the third strike alerts and journals.
    const t = await serve({ AEGIS_NOTIFY_FALLBACK: 'discord:not-a-channel' });
    tg.failNext('sendMessage', 1, { code: 403, description: 'Forbidden: bot was blocked by the user' });
    tg.userSays(CHAT, 'tasks');
    const alert = await waitFor(() => discord.posted.find((p) => p.channel_id === '600' && p.content.includes('Aegis alert')), { what: 'the alert' });
    // The alert names the chat the message was meant for, then the fallback that failed too.
    expect(alert.content).toContain(`Could not deliver a reply to telegram:${CHAT} nor to the fallback discord:not-a-channel`);
    const dead = listMessages(t.app.db, { channel: 'discord', direction: 'out', status: ['dead'], limit: 10, offset: 0 }).messages;
    expect(dead.some((m) => m.peer === 'not-a-channel')).toBe(true);
    const journal = t.app.messaging.journal.day(localDay(Date.now()));
    expect(journal.some((e) => e.kind === 'alert' && e.text.includes('Could not deliver'))).toBe(true);
  });
});
