import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dialog } from '../../src/agents/types.js';
import type { Rich } from '../../src/channels/format.js';
import { DiscordAdapter, type DiscordOptions } from '../../src/channels/discord.js';
import { SlackAdapter } from '../../src/channels/slack.js';
import { TelegramAdapter } from '../../src/channels/telegram.js';
import type { ChannelAdapter } from '../../src/channels/types.js';
import { WhatsAppAdapter } from '../../src/channels/whatsapp.js';
import { openDatabase, type Db } from '../../src/db/open.js';
import { CodeStore } from '../../src/messaging/approvals/codes.js';
import { PromptNotices } from '../../src/messaging/approvals/prompt-notices.js';
import { Inbox } from '../../src/messaging/delivery/inbox.js';
import { getMessage, partIds } from '../../src/messaging/delivery/messages.js';
import { Outbox } from '../../src/messaging/delivery/outbox.js';
import { createLogger } from '../../src/util/log.js';
import { startFakeDiscord } from '../fakes/discord-server.js';
import { startFakeSlack } from '../fakes/slack-server.js';
import { startFakeTelegram } from '../fakes/telegram-server.js';
import { startFakeVonage } from '../fakes/vonage-server.js';
import { waitFor } from '../helpers/wait.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'fix-outbox-unit-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The adapters on their fakes, as ag serve makes them; a test names only the options it is about. */
const telegramOn = (tg: { url: string; token: string }, allowedChatIds = ['111']) =>
  new TelegramAdapter({ token: tg.token, baseUrl: tg.url, allowedChatIds, allowedUserIds: [], pollSeconds: 0 });
const discordOn = (discord: { url: string; token: string }, more: Partial<DiscordOptions> = {}) =>
  new DiscordAdapter({
    token: discord.token,
    baseUrl: discord.url,
    tasksChannelId: '400',
    allowedUserIds: [],
    pollSeconds: 1,
    cursors: { get: () => undefined, set: () => {} },
    ...more,
  });
const slackOn = (slack: { token: string; apiUrl: string }) =>
  new SlackAdapter({ signingSecret: 'slack-signing-secret', botToken: slack.token, baseUrl: slack.apiUrl, allowedUserIds: [] });

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
    const telegram = () => new Map<string, ChannelAdapter>([['telegram', telegramOn(tg, ['111', '222'])]]);
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
      expect(getMessage(db, ids[2]!)?.error).toBe(
        `waiting behind message ${ids[0]} to the same chat, which goes first (its last try: Telegram sendMessage failed: Internal Server Error)`,
      );

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

