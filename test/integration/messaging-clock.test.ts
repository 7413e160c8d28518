import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, startServe, type MessagingWorld } from './messaging-helpers.js';

const CHAT = 131;
const HOUR_MS = 3_600_000;

/**
 * This machine's clock two hours ahead of Telegram's (a VM or WSL after a sleep): a message's date is
 * on Telegram's clock, so read against ours every message looked two hours old, and every task from the
 * phone was refused as too late. Its age is now read against Telegram's clock, as its answers show it.
 */
describe("messages dated by a service whose clock is not this machine's", { timeout: 60_000 }, () => {
  let tg: FakeTelegram;
  let world: MessagingWorld;
  let serve: Awaited<ReturnType<typeof startServe>>;

  beforeAll(async () => {
    tg = await startFakeTelegram(undefined, { clockOffsetMs: -2 * HOUR_MS });
    world = makeMessagingWorld({
      AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
      AEGIS_TELEGRAM_BASE_URL: tg.url,
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
      AEGIS_TELEGRAM_POLL_SECONDS: '2',
    });
    serve = await startServe(world.t.env);
  });
  afterAll(async () => {
    await serve?.stop();
    await tg?.close();
    await world?.cleanup();
  });

  it('a task sent just now runs; one Telegram held for 3 hours is not run, and its age is told right', async () => {
    let before = tg.sent.length;
    tg.userSays(CHAT, 'task: say hello');
    const reply = await waitFor(() => tg.sent.slice(before).find((s) => s.chatId === String(CHAT)), { what: 'the reply to the task' });
    expect(reply.text).toContain('Started');

    before = tg.sent.length;
    tg.userSays(CHAT, 'task: rename the flag', { sentAt: Date.now() - 3 * HOUR_MS });
    const told = await waitFor(() => tg.sent.slice(before).find((s) => s.text.includes('Not run')), { what: 'the held task not run' });
    expect(told.text).toContain('3h ago');
  });
});
