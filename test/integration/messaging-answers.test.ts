import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
