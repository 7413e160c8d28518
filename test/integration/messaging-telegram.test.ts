import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay, listMessages } from '../../src/messaging/index.js';
import { startFakeTelegram, type FakeTelegram, type TgSent } from '../fakes/telegram-server.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, startServe, type MessagingWorld } from './messaging-helpers.js';

const CHAT = 111;
const STRANGER = 999;

/**
 * Telegram end to end: a local fake Bot API (long polling, inline keyboards, callback queries),
 * `ag serve` in this process, real tmux on a private socket and the fake Claude Code. A chat message
 * starts a session, its permission prompt is notified with a code, "approve <code>" approves it, and
 * the agent's reply comes back to the chat.
 */
describe('messaging over Telegram', { timeout: 60_000 }, () => {
  let tg: FakeTelegram;
  let world: MessagingWorld;
  let serve: Awaited<ReturnType<typeof startServe>>;

  beforeAll(async () => {
    tg = await startFakeTelegram();
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

  const sentTo = (chat: number) => tg.sent.filter((s) => s.chatId === String(chat));
  const waitSent = (pred: (s: TgSent) => boolean, what: string, timeoutMs = 20_000) => waitFor(() => tg.sent.find(pred), { timeoutMs, what });

  it('starts a session from "task:", notifies its permission prompt with a code, approves it by code, and sends the reply back', async () => {
    const target = join(world.workDir, 'approved.txt');
    const before = tg.sent.length;
    tg.userSays(CHAT, `task: RUN echo approved > ${target}`);
    const started = await waitSent((s) => s.text.includes('Started'), 'the task reply');
    expect(started.chatId).toBe(String(CHAT));
    expect(started.parseMode).toBe('HTML');

    const prompt = await waitSent((s) => s.text.includes('wants to use'), 'the permission notification');
    expect(prompt.text).toContain('Bash');
    expect(prompt.text).toContain(`echo approved &gt; ${target}`);
    const code = /approve ([0-9a-f]{3,4})/.exec(prompt.text)?.[1];
    expect(code).toBeDefined();
    expect(prompt.buttons?.flat().map((b) => b.callback_data)).toEqual([`approve ${code}`, `reject ${code}`, `approve ${code} always`, `reason ${code}`]);
    expect(existsSync(target)).toBe(false);

    tg.userSays(CHAT, 'pending');
    const pending = await waitSent((s) => s.text.includes('Waiting for you'), 'the pending list');
    expect(pending.text).toContain(`<code>${code}</code>`);
    expect(pending.text).toContain('echo approved');

    tg.userSays(CHAT, `approve ${code}`);
    const approved = await waitSent((s) => s.text.includes('Approved'), 'the approve reply');
    expect(approved.text).toContain('echo approved');
    await waitFor(() => existsSync(target), { what: 'the approved command to run' });
    expect(readFileSync(target, 'utf8').trim()).toBe('approved');

    const finished = await waitSent((s) => s.text.includes('finished'), 'the turn-finished notification');
    expect(finished.text).toContain('RAN:');
    expect(sentTo(CHAT).length).toBeGreaterThan(before + 3);

    // The code answered its prompt; it approves nothing now.
    tg.userSays(CHAT, `approve ${code}`);
    await waitSent((s) => s.text.includes(`Code ${code} was already approved on Telegram by tess`), 'the stale-code reply');
  });

  it('approves with the inline button: the callback is answered and the buttons removed', async () => {
    const target = join(world.workDir, 'button.txt');
    tg.userSays(CHAT, `task: RUN echo button > ${target}`);
    const prompt = await waitSent((s) => s.text.includes('wants to use') && s.text.includes('button.txt'), 'the permission notification');
    const data = prompt.buttons![0]![0]!.callback_data;
    tg.pressButton(CHAT, prompt.messageId, data);
    await waitFor(() => existsSync(target), { what: 'the approved command to run' });
    await waitFor(() => tg.callbackAnswers.find((a) => a.text === 'Approved'), { what: 'answerCallbackQuery' });
    await waitFor(() => tg.edits.find((e) => e.message_id === prompt.messageId && e.chat_id === String(CHAT)), { what: 'editMessageReplyMarkup' });
    const edit = tg.edits.find((e) => e.message_id === prompt.messageId)!;
    expect(edit.reply_markup).toEqual({ inline_keyboard: [] });
  });

  it('approves a Write prompt by code and an Edit prompt by button while the hook swaps in the absolute path', async () => {
    const file = join(world.workDir, 'notes.md');
    const hooked = () =>
      waitFor(() => serve.app.sessions.store.live().find((s) => s.dialog?.file === file), { what: 'the hook’s absolute path in the dialog' });
    tg.userSays(CHAT, 'task: WRITE notes.md hello');
    const prompt = await waitSent((s) => s.text.includes('wants to use') && s.text.includes('notes.md'), 'the Write notification');
    const code = /approve ([0-9a-f]{3,4})/.exec(prompt.text)![1]!;
    await hooked();
    tg.userSays(CHAT, `approve ${code}`);
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes('hello'), { what: 'the approved Write' });
    expect(tg.sent.find((s) => s.text.includes(`code ${code} is gone`))).toBeUndefined();

    tg.userSays(CHAT, 'task: EDIT notes.md hello bye');
    const edit = await waitSent(
      (s) => s.text.includes('wants to use') && s.text.includes('notes.md') && s.messageId !== prompt.messageId,
      'the Edit notification',
    );
    await hooked();
    tg.pressButton(CHAT, edit.messageId, edit.buttons![0]![0]!.callback_data);
    await waitFor(() => readFileSync(file, 'utf8').includes('bye'), { what: 'the approved Edit' });
    await waitFor(() => tg.callbackAnswers.find((a) => a.text === 'Approved'), { what: 'answerCallbackQuery' });
  });

  // Retried: under a loaded CI machine this case has timed out twice in five full runs (a notice or reply not sent
  // within 20 s; cause not yet found). Names are unique per attempt so a retry never matches an earlier one's messages.
  it('approves for the session with its button, and rejects with a reason taken from the next message', async () => {
    const tag = Date.now().toString(36);
    const since = tg.sent.length;
    const first = join(world.workDir, `always-${tag}.txt`);
    tg.userSays(CHAT, `task: RUN echo always > ${first}`);
    const prompt = await waitSent((s) => s.text.includes('wants to use') && s.text.includes(`always-${tag}.txt`), 'the permission notification');
    const always = prompt.buttons!.flat().find((b) => b.text.includes('For the session'))!;
    tg.pressButton(CHAT, prompt.messageId, always.callback_data);
    await waitFor(() => existsSync(first), { what: 'the command approved for the session' });
    await waitSent((s) => s.text.includes('Approved') && s.text.includes(`always-${tag}.txt`), 'the approve reply');
    await waitFor(
      () => tg.edits.find((e) => e.message_id === prompt.messageId && /Approved for the session \("Yes, and .+\) on Telegram by Tess at/.test(e.text ?? '')),
      { what: 'the notice updated with the remembered choice' },
    );

    const second = join(world.workDir, `reason-${tag}.txt`);
    tg.userSays(CHAT, `task: WRITE reason-${tag}.txt nope`);
    const write = await waitSent((s) => s.text.includes('wants to use') && s.text.includes(`reason-${tag}.txt`), 'the Write notification');
    tg.pressButton(CHAT, write.messageId, write.buttons!.flat().find((b) => b.text.includes('Reject with reason'))!.callback_data);
    await waitSent((s) => s.text.includes('Send the reason') && tg.sent.indexOf(s) >= since, 'the request for a reason');
    // The prompt is still open: its notice keeps its buttons until the reason comes.
    expect(tg.edits.find((e) => e.message_id === write.messageId)).toBeUndefined();
    tg.userSays(CHAT, `stop: write it in docs-${tag}/ instead`);
    await waitSent(
      (s) => s.text.includes('Rejected') && s.text.includes(`Told it: stop: write it in docs-${tag}/ instead`),
      'the reject reply with the reason',
    );
    await waitSent((s) => s.text.includes(`ECHO: stop: write it in docs-${tag}/ instead`), 'the agent’s answer to the reason');
    expect(existsSync(second)).toBe(false);
  });

  it('answers a question picker with an option button, and updates its notice', async () => {
    tg.userSays(CHAT, 'task: ASK');
    const picker = await waitSent((s) => s.text.includes('asks:') && s.text.includes('Which colour'), 'the question notice');
    const blue = picker.buttons!.flat().find((b) => b.text.includes('Blue'))!;
    expect(blue.callback_data).toMatch(/^answer [0-9a-f]{3,4} 2$/);
    tg.pressButton(CHAT, picker.messageId, blue.callback_data);
    await waitSent((s) => s.text.includes('ANSWER:') && s.text.includes('"Blue"'), 'the agent’s answer');
    await waitFor(() => tg.edits.find((e) => e.message_id === picker.messageId && /Answered "Blue" on Telegram by Tess/.test(e.text ?? '')), {
      what: 'the picker notice updated',
    });
  });

  it('answers a stranger’s button press "not allowed", records it, and changes nothing', async () => {
    const target = join(world.workDir, 'stranger.txt');
    tg.userSays(CHAT, `task: RUN echo stranger > ${target}`);
    const prompt = await waitSent((s) => s.text.includes('wants to use') && s.text.includes('stranger.txt'), 'the permission notification');
    // Pressed from a chat that is not allowed (an allowed chat trusts everyone in it).
    const update = tg.pressButton(STRANGER, prompt.messageId, prompt.buttons![0]![0]!.callback_data, STRANGER);
    const answer = await waitFor(() => tg.callbackAnswers.find((a) => a.callback_query_id === `cb${update}`), { what: 'the answer to the stranger’s press' });
    expect(answer).toMatchObject({ text: expect.stringContaining('Not allowed') as unknown, showAlert: true });
    const row = await waitFor(
      () =>
        listMessages(serve.app.db, { channel: 'telegram', direction: 'in', limit: 50, offset: 0 }).messages.find(
          (m) => m.externalId === String(update) && m.status === 'ignored',
        ),
      { what: 'the refused press recorded' },
    );
    expect(row.error).toContain('not allowed');
    // The prompt is still open and its buttons still there for the owner.
    expect(tg.edits.find((e) => e.message_id === prompt.messageId && e.chat_id === String(CHAT))).toBeUndefined();
    expect(existsSync(target)).toBe(false);
    tg.pressButton(CHAT, prompt.messageId, prompt.buttons![0]![0]!.callback_data);
    await waitFor(() => existsSync(target), { what: 'the owner’s press to approve' });
  });

  it('ignores an unknown sender and logs it, sending nothing back', async () => {
    const update = tg.userSays(STRANGER, 'status');
    await waitFor(
      () =>
        listMessages(serve.app.db, { channel: 'telegram', direction: 'in', limit: 50, offset: 0 }).messages.find(
          (m) => m.externalId === String(update) && m.status === 'ignored',
        ),
      { what: 'the ignored row' },
    );
    tg.userSays(CHAT, 'help');
    await waitSent((s) => s.text.includes('Aegis commands'), 'help from the allowed chat');
    expect(sentTo(STRANGER)).toEqual([]);
  });

  it('runs a redelivered update once', async () => {
    const note = `replayed note ${Date.now()}`;
    const update = tg.userSays(CHAT, `journal: ${note}`);
    await waitSent((s) => s.text.includes('Noted'), 'the first note reply');
    tg.redeliver(update);
    tg.userSays(CHAT, 'journal');
    const journal = await waitSent((s) => s.text.includes('Journal') && s.text.includes(note), 'the journal');
    expect(journal.text.split(note).length - 1).toBe(1);
    const rows = listMessages(serve.app.db, { channel: 'telegram', direction: 'in', limit: 500, offset: 0 }).messages.filter(
      (m) => m.externalId === String(update),
    );
    expect(rows).toHaveLength(1);
  });

  it('suggests the closest commands for a typo', async () => {
    tg.userSays(CHAT, 'satus');
    const r = await waitSent((s) => s.text.startsWith('Unknown command'), 'the suggestion');
    expect(r.text).toBe('Unknown command: "satus" — did you mean: status or tasks?');
  });

  it('splits a long reply at the 4096-character limit', async () => {
    const words = Array.from({ length: 900 }, (_, i) => `word${i}`).join(' ');
    const before = tg.sent.length;
    tg.userSays(CHAT, `task: ${words}`);
    await waitFor(() => tg.sent.filter((s) => s.text.includes('word899')).length >= 1, { what: 'the end of the long reply', timeoutMs: 30_000 });
    const parts = tg.sent.slice(before).filter((s) => /word\d/.test(s.text) && !s.text.includes('Started'));
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.text.length).toBeLessThanOrEqual(4096);
    const joined = parts.map((p) => p.text).join(' ');
    for (const w of ['word0 ', 'word450 ', 'word899']) expect(joined).toContain(w);
  });

  it('tells subscribers when a pipeline is done, and journals it', async () => {
    serve.app.pipelines.create({ name: 'msg-pipe', workDir: world.workDir, stages: [{ name: 'only', prompt: 'hello pipeline' }] });
    const done = await waitSent((s) => s.text.includes('Pipeline') && s.text.includes('msg-pipe'), 'the pipeline notification', 40_000);
    expect(done.text).toContain('done (1/1 stages)');
    expect(serve.app.messaging.journal.day(localDay(Date.now())).some((e) => e.text === 'Pipeline msg-pipe done')).toBe(true);
  });

  it('retries a send the API refused with 429 after retry_after', async () => {
    tg.failNext('sendMessage', 1, { code: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });
    tg.userSays(CHAT, 'tasks');
    await waitSent((s) => s.text.includes('Running'), 'the reply after the retry');
    // The refused send may have been this reply or a notification still going out from the last test;
    // either way one row took two attempts and ended sent.
    await waitFor(
      () =>
        listMessages(serve.app.db, { channel: 'telegram', direction: 'out', limit: 20, offset: 0 }).messages.find(
          (m) => m.attempts === 2 && m.status === 'sent',
        ),
      { what: 'the retried row marked sent' },
    );
  });
});

/**
 * Telegram in webhook mode: `ag serve` registers its public URL with setWebhook (and a secret token),
 * Telegram pushes each update there, and nothing polls. The fake delivers to the local listener as a
 * reverse proxy in front of `ag serve` would.
 */
describe('messaging over Telegram, webhook mode', { timeout: 60_000 }, () => {
  const PUBLIC_URL = 'https://aegis.example.test/api/telegram/webhook';
  const SECRET = 'tg-webhook-secret_0123456789';
  let tg: FakeTelegram;
  let world: MessagingWorld;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let local: string;

  beforeAll(async () => {
    tg = await startFakeTelegram();
    world = makeMessagingWorld({
      AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
      AEGIS_TELEGRAM_BASE_URL: tg.url,
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
      AEGIS_TELEGRAM_WEBHOOK_URL: PUBLIC_URL,
      AEGIS_TELEGRAM_WEBHOOK_SECRET: SECRET,
    });
    serve = await startServe(world.t.env);
    local = `${serve.serve.url}/api/telegram/webhook`;
  });
  afterAll(async () => {
    await serve?.stop();
    await tg?.close();
    await world?.cleanup();
  });

  it('registers the public URL with its secret token, and never polls', async () => {
    const hook = await waitFor(() => tg.webhook, { what: 'setWebhook' });
    expect(hook).toEqual({ url: PUBLIC_URL, secretToken: SECRET, allowedUpdates: ['message', 'callback_query'] });
    expect(serve.app.messaging.adapters.get('telegram')!.describe().modes).toEqual(['webhook', 'send']);
    expect(tg.calls).not.toContain('getUpdates');
  });

  it('answers pushed updates, runs a redelivered one once, and refuses a wrong secret token', async () => {
    tg.forwardWebhookTo(local);
    const id = tg.userSays(CHAT, 'journal: pushed by telegram');
    await waitFor(() => tg.sent.find((s) => s.chatId === String(CHAT) && s.text.includes('Noted')), { what: 'the reply to a pushed update' });
    tg.redeliver(id);
    await waitFor(() => tg.pushes.filter((p) => p.updateId === id && p.status === 200).length >= 2 || undefined, { what: 'the redelivery' });
    const notes = serve.app.messaging.journal.day(localDay(Date.now())).filter((e) => e.text === 'pushed by telegram');
    expect(notes).toHaveLength(1);

    const forged = await fetch(local, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'not-the-secret' },
      body: JSON.stringify({ update_id: 1, message: { message_id: 1, from: { id: CHAT }, chat: { id: CHAT }, text: 'journal: forged' } }),
    });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(local, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ update_id: 2, message: { message_id: 2, from: { id: CHAT }, chat: { id: CHAT }, text: 'journal: forged' } }),
    });
    expect(unsigned.status).toBe(401);
    expect(serve.app.messaging.journal.day(localDay(Date.now())).some((e) => e.text === 'forged')).toBe(false);
  });
});

