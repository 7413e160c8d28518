import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { listMessages } from '../../src/messaging/index.js';
import { Notifier } from '../../src/messaging/notifications/notifier.js';
import type { SessionRecord } from '../../src/sessions/store.js';
import { chatTools } from '../../src/tools/chat.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Notices the rate limit held back go out later as one digest: each one whole, however long (an
 * agent's reply), split by the outbox at the channel's limit like any message.
 */
describe('the digest of held-back notices', () => {
  let tg: FakeTelegram;
  let t: TestEnv;
  let app: App;
  beforeAll(async () => {
    tg = await startFakeTelegram();
    t = makeTestEnv({ AEGIS_TELEGRAM_BOT_TOKEN: tg.token, AEGIS_TELEGRAM_BASE_URL: tg.url, AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: '5' });
    app = new App({ env: t.env, chatTools: async (a) => chatTools(a) });
  });
  afterAll(async () => {
    await app?.close();
    t?.cleanup();
    await tg?.close();
  });

  it('carries a long reply held back by the rate limit whole, to its last line', async () => {
    const notifier = new Notifier(app, app.messaging, {
      subscriptions: [{ channel: 'telegram', to: '5', events: new Set(['finished']) }],
      ratePerMinute: 1,
      dedupMs: 60_000,
      rateWindowMs: 400,
    });
    notifier.start();
    try {
      const id = 'eeeeeeee-0000-0000-0000-00000000000f';
      const now = Date.now();
      app.sessions.store.insert({
        id,
        name: 'claude-eeeeeeee',
        agent: 'claude',
        argv: ['claude'],
        workDir: '/tmp',
        permissionMode: 'default',
        state: 'idle',
        stateSince: now,
        lastActivity: now,
        promptDelivered: true,
        createdAt: now,
      } as SessionRecord);
      // Longer than one Telegram message (4096): the digest goes out in parts.
      const long = `Summary of the migration.\n${'Step done and verified.\n'.repeat(200)}IMPORTANT: do not deploy before running ./migrate --confirm.`;
      app.events.emit('session_turn_finished', { sessionId: id, at: now, message: 'First reply.' });
      app.events.emit('session_turn_finished', { sessionId: id, at: now + 1, message: long });
      const mine = () => listMessages(app.db, { channel: 'telegram', direction: 'out', limit: 100, offset: 0 }).messages.filter((n) => n.peer === '5');
      const digest = await waitFor(() => mine().find((n) => n.text.includes('1 notification held back')), { timeoutMs: 10_000, what: 'the digest' });
      expect(digest.text).toContain(long);

      await app.messaging.outbox.sendNow(
        mine()
          .map((m) => m.id)
          .sort((a, b) => a - b),
      );
      expect(mine().find((m) => m.id === digest.id)?.status).toBe('sent');
      const parts = tg.sent.filter((s) => s.chatId === '5').map((s) => s.text);
      expect(parts.length).toBeGreaterThan(2);
      expect(parts.join('\n')).toContain('IMPORTANT: do not deploy before running ./migrate --confirm.');
      expect(parts.join('\n').match(/Step\s+done\s+and\s+verified\./g)).toHaveLength(200);
    } finally {
      notifier.stop();
    }
  });
});
