import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { prepareClaudeHome, type ClaudeHome } from '../fakes/claude-home.js';
import { startFakeTelegram, type FakeTelegram, type TgSent } from '../fakes/telegram-server.js';
import { makeTestEnv, NO_BRIEFINGS, type TestEnv } from '../helpers/env.js';
import { CLAUDE, hasClaude } from '../helpers/real-claude.js';
import { waitFor } from '../helpers/wait.js';
import { startServe } from '../integration/messaging-helpers.js';

const CHAT = 111;

/**
 * Phone approvals of Write and Edit prompts with the real Claude Code 2.1.197 (offline, against the
 * fake Messages API): the screen names `notes.md`, the PermissionRequest hook then gives the absolute
 * path; the code and the button sent for the prompt still approve it.
 */
describe.skipIf(!hasClaude)('Write and Edit prompts of the real Claude Code, approved from Telegram', { timeout: 180_000 }, () => {
  let fake: FakeAnthropic;
  let home: ClaudeHome;
  let tg: FakeTelegram;
  let t: TestEnv;
  let workDir: string;
  let bin: string;
  let serve: Awaited<ReturnType<typeof startServe>>;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    tg = await startFakeTelegram();
    workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-msg-real-')));
    home = await prepareClaudeHome({ workDirs: [workDir], apiKey: 'sk-ant-test-0123456789abcdefghijklmnop', baseUrl: fake.url });
    // A session started from a chat has no per-session env: a wrapper gives claude its private, offline environment.
    bin = mkdtempSync(join(tmpdir(), 'aegis-msg-real-bin-'));
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const wrapper = join(bin, 'claude');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec env ${Object.entries(home.env)
        .map(([k, v]) => `${k}=${q(v)}`)
        .join(' ')} ${q(CLAUDE)} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    t = makeTestEnv({
      ...NO_BRIEFINGS,
      AEGIS_CLAUDE_COMMAND: wrapper,
      AEGIS_MESSAGING_WORKDIR: workDir,
      AEGIS_STALL_SECONDS: '600',
      AEGIS_SERVE_PORT: '0',
      AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
      AEGIS_TELEGRAM_BASE_URL: tg.url,
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
      AEGIS_TELEGRAM_POLL_SECONDS: '2',
    });
    serve = await startServe(t.env);
  });
  afterAll(async () => {
    await serve?.stop();
    t?.cleanup();
    await tg?.close();
    await fake?.close();
    await home?.cleanup();
    rmSync(bin, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  const waitSent = (pred: (s: TgSent) => boolean, what: string) => waitFor(() => tg.sent.find(pred), { timeoutMs: 60_000, what });
  const file = () => join(workDir, 'notes.md');
  /** The hook's absolute path has reached the stored dialog: the details changed while the prompt stayed open. */
  const hooked = () =>
    waitFor(() => serve.app.sessions.store.live().find((s) => s.dialog?.file === file()), { timeoutMs: 30_000, what: 'the absolute path in the dialog' });

  it('approves a Write prompt by its code after the hook swapped in the absolute path', async () => {
    tg.userSays(CHAT, 'task: WRITE notes.md hello-from-phone');
    const prompt = await waitSent((s) => s.text.includes('wants to use') && s.text.includes('notes.md'), 'the Write notification');
    const code = /approve ([0-9a-f]{3,4})/.exec(prompt.text)![1]!;
    await hooked();
    tg.userSays(CHAT, `approve ${code}`);
    await waitFor(() => existsSync(file()) && readFileSync(file(), 'utf8').includes('hello-from-phone'), { timeoutMs: 60_000, what: 'the file written' });
    expect(tg.sent.find((s) => s.text.includes(`code ${code} is gone`))).toBeUndefined();
    await waitSent((s) => s.text.includes('finished') && s.text.includes('WROTE'), 'the finished turn');
  });

  it('approves an Edit prompt by its button after the hook swapped in the absolute path', async () => {
    tg.userSays(CHAT, 'task: EDIT notes.md hello-from-phone edited-from-phone');
    const prompt = await waitSent((s) => s.text.includes('wants to use') && s.text.includes('notes.md') && s.text.includes('Edit'), 'the Edit notification');
    await hooked();
    tg.pressButton(CHAT, prompt.messageId, prompt.buttons![0]![0]!.callback_data);
    await waitFor(() => readFileSync(file(), 'utf8').includes('edited-from-phone'), { timeoutMs: 60_000, what: 'the file edited' });
    await waitFor(() => tg.callbackAnswers.find((a) => a.text === 'Approved'), { what: 'the press answered' });
  });
});
