import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../src/channels/telegram.js';
import type { ChannelAdapter } from '../../src/channels/types.js';
import { openDatabase, type Db } from '../../src/db/open.js';
import { getMessage } from '../../src/messaging/delivery/messages.js';
import { Outbox } from '../../src/messaging/delivery/outbox.js';
import { createLogger } from '../../src/util/log.js';
import { startFakeTelegram } from '../fakes/telegram-server.js';
import { waitFor } from '../helpers/wait.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'fix-outbox-unit-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** An outbox over a real SQLite file; `holder` names the process (two outboxes on one file are two senders). */
function outboxOn(db: Db, adapters: Map<string, ChannelAdapter>, holder: string, baseMs = 60_000) {
  return new Outbox({
    db,
    adapters,
    log: createLogger('error', process.stderr),
    holder,
    alerts: [],
    webhookMaxAttempts: 3,
    retry: { baseMs, capMs: baseMs, horizonMs: 3_600_000 },
    journal: () => {},
    onSent: () => {},
  });
}

describe('outbox order per target', () => {
  it('holds later messages to a chat behind one waiting for its retry, in every process, while other chats go on', async () => {
    const tg = await startFakeTelegram();
    const file = join(tempDir(), 'order.db');
    const telegram = () =>
      new Map<string, ChannelAdapter>([
        ['telegram', new TelegramAdapter({ token: tg.token, baseUrl: tg.url, allowedChatIds: ['111', '222'], allowedUserIds: [], pollSeconds: 0 })],
      ]);
    const db = openDatabase(file);
    // The sender (ag serve) and another process on the same file (a message_send without it).
    const serve = outboxOn(db, telegram(), `${process.pid}-serve`);
    const otherDb = openDatabase(file);
    const other = outboxOn(otherDb, telegram(), `${process.pid}-other`);
    try {
      tg.failNext('sendMessage', 1, { code: 500, description: 'Internal Server Error' });
      const ids = ['1/3 first', '2/3 second', '3/3 third'].map((t) => serve.enqueue({ channel: 'telegram', to: '111', kind: 'reply', rich: [t] }));
      const elsewhere = serve.enqueue({ channel: 'telegram', to: '222', kind: 'reply', rich: ['to another chat'] });
      serve.start();
      await waitFor(() => getMessage(db, elsewhere)?.status === 'sent' && getMessage(db, ids[0]!)?.attempts === 1, { what: 'the first try of each chat' });
      await serve.idle();
      expect(getMessage(db, ids[0]!)).toMatchObject({ status: 'queued', error: expect.stringContaining('Internal Server Error') });
      // The other process is asked to send the third now: it must not overtake the first either.
      await other.sendNow([ids[2]!]);
      expect(ids.slice(1).map((id) => getMessage(db, id))).toEqual([
        expect.objectContaining({ status: 'queued', attempts: 0 }),
        expect.objectContaining({ status: 'queued', attempts: 0 }),
      ]);
      expect(tg.sent.map((s) => s.text)).toEqual(['to another chat']);

      // The retry falls due (as its backoff runs out): the chat gets all three, in the order they were queued.
      db.prepare('UPDATE messages SET next_attempt_at = 0 WHERE id = ?').run(ids[0]);
      serve.kick();
      await waitFor(() => ids.every((id) => getMessage(db, id)?.status === 'sent'), { what: 'all three sent' });
      expect(tg.sent.filter((s) => s.chatId === '111').map((s) => s.text)).toEqual(['1/3 first', '2/3 second', '3/3 third']);
    } finally {
      await serve.stop();
      otherDb.close();
      db.close();
      await tg.close();
    }
  });
});
