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
 * A session that waits on a start-up dialog (Codex or Gemini CLI asking whether to trust its work
 * folder) is said to the phone, with how to answer it: without a word, a `task:` sent from chat in a
 * folder nobody trusted looked like a session that hangs. No code: it is answered in a terminal.
 */
describe('a start-up dialog on the phone', () => {
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

  it('says which session waits on which question and how to answer it, and offers no code', async () => {
    const notifier = new Notifier(app, app.messaging, {
      subscriptions: [{ channel: 'telegram', to: '5', events: new Set(['permission']) }],
      ratePerMinute: 60,
      dedupMs: 60_000,
    });
    notifier.start();
    try {
      const id = 'cccccccc-0000-0000-0000-000000000001';
      const now = Date.now();
      const dialog = {
        kind: 'setup' as const,
        title: 'Folder trust',
        question: 'Do you trust the files in this folder?',
        file: '/work/cloned-repo',
        options: [
          { number: 1, label: 'Trust folder' },
          { number: 3, label: "Don't trust" },
        ],
      };
      app.sessions.store.insert({
        id,
        name: 'gemini-cccccccc',
        agent: 'gemini',
        argv: ['gemini'],
        workDir: '/work/cloned-repo',
        permissionMode: 'default',
        state: 'permission_prompt',
        stateSince: now,
        lastActivity: now,
        promptDelivered: false,
        createdAt: now,
        dialog,
      } as SessionRecord);
      app.events.emit('session_state_changed', { sessionId: id, from: 'starting', to: 'permission_prompt', detail: dialog });
      const notice = await waitFor(
        () => listMessages(app.db, { channel: 'telegram', direction: 'out', limit: 10, offset: 0 }).messages.find((m) => m.peer === '5'),
        { timeoutMs: 10_000, what: 'a notice of the start-up dialog' },
      );
      expect(notice.text).toContain('gemini-cccccccc');
      expect(notice.text).toContain('Folder trust');
      expect(notice.text).toContain('Do you trust the files in this folder?');
      expect(notice.text).toContain('/work/cloned-repo');
      expect(notice.text).toContain('ag approve cccccccc');
      expect(notice.text).toContain('stop session cccccccc');
      // Approving is remembered beyond this session: the notice says so, and how to take it back.
      expect(notice.text).toContain('ag trust forget /work/cloned-repo');
      // Gemini CLI keeps what it loaded at start: the folder's own config applies from its next session.
      expect(notice.text).toContain("Gemini CLI applies the folder's own config from its next session there");
      // No approval code was issued: `approve <code>` from chat cannot trust a folder.
      expect(app.db.prepare('SELECT count(*) AS n FROM message_codes WHERE session_id = ?').get(id)).toEqual({ n: 0 });
    } finally {
      notifier.stop();
    }
  });
});