const DISCORD_KEYS = generateKeyPairSync('ed25519');
const DISCORD_PUBLIC_HEX = Buffer.from(DISCORD_KEYS.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');

describe('a notice that went out in several parts', () => {
  const question: Dialog = { kind: 'question', title: 'Question', question: 'Which region?', options: [{ number: 1, label: 'eu', selected: true }] };
  /** A question with `n` option lines of `width` letters: longer than one Discord message (2000). */
  const longQuestion = (n: number, width: number): Rich => [
    '❓ ',
    { b: 'claude-1a2b' },
    ' asks: which region?',
    ...Array.from({ length: n }, (_, i) => `\n${i + 1}. ${'x'.repeat(width)}`),
  ];

  for (const [name, rich] of [
    ['the answer fits in the last part', longQuestion(14, 160)],
    ['the answered text needs one part more than went out', longQuestion(24, 159)],
  ] as const) {
    it(`Discord, ${name}: the part with the buttons shows how it was answered and loses them; the first part stays`, async () => {
      const discord = await startFakeDiscord();
      const adapter = discordOn(discord, { allowedUserIds: ['77'], publicKey: DISCORD_PUBLIC_HEX });
      const adapters = new Map<string, ChannelAdapter>([['discord', adapter]]);
      const db = openDatabase(join(tempDir(), 'parts.db'));
      const outbox = outboxOn(db, adapters, `${process.pid}-parts`);
      const codes = new CodeStore(db);
      try {
        const { code } = codes.forDialog({ sessionId: 's1', openedAt: 1, dialog: question });
        const buttons = [[{ label: 'eu', data: `answer ${code} 1` }]];
        const id = outbox.enqueue({ channel: 'discord', to: '400', kind: 'notification', rich, buttons, promptCode: code });
        await outbox.sendNow([id]);
        const [first, second] = discord.posted;
        expect(discord.posted).toHaveLength(2);
        expect(second!.components).toHaveLength(1);
        expect(partIds(db, id)).toEqual([first!.id, second!.id]);

        new PromptNotices(db, outbox, adapters, codes).resolve(code, '💬', 'answered "1" on Telegram by tess at 14:02', [{ b: 'claude-1a2b' }], 'telegram');
        const update = db.prepare("SELECT id FROM messages WHERE kind = 'update'").get() as { id: number };
        await outbox.sendNow([update.id]);
        expect(getMessage(db, update.id)?.status).toBe('sent');
        const now = (m: { id: string }) => discord.messages.find((x) => x.id === m.id)!;
        expect(now(second!).content).toContain('Answered "1" on Telegram by tess at 14:02');
        expect(now(second!).components).toEqual([]);
        expect(now(first!).content).toBe(first!.content);
        expect(discord.posted).toHaveLength(2);
      } finally {
        await outbox.stop();
        db.close();
        await discord.close();
      }
    });
  }

  it('WhatsApp: a delivery receipt for any part finds its message', async () => {
    const vonage = await startFakeVonage();
    const adapter = new WhatsAppAdapter({
      applicationId: vonage.applicationId,
      privateKey: vonage.privateKeyBase64,
      fromNumber: '447700900001',
      allowedNumbers: ['447700900000'],
      baseUrl: vonage.url,
      signatureMode: 'jwt',
    });
    const db = openDatabase(join(tempDir(), 'receipts.db'));
    const outbox = outboxOn(db, new Map([['whatsapp', adapter]]), `${process.pid}-receipts`);
    try {
      const id = outbox.enqueue({ channel: 'whatsapp', to: '447700900000', kind: 'reply', rich: [`${'build log line ok '.repeat(300)}END`] });
      await outbox.sendNow([id]);
      const [first, second] = vonage.sent;
      expect(vonage.sent).toHaveLength(2);
      const inbox = new Inbox(db);
      expect(inbox.applyStatus('whatsapp', { externalId: second!.messageUuid, status: 'delivered' })).toEqual({ id, failed: false });
      expect(inbox.applyStatus('whatsapp', { externalId: first!.messageUuid, status: 'failed', error: 'Vonage 1300: undeliverable' })).toEqual({
        id,
        failed: true,
      });
      expect(getMessage(db, id)).toMatchObject({ status: 'failed', error: 'Vonage 1300: undeliverable' });
    } finally {
      await outbox.stop();
      db.close();
      await vonage.close();
    }
  });
});

describe('a send whose answer was lost', () => {
  const slackOutbox = async (file: string) => {
    const slack = await startFakeSlack();
    const adapter = slackOn(slack);
    const db = openDatabase(join(tempDir(), file));
    return { slack, db, outbox: outboxOn(db, new Map([['slack', adapter]]), `${process.pid}-${file}`) };
  };

  it('Slack: the retry finds the post the lost answer was for, by its metadata in the channel’s history, and posts nothing more', async () => {
    const { slack, db, outbox } = await slackOutbox('slack-lost.db');
    try {
      slack.loseAnswerNext(1);
      const id = outbox.enqueue({ channel: 'slack', to: 'C1', kind: 'reply', rich: ['deploy done'] });
      await outbox.sendNow([id]);
      expect(getMessage(db, id)).toMatchObject({ status: 'queued', attempts: 1 });
      expect(slack.posts).toHaveLength(1);

      db.prepare('UPDATE messages SET next_attempt_at = 0 WHERE id = ?').run(id);
      await outbox.sendNow([id]);
      expect(getMessage(db, id)?.status).toBe('sent');
      expect(slack.posts).toHaveLength(1);
      expect(partIds(db, id)).toEqual([`C1:${slack.posts[0]!.ts}`]);
    } finally {
      await outbox.stop();
      db.close();
      await slack.close();
    }
  });

  it('Slack: without the history scope the retry posts again (the one case left that can show twice)', async () => {
    const { slack, db, outbox } = await slackOutbox('slack-lost-noscope.db');
    try {
      slack.denyHistory();
      slack.loseAnswerNext(1);
      const id = outbox.enqueue({ channel: 'slack', to: 'C1', kind: 'reply', rich: ['deploy done'] });
      await outbox.sendNow([id]);
      db.prepare('UPDATE messages SET next_attempt_at = 0 WHERE id = ?').run(id);
      await outbox.sendNow([id]);
      expect(getMessage(db, id)?.status).toBe('sent');
      expect(slack.posts.map((p) => p.text)).toEqual(['deploy done', 'deploy done']);
    } finally {
      await outbox.stop();
      db.close();
      await slack.close();
    }
  });

  it('Discord: the retry carries the same nonce with enforce_nonce, so each part is posted once', async () => {
    const discord = await startFakeDiscord();
    const adapter = discordOn(discord);
    const db = openDatabase(join(tempDir(), 'nonce.db'));
    const outbox = outboxOn(db, new Map([['discord', adapter]]), `${process.pid}-nonce`);
    try {
      // Two parts; Discord makes the first one, and its answer never arrives (as after a 15 s timeout).
      discord.loseAnswerNext(1);
      const id = outbox.enqueue({ channel: 'discord', to: '400', kind: 'reply', rich: [`${'deploy step ok '.repeat(150)}END`] });
      await outbox.sendNow([id]);
      expect(getMessage(db, id)).toMatchObject({ status: 'queued', attempts: 1 });
      expect(discord.posted).toHaveLength(1);

      db.prepare('UPDATE messages SET next_attempt_at = 0 WHERE id = ?').run(id);
      await outbox.sendNow([id]);
      expect(getMessage(db, id)?.status).toBe('sent');
      const channel = discord.messages.filter((m) => m.channel_id === '400');
      expect(channel).toHaveLength(2);
      expect(channel.at(-1)!.content.endsWith('END')).toBe(true);
      expect(new Set(channel.map((m) => m.nonce)).size).toBe(2);
      expect(partIds(db, id)).toEqual(channel.map((m) => m.id));
    } finally {
      await outbox.stop();
      db.close();
      await discord.close();
    }
  });
});

describe('a notice sent with a photo or a file, answered', () => {
  const question: Dialog = { kind: 'question', title: 'Question', question: 'Ship it?', options: [{ number: 1, label: 'yes', selected: true }] };
  const IMAGE = 'https://example.com/screen.png';
  const FILE = 'https://example.com/build.log';

  /** Sends a notice for a new prompt with `attached`, answers the prompt, sends the update; returns the update's row. */
  async function answerAttached(channel: string, to: string, adapter: ChannelAdapter, attached: { imageUrl?: string; fileUrl?: string }, rich: Rich) {
    const adapters = new Map<string, ChannelAdapter>([[channel, adapter]]);
    const db = openDatabase(join(tempDir(), `${channel}-attached.db`));
    const outbox = outboxOn(db, adapters, `${process.pid}-attached`);
    try {
      const codes = new CodeStore(db);
      const { code } = codes.forDialog({ sessionId: 's1', openedAt: 1, dialog: question });
      const id = outbox.enqueue({
        channel,
        to,
        kind: 'notification',
        rich,
        buttons: [[{ label: 'Yes', data: `answer ${code} 1` }]],
        promptCode: code,
        ...attached,
      });
      await outbox.sendNow([id]);
      expect(getMessage(db, id)?.status).toBe('sent');
      new PromptNotices(db, outbox, adapters, codes).resolve(code, '💬', 'answered "1" on the command line at 14:02', [{ b: 'claude-1a2b' }]);
      const update = db.prepare("SELECT id FROM messages WHERE kind = 'update'").get() as { id: number };
      await outbox.sendNow([update.id]);
      return getMessage(db, update.id)!;
    } finally {
      await outbox.stop();
      db.close();
    }
  }

  for (const attached of [{ imageUrl: IMAGE }, { fileUrl: FILE }]) {
    it(`Telegram, a ${attached.imageUrl ? 'photo' : 'document'}: its caption is edited (editMessageText has no text to edit there)`, async () => {
      const tg = await startFakeTelegram();
      try {
        const update = await answerAttached('telegram', '111', telegramOn(tg), attached, ['❓ ', { b: 'claude-1a2b' }, ' asks: Ship it?']);
        expect(update).toMatchObject({ status: 'sent', error: undefined });
        const [notice] = tg.sent;
        expect(notice!.method).toBe(attached.imageUrl ? 'sendPhoto' : 'sendDocument');
        const edit = tg.edits.find((e) => e.message_id === notice!.messageId && e.text !== undefined);
        expect(edit).toMatchObject({ method: 'editMessageCaption', reply_markup: { inline_keyboard: [] } });
        expect(edit!.text).toContain('asks: Ship it?');
        expect(edit!.text).toContain('Answered "1" on the command line at 14:02');
      } finally {
        await tg.close();
      }
    });
  }

  it('Telegram, a photo whose caption is nearly full: the edited caption still fits, and ends with the answer', async () => {
    const tg = await startFakeTelegram();
    try {
      const long: Rich = ['❓ ', { b: 'claude-1a2b' }, ` asks: ${'which of these? '.repeat(60)}Ship it?`];
      const update = await answerAttached('telegram', '111', telegramOn(tg), { imageUrl: IMAGE }, long);
      expect(update).toMatchObject({ status: 'sent', error: undefined });
      expect(tg.sent.map((s) => s.method)).toEqual(['sendPhoto']);
      const edit = tg.edits.find((e) => e.text !== undefined)!;
      expect(edit.method).toBe('editMessageCaption');
      expect(edit.text).toMatch(/Answered "1" on the command line at 14:02<\/b>$/);
    } finally {
      await tg.close();
    }
  });

  it('Discord, a file: its link stays in the edited content', async () => {
    const discord = await startFakeDiscord();
    try {
      const adapter = discordOn(discord, { publicKey: DISCORD_PUBLIC_HEX });
      const update = await answerAttached('discord', '400', adapter, { fileUrl: FILE }, ['❓ claude-1a2b asks: Ship it?']);
      expect(update.status).toBe('sent');
      const now = discord.messages.find((m) => m.id === discord.posted[0]!.id)!;
      expect(now.content).toContain('Answered "1" on the command line at 14:02');
      expect(now.content).toContain(FILE);
      expect(now.components).toEqual([]);
    } finally {
      await discord.close();
    }
  });

  for (const attached of [{ imageUrl: IMAGE }, { fileUrl: FILE }]) {
    it(`Slack, ${attached.imageUrl ? 'an image' : 'a file'}: its link stays in the updated text`, async () => {
      const slack = await startFakeSlack();
      try {
        const adapter = slackOn(slack);
        const update = await answerAttached('slack', 'C1', adapter, attached, ['❓ claude-1a2b asks: Ship it?']);
        expect(update.status).toBe('sent');
        const [edited] = slack.updates;
        expect(edited!.text).toContain('Answered "1" on the command line at 14:02');
        expect(edited!.text).toContain(attached.imageUrl ?? attached.fileUrl);
      } finally {
        await slack.close();
      }
    });
  }
});

describe('a link written after a part’s text', () => {
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  const LINK = 'https://example.com/screens/approval-screen.png';

  it('Slack: the part carrying an image’s link stays within a section’s 3000 characters, so its buttons are shown', async () => {
    const slack = await startFakeSlack();
    const adapter = slackOn(slack);
    const db = openDatabase(join(tempDir(), 'slack-links.db'));
    const outbox = outboxOn(db, new Map([['slack', adapter]]), `${process.pid}-slack-links`);
    try {
      const text = `${'step ok '.repeat(373)}END`;
      const buttons = [[{ label: 'Approve', data: 'approve 3f2' }]];
      const id = outbox.enqueue({ channel: 'slack', to: 'C1', kind: 'notification', rich: [text], buttons, imageUrl: LINK });
      await outbox.sendNow([id]);
      expect(getMessage(db, id)).toMatchObject({ status: 'sent', error: undefined });
      expect(slack.posts[0]!.text).toContain(LINK);
      expect(slack.posts.every((p) => p.text.length <= 3000)).toBe(true);
      expect(slack.posts.at(-1)!.blocks?.map((b) => b.type)).toEqual(['section', 'actions']);
      expect(words(slack.posts.map((p) => p.text.replace(LINK, '')).join(' '))).toEqual(words(text));
    } finally {
      await outbox.stop();
      db.close();
      await slack.close();
    }
  });

  it('Discord: the part carrying a file’s link stays within 2000 characters', async () => {
    const discord = await startFakeDiscord();
    const adapter = discordOn(discord);
    const db = openDatabase(join(tempDir(), 'discord-links.db'));
    const outbox = outboxOn(db, new Map([['discord', adapter]]), `${process.pid}-discord-links`);
    try {
      const text = `${'step ok '.repeat(248)}END`;
      const id = outbox.enqueue({ channel: 'discord', to: '400', kind: 'reply', rich: [text], fileUrl: LINK });
      await outbox.sendNow([id]);
      expect(getMessage(db, id)).toMatchObject({ status: 'sent', error: undefined });
      expect(discord.posted[0]!.content).toContain(LINK);
      expect(discord.posted.every((p) => p.content.length <= 2000)).toBe(true);
      expect(words(discord.posted.map((p) => p.content.replace(LINK, '')).join(' '))).toEqual(words(text));
    } finally {
      await outbox.stop();
      db.close();
      await discord.close();
    }
  });
});
