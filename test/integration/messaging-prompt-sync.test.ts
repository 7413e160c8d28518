import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_TOOLS } from '../../src/tools/index.js';
import { callTool } from '../../src/tools/run.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord-server.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { startFakeTelegram, type FakeTelegram, type TgSent } from '../fakes/telegram-server.js';
import { startFakeVonage, type FakeVonage } from '../fakes/vonage-server.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, startServe, type MessagingWorld } from './messaging-helpers.js';

const CHAT = 111;
const TASKS = '400';
const PHONE = '447700900000';
const DISCORD_KEYS = generateKeyPairSync('ed25519');
const DISCORD_PUBLIC_HEX = Buffer.from(DISCORD_KEYS.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');

/**
 * One prompt, one truth: a prompt is notified on Telegram, Discord, Slack and WhatsApp at once (the
 * default targets); answered on one, every notice is updated in place (Telegram editMessageText,
 * Discord Edit Message, Slack chat.update: buttons removed, who answered where and when), WhatsApp,
 * which cannot edit, gets a follow-up, and a late press changes nothing and says so. A prompt answered
 * outside chat (here through the MCP tool) updates the notices the same way.
 */
describe('a prompt answered on one channel updates its notices on every channel', { timeout: 90_000 }, () => {
  let tg: FakeTelegram;
  let discord: FakeDiscord;
  let slack: FakeSlack;
  let vonage: FakeVonage;
  let world: MessagingWorld;
  let serve: Awaited<ReturnType<typeof startServe>>;

  beforeAll(async () => {
    [tg, discord, slack, vonage] = await Promise.all([startFakeTelegram(), startFakeDiscord(), startFakeSlack(), startFakeVonage()]);
    world = makeMessagingWorld({
      AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
      AEGIS_TELEGRAM_BASE_URL: tg.url,
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
      AEGIS_TELEGRAM_POLL_SECONDS: '1',
      AEGIS_DISCORD_BOT_TOKEN: discord.token,
      AEGIS_DISCORD_BASE_URL: discord.url,
      AEGIS_DISCORD_TASKS_CHANNEL: TASKS,
      AEGIS_DISCORD_ALLOWED_USER_IDS: '77',
      AEGIS_DISCORD_POLL_SECONDS: '1',
      AEGIS_DISCORD_PUBLIC_KEY: DISCORD_PUBLIC_HEX,
      AEGIS_SLACK_SIGNING_SECRET: 'slack-signing-secret-0123456789',
      AEGIS_SLACK_BOT_TOKEN: slack.token,
      AEGIS_SLACK_BASE_URL: slack.apiUrl,
      AEGIS_SLACK_ALLOWED_USER_IDS: 'U123',
      AEGIS_VONAGE_APPLICATION_ID: vonage.applicationId,
      AEGIS_VONAGE_PRIVATE_KEY: vonage.privateKeyBase64,
      AEGIS_VONAGE_SIGNATURE_SECRET: 'vonage-signature-secret-0123456789abcdef',
      AEGIS_VONAGE_WHATSAPP_NUMBER: '447700900001',
      AEGIS_VONAGE_ALLOWED_NUMBERS: PHONE,
      AEGIS_VONAGE_BASE_URL: vonage.url,
    });
    serve = await startServe(world.t.env);
  });
  afterAll(async () => {
    await serve?.stop();
    await Promise.all([tg?.close(), discord?.close(), slack?.close(), vonage?.close()]);
    await world?.cleanup();
  });

  const waitSent = (pred: (s: TgSent) => boolean, what: string) => waitFor(() => tg.sent.find(pred), { timeoutMs: 40_000, what });
  /** The prompt's notice on each channel, found by the file name in its text. */
  const notices = async (file: string) => ({
    telegram: await waitSent((s) => s.text.includes('wants to use') && s.text.includes(file), 'the Telegram notice'),
    discord: await waitFor(() => discord.posted.find((p) => p.channel_id === TASKS && p.content.includes('wants to use') && p.content.includes(file)), {
      what: 'the Discord notice',
    }),
    slack: await waitFor(() => slack.posts.find((p) => p.channel === 'U123' && p.text.includes('wants to use') && p.text.includes(file)), {
      what: 'the Slack notice',
    }),
    whatsapp: await waitFor(() => vonage.sent.find((s) => s.to === PHONE && JSON.stringify(s.interactive ?? s.text).includes(file)), {
      what: 'the WhatsApp notice',
    }),
  });

  it('answered by code on Telegram: every notice says so without buttons, WhatsApp gets a follow-up, a late press changes nothing', async () => {
    const target = join(world.workDir, 'sync-one.txt');
    tg.userSays(CHAT, `task: RUN echo one > ${target}`);
    const n = await notices('sync-one.txt');
    expect(n.discord.components?.length).toBeGreaterThan(0);
    expect(n.slack.blocks?.length).toBeGreaterThan(0);
    const code = /approve ([0-9a-f]{3,4})/.exec(n.telegram.text)![1]!;

    tg.userSays(CHAT, `approve ${code}`);
    await waitFor(() => existsSync(target), { what: 'the approved command to run' });
    const said = /Approved on Telegram by tess at \d{2}:\d{2}/;
    const tgEdit = await waitFor(() => tg.edits.find((e) => e.message_id === n.telegram.messageId && e.text !== undefined), {
      what: 'editMessageText of the Telegram notice',
    });
    expect(tgEdit.text).toMatch(said);
    expect(tgEdit.reply_markup).toEqual({ inline_keyboard: [] });
    const dcEdit = await waitFor(() => discord.edited.find((e) => e.id === n.discord.id), { what: 'the Discord notice edited' });
    expect(dcEdit.content).toMatch(said);
    expect(dcEdit.components).toEqual([]);
    const slEdit = await waitFor(() => slack.updates.find((u) => u.ts === n.slack.ts), { what: 'chat.update of the Slack notice' });
    expect(slEdit.text).toMatch(said);
    expect(slEdit.blocks).toEqual([]);
    const follow = await waitFor(() => vonage.sent.find((s) => s.to === PHONE && s.text !== undefined && said.test(s.text)), {
      what: 'the WhatsApp follow-up',
    });
    expect(follow.text).toContain('sync-one.txt');

    // A late press of the Telegram button: nothing runs, and it says how the prompt was answered.
    const press = tg.pressButton(CHAT, n.telegram.messageId, `approve ${code}`);
    const ack = await waitFor(() => tg.callbackAnswers.find((a) => a.callback_query_id === `cb${press}`), { what: 'the late press answered' });
    expect(ack.text).toContain('Already answered');
    await waitSent(
      (s) => s.text.includes(`Code ${code} was already approved on Telegram by tess`) && s.text.includes('Nothing changed'),
      'the late-press reply',
    );
    // Each notice was edited once.
    expect(discord.edited.filter((e) => e.id === n.discord.id)).toHaveLength(1);
    expect(slack.updates.filter((u) => u.ts === n.slack.ts)).toHaveLength(1);
  });

  it('answered outside chat (the MCP tool): every notice says so, and the code approves nothing', async () => {
    const target = join(world.workDir, 'sync-two.txt');
    tg.userSays(CHAT, `task: RUN echo two > ${target}`);
    const n = await notices('sync-two.txt');
    const code = /approve ([0-9a-f]{3,4})/.exec(n.telegram.text)![1]!;
    const session = serve.app.sessions.store.live().find((s) => s.dialog?.command?.includes('sync-two.txt'))!;
    await callTool(
      serve.app,
      BUILTIN_TOOLS.find((t) => t.name === 'session_approve')!,
      { id: session.id },
      { caller: 'mcp' },
    );
    await waitFor(() => existsSync(target), { what: 'the command approved over MCP to run' });
    const said = /Answered outside chat \(terminal, CLI or MCP\) at \d{2}:\d{2}/;
    await waitFor(() => tg.edits.find((e) => e.message_id === n.telegram.messageId && said.test(e.text ?? '')), { what: 'the Telegram notice updated' });
    await waitFor(() => discord.edited.find((e) => e.id === n.discord.id && said.test(e.content)), { what: 'the Discord notice updated' });
    await waitFor(() => slack.updates.find((u) => u.ts === n.slack.ts && said.test(u.text)), { what: 'the Slack notice updated' });
    await waitFor(() => vonage.sent.find((s) => s.to === PHONE && said.test(s.text ?? '')), { what: 'the WhatsApp follow-up' });
    tg.userSays(CHAT, `approve ${code}`);
    await waitSent((s) => s.text.includes(`Code ${code} was already answered outside chat`), 'the stale-code reply');
  });
});
