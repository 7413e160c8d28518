import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../src/channels/telegram.js';
import type { ChannelAdapter } from '../../src/channels/types.js';
import { WhatsAppAdapter } from '../../src/channels/whatsapp.js';
import { openDatabase } from '../../src/db/open.js';
import { getMessage } from '../../src/messaging/delivery/messages.js';
import { Outbox } from '../../src/messaging/delivery/outbox.js';
import { createLogger } from '../../src/util/log.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { startFakeVonage, type FakeVonage } from '../fakes/vonage-server.js';

const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const words = (s: string) => s.split(/\s+/).filter(Boolean);

/**
 * A photo or document with a caption longer than the service takes (1024 characters on Telegram and
 * WhatsApp, a quarter of a message): the caption is what fits, cut like any message, and the rest
 * follows as text messages. The fakes refuse a longer caption as the services do.
 */
describe('captions of photos and documents', () => {
  let dir: string;
  let tg: FakeTelegram;
  let vonage: FakeVonage;
  let outbox: Outbox;
  let db: ReturnType<typeof openDatabase>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aegis-captions-'));
    tg = await startFakeTelegram();
    vonage = await startFakeVonage();
    const adapters = new Map<string, ChannelAdapter>([
      ['telegram', new TelegramAdapter({ token: tg.token, baseUrl: tg.url, allowedChatIds: ['111'], allowedUserIds: [], pollSeconds: 0 })],
      [
        'whatsapp',
        new WhatsAppAdapter({
          applicationId: vonage.applicationId,
          privateKey: vonage.privateKeyBase64,
          fromNumber: '447700900001',
          allowedNumbers: ['447700900000'],
          baseUrl: vonage.url,
          signatureMode: 'jwt',
        }),
      ],
    ]);
    db = openDatabase(join(dir, 'captions.db'));
    outbox = new Outbox({
      db,
      adapters,
      log: createLogger('error', process.stderr),
      holder: `${process.pid}-captions`,
      alerts: [],
      webhookMaxAttempts: 3,
      retry: { baseMs: 10, capMs: 20, horizonMs: 60_000 },
      journal: () => {},
      onSent: () => {},
    });
  });
  afterAll(async () => {
    await tg?.close();
    await vonage?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Telegram: a long caption holding & and < is whole, valid HTML: the photo carries what fits, messages the rest', async () => {
    const before = tg.sent.length;
    const text = `${Array.from({ length: 300 }, (_, i) => `w${i} a&b<c>`).join(' ')} THE-END`;
    const id = outbox.enqueue({ channel: 'telegram', to: '111', kind: 'direct', rich: [text], imageUrl: 'https://example.com/a.png' });
    await outbox.sendNow([id]);
    expect(getMessage(db, id)).toMatchObject({ status: 'sent', error: undefined });
    const sent = tg.sent.slice(before);
    expect(sent[0]).toMatchObject({ method: 'sendPhoto', photo: 'https://example.com/a.png' });
    expect(visible(sent[0]!.text).length).toBeLessThanOrEqual(1024);
    expect(sent.slice(1).every((s) => s.method === 'sendMessage')).toBe(true);
    expect(words(sent.map((s) => visible(s.text)).join(' '))).toEqual(words(text));
  });

  it('Telegram: a document the same way', async () => {
    const before = tg.sent.length;
    const text = `${'log line ok '.repeat(150)}THE-END`;
    const id = outbox.enqueue({ channel: 'telegram', to: '111', kind: 'direct', rich: [text], fileUrl: 'https://example.com/build.log' });
    await outbox.sendNow([id]);
    expect(getMessage(db, id)?.status).toBe('sent');
    const sent = tg.sent.slice(before);
    expect(sent.map((s) => s.method)).toEqual(['sendDocument', 'sendMessage']);
    expect(words(sent.map((s) => visible(s.text)).join(' '))).toEqual(words(text));
  });

  it('WhatsApp: an image caption is at most 1024 characters; the rest follows as text', async () => {
    const text = `${'build log line ok '.repeat(200)}END`;
    const id = outbox.enqueue({ channel: 'whatsapp', to: '447700900000', kind: 'direct', rich: [text], imageUrl: 'https://example.com/graph.png' });
    await outbox.sendNow([id]);
    expect(getMessage(db, id)).toMatchObject({ status: 'sent', error: undefined });
    expect(vonage.sent[0]!.messageType).toBe('image');
    expect(vonage.sent[0]!.image!.caption!.length).toBeLessThanOrEqual(1024);
    expect(vonage.sent.slice(1).map((s) => s.messageType)).toEqual(['text']);
    expect(words(vonage.sent.map((s) => s.image?.caption ?? s.text ?? '').join(' '))).toEqual(words(text));
  });
});