/**
 * The audit's repro: a webhook URL without a configured secret. On 127.0.0.1 an unsigned update
 * from any local process ran its `task:`; now `ag serve` makes its own secret and registers it.
 */
describe('messaging over Telegram, webhook mode without a configured secret', { timeout: 60_000 }, () => {
  let tg: FakeTelegram;
  let world: MessagingWorld;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let local: string;

  beforeAll(async () => {
    tg = await startFakeTelegram();
    world = makeMessagingWorld({
      AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
      AEGIS_TELEGRAM_BASE_URL: tg.url,
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
      AEGIS_TELEGRAM_WEBHOOK_URL: 'https://aegis.example.test/api/telegram/webhook',
    });
    serve = await startServe(world.t.env);
    local = `${serve.serve.url}/api/telegram/webhook`;
  });
  afterAll(async () => {
    await serve?.stop();
    await tg?.close();
    await world?.cleanup();
  });

  it('registers a generated secret token, refuses an unsigned update on loopback, and answers the pushed ones', async () => {
    expect(local).toMatch(/^http:\/\/127\.0\.0\.1:/);
    const hook = await waitFor(() => tg.webhook, { what: 'setWebhook' });
    expect(hook.secretToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const unsigned = await fetch(local, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ update_id: 7, message: { message_id: 7, from: { id: CHAT }, chat: { id: CHAT }, text: 'journal: forged locally' } }),
    });
    expect(unsigned.status).toBe(401);

    tg.forwardWebhookTo(local);
    tg.userSays(CHAT, 'journal: pushed with the generated token');
    await waitFor(() => tg.sent.find((s) => s.chatId === String(CHAT) && s.text.includes('Noted')), { what: 'the reply to a pushed update' });
    const notes = serve.app.messaging.journal.day(localDay(Date.now())).map((e) => e.text);
    expect(notes).toContain('pushed with the generated token');
    expect(notes).not.toContain('forged locally');
    expect(serve.app.messaging.adapters.get('telegram')!.describe().problems).toEqual([]);
  });
});
