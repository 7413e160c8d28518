import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainText } from '../../src/channels/format.js';
import { startFakeTelegram, type FakeTelegram, type TgSent } from '../fakes/telegram-server.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, startServe, type MessagingWorld } from './messaging-helpers.js';

const CHAT = 111;

/**
 * Answers from a phone that must land on the prompt they were meant for, or on none: `ag serve` in this
 * process, the fake Telegram Bot API, real tmux on a private socket and the fake Claude Code.
 */
describe('chat answers reach only the prompt they name', { timeout: 90_000 }, () => {
  let tg: FakeTelegram;
  let world: MessagingWorld;
  let serve: Awaited<ReturnType<typeof startServe>>;

  beforeAll(async () => {
    tg = await startFakeTelegram();
    world = makeMessagingWorld({
      AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
      AEGIS_TELEGRAM_BASE_URL: tg.url,
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
      AEGIS_TELEGRAM_POLL_SECONDS: '1',
    });
    serve = await startServe(world.t.env);
  });
  afterAll(async () => {
    await serve?.stop();
    await tg?.close();
    await world?.cleanup();
  });

  const sentSince = (from: number, pred: (s: TgSent) => boolean, what: string) => waitFor(() => tg.sent.slice(from).find(pred), { timeoutMs: 30_000, what });
  const codeIn = (notice: TgSent) => /approve ([0-9a-f]{3,4})/.exec(notice.text)![1]!;

  it('a "yes" or input: without a code never answers another session’s permission prompt', async () => {
    const tag = Date.now().toString(36);
    const target = join(world.workDir, `other-${tag}.txt`);
    let from = tg.sent.length;
    tg.userSays(CHAT, `task: RUN echo other > ${target}`);
    const prompt = await sentSince(from, (s) => s.text.includes('wants to use') && s.text.includes(`other-${tag}.txt`), 'the other session’s prompt');
    const code = codeIn(prompt);
    // A second session becomes the sender's current one and asks in plain text.
    from = tg.sent.length;
    tg.userSays(CHAT, 'task: QUESTION');
    await sentSince(from, (s) => s.text.includes('Which file should I change?'), 'the current session’s question');

    from = tg.sent.length;
    tg.userSays(CHAT, 'yes');
    const reply = await sentSince(from, (s) => /Approved|Nothing was answered/.test(s.text), 'the reply to "yes"');
    expect(reply.text).not.toContain('Approved');
    expect(reply.text).toContain('Nothing was answered');
    expect(reply.text).toContain(`<code>${code}</code>`);
    expect(serve.app.messaging.codes.get(code)?.closedAt).toBeUndefined();

    // input: goes to the current session's question, not to the one prompt that waits elsewhere.
    from = tg.sent.length;
    tg.userSays(CHAT, `input: src/login-${tag}.ts`);
    await sentSince(from, (s) => s.text.includes(`ECHO: src/login-${tag}.ts`), 'the current session’s answer');
    expect(serve.app.messaging.codes.get(code)?.closedAt).toBeUndefined();
    expect(existsSync(target)).toBe(false);

    // With its code the prompt is answered.
    tg.userSays(CHAT, `approve ${code}`);
    await waitFor(() => existsSync(target), { what: 'the approved command to run' });
  });

  it('after "Reject with reason", a command or a button press is run as itself, not taken as the reason', async () => {
    const tag = Date.now().toString(36);
    const target = join(world.workDir, `mind-${tag}.txt`);
    let from = tg.sent.length;
    tg.userSays(CHAT, `task: RUN echo changed-mind > ${target}`);
    const prompt = await sentSince(from, (s) => s.text.includes('wants to use') && s.text.includes(`mind-${tag}.txt`), 'the permission notification');
    const code = codeIn(prompt);
    const button = (label: string) => prompt.buttons!.flat().find((b) => b.text.includes(label))!.callback_data;

    from = tg.sent.length;
    tg.pressButton(CHAT, prompt.messageId, button('Reject with reason'));
    const asked = await sentSince(from, (s) => s.text.includes('Send the reason'), 'the request for a reason');
    from = tg.sent.length;
    tg.userSays(CHAT, 'pending');
    const listed = await sentSince(from, (s) => /Waiting for you|Rejected/.test(s.text), 'the reply to pending');
    expect(listed.text).toContain('Waiting for you');
    expect(listed.text).toContain(`Not taken as the reason to reject ${code}`);
    expect(serve.app.messaging.codes.get(code)?.closedAt).toBeUndefined();

    // Asked again, then the person changes their mind and presses Approve on the same notice.
    from = tg.sent.length;
    tg.pressButton(CHAT, prompt.messageId, button('Reject with reason'));
    await sentSince(from, (s) => s.text.includes('Send the reason'), 'the second request for a reason');
    from = tg.sent.length;
    tg.pressButton(CHAT, prompt.messageId, button('Approve'));
    const outcome = await sentSince(from, (s) => /Rejected|Approved/.test(s.text), 'the reply to the Approve press');
    expect(outcome.text).toContain('Approved');
    expect(outcome.text).toContain(`Not taken as the reason to reject ${code}: a button press`);
    await waitFor(() => existsSync(target), { what: 'the approved command to run' });
    expect(asked.text).toContain('within 5 minutes');
  });

  it('two people approving one code at the same moment: one approves, the other is told, and no key is pressed twice', async () => {
    const tag = Date.now().toString(36);
    const target = join(world.workDir, `race-${tag}.txt`);
    const from = tg.sent.length;
    tg.userSays(CHAT, `task: RUN echo race >> ${target}`);
    const prompt = await sentSince(from, (s) => s.text.includes('wants to use') && s.text.includes(`race-${tag}.txt`), 'the permission notification');
    const code = codeIn(prompt);
    const m = serve.app.messaging;
    const replies = await Promise.all([
      m.handle({ channel: 'telegram', id: String(CHAT), name: 'tess' }, `approve ${code}`),
      m.handle({ channel: 'slack', id: 'U123', name: 'sam' }, `approve ${code}`),
    ]);
    const plain = replies.map((x) => plainText(x.reply.rich));
    expect(plain.filter((p) => p.startsWith('✅ Approved'))).toHaveLength(1);
    const other = replies.find((x) => !plainText(x.reply.rich).startsWith('✅'))!;
    expect(other.reply.failed).toBe(true);
    expect(plainText(other.reply.rich)).toMatch(/already approved on Telegram by tess|being given right now/);
    await waitFor(() => existsSync(target), { what: 'the approved command to run' });
    // A second press of "1" would have been typed into the agent's input box, ahead of the next prompt.
    const next = tg.sent.length;
    tg.userSays(CHAT, `c: next-step-${tag}`);
    const echoed = await sentSince(next, (s) => s.text.includes(`next-step-${tag}`) && s.text.includes('ECHO'), 'the agent’s reply to the next prompt');
    expect(echoed.text).toContain(`ECHO: next-step-${tag}`);
  });

  it('presses nothing when the session no longer shows the dialog the answer is for', async () => {
    const tag = Date.now().toString(36);
    const target = join(world.workDir, `stale-${tag}.txt`);
    const from = tg.sent.length;
    tg.userSays(CHAT, `task: RUN echo stale > ${target}`);
    const prompt = await sentSince(from, (s) => s.text.includes('wants to use') && s.text.includes(`stale-${tag}.txt`), 'the permission notification');
    const code = codeIn(prompt);
    const sessionId = serve.app.messaging.codes.get(code)!.sessionId;
    // The check says the dialog on screen is another one (as when a newer dialog replaced the code's).
    await expect(serve.app.sessions.approve(sessionId, 'once', () => false)).rejects.toThrow(/no longer shows the dialog this answer was for/);
    expect((await serve.app.sessions.fresh(sessionId)).session.state).toBe('permission_prompt');
    expect(serve.app.messaging.codes.get(code)?.closedAt).toBeUndefined();
    tg.userSays(CHAT, `approve ${code}`);
    await waitFor(() => existsSync(target), { what: 'the command approved by its code' });
  });
});
