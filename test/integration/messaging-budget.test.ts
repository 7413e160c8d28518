import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, waitState } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, startServe, type MessagingWorld } from './messaging-helpers.js';

const CHAT = 424242;

/**
 * A session's budget reaches the phone: the session runs under a separate `ag mcp` (which may be the
 * process that claims the budget level), `ag serve` runs in this process against a fake Bot API, and
 * the 80 % heads-up and the 100 % interruption each arrive in the chat exactly once.
 */
describe('budget notices in chat', { timeout: 120_000 }, () => {
  let tg: FakeTelegram;
  let world: MessagingWorld;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;

  beforeAll(async () => {
    tg = await startFakeTelegram();
    world = makeMessagingWorld({
      AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
      AEGIS_TELEGRAM_BASE_URL: tg.url,
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
      AEGIS_TELEGRAM_POLL_SECONDS: '2',
    });
    serve = await startServe(world.t.env);
    mcp = await connectMcp(world.t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    await serve?.stop();
    await tg?.close();
    await world?.cleanup();
  });

  const start = (extra: Record<string, unknown>) =>
    call<{ id: string; name: string }>(mcp.client, 'session_create', {
      workDir: world.workDir,
      prompt: 'hello',
      permissionMode: 'bypassPermissions',
      ...extra,
    });
  // Telegram gets HTML: the session's name is bold.
  const sentWith = (words: string) => tg.sent.filter((m) => m.chatId === String(CHAT) && m.text.replace(/<[^>]+>/g, '').includes(words));

  let first = 0;
  it('tells the chat once at 80 % and once when the budget is used up and the turn interrupted', async () => {
    // The same first turn in a fresh session reports the same usage: measure it once.
    const probe = await start({});
    await waitState(mcp.client, probe.id, ['idle']);
    first = await waitFor(async () => (await call<{ usage?: { totalTokens: number } }>(mcp.client, 'session_get', { id: probe.id })).usage?.totalTokens, {
      what: 'usage of the first turn',
    });
    await call(mcp.client, 'session_kill', { id: probe.id });

    const tokens = Math.ceil(first / 0.9); // the first turn uses 90 %
    const s = await start({ budget: { tokens } });
    const heads = await waitFor(() => sentWith(`${s.name} has used 80 % of its budget`)[0], { timeoutMs: 30_000, what: 'the 80 % notice in the chat' });
    expect(heads.text).toContain(`${tokens.toLocaleString('en-US')} tokens`);

    await call(mcp.client, 'session_send', { id: s.id, text: 'RUN sleep 40' });
    await waitFor(() => sentWith(`${s.name} used up its budget`)[0], { timeoutMs: 40_000, what: 'the 100 % notice in the chat' });
    await waitState(mcp.client, s.id, ['idle'], 30);
    // Each level is told once, whichever process claimed it and however often the notifier polled since.
    expect(sentWith(`${s.name} has used 80 % of its budget`)).toHaveLength(1);
    expect(sentWith(`${s.name} used up its budget`)).toHaveLength(1);
  });

  it("tells the chat when a pipeline's budget is 80 % used, even when the pipeline ends before the next look", async () => {
    expect(first).toBeGreaterThan(0);
    const tokens = Math.ceil(first / 0.9);
    const p = await call<{ id: string; name: string }>(mcp.client, 'pipeline_create', {
      name: 'budgeted',
      workDir: world.workDir,
      budget: { tokens },
      stages: [{ name: 'only', prompt: 'hello', permissionMode: 'bypassPermissions' }],
    });
    await waitFor(() => sentWith(`Pipeline budgeted has used 80 % of its budget`)[0], { timeoutMs: 40_000, what: "the pipeline's 80 % notice in the chat" });
    await waitFor(async () => (await call<{ status: string }>(mcp.client, 'pipeline_get', { id: p.id })).status === 'done', { what: 'the pipeline done' });
    expect(sentWith(`Pipeline budgeted has used 80 % of its budget`)).toHaveLength(1);
  });
});
