import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/open.js';
import { listMessages } from '../../src/messaging/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { runCli } from '../helpers/cli.js';
import { BIN } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, type MessagingWorld } from './messaging-helpers.js';

const CHAT = '111';

interface Row {
  id: number;
  status: string;
  attempts: number;
  text: string;
  error?: string;
}

/**
 * A Telegram outage seen by `ag serve` (the built CLI in a child process): the API answers 500, then
 * refuses connections, `ag serve` is killed with SIGKILL and started again, and the API recovers.
 * Every message queued meanwhile is delivered exactly once, in the order it was queued: the first one
 * retries, the later ones wait behind it. Time is compressed: the outbox's first
 * retry delay is 100 ms and its longest 1 s (messaging.retryBaseMs / retryMaxSeconds), so the
 * outage spans dozens of retries in seconds where the defaults (1 s doubling to 5 min) would take
 * hours; the retry horizon stays at its 24 h default.
 */
describe('an outage of the chat service', { timeout: 120_000 }, () => {
  let tg: FakeTelegram;
  let world: MessagingWorld;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  const startServe = async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    await waitFor(() => stderr.includes('ag serve: sending'), { timeoutMs: 20_000, what: 'ag serve to become the sender' });
    return child;
  };
  // The rows as `ag serve` left them, read from the same SQLite file (checked often: no CLI per check).
  const rows = (): Row[] => listMessages(db(), { channel: 'telegram', direction: 'out', limit: 100, offset: 0 }).messages;
  let opened: Db | undefined;
  const db = () => (opened ??= openDatabase(join(world.t.home, 'aegis.db')));
  const send = async (text: string) => {
    const r = await runCli(['message', 'send', 'telegram', CHAT, text, '--json'], env);
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { id: number; status: string }).id;
  };
  const mine = (all: Row[], ids: number[]) => all.filter((r) => ids.includes(r.id));
  // The first message retries; every later one to the chat waits, untried, until it is out.
  const retryingInOrder = (ids: number[], first: (r: Row) => boolean) => {
    const [head, ...rest] = mine(rows(), ids).sort((a, b) => a.id - b.id);
    return head && first(head) && rest.length === ids.length - 1 && rest.every((r) => r.status === 'queued' && r.attempts === 0);
  };

  beforeAll(async () => {
    tg = await startFakeTelegram();
    world = makeMessagingWorld();
    env = {
      ...world.t.env,
      AEGIS_LOG_LEVEL: 'warn',
      AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
      AEGIS_TELEGRAM_BASE_URL: tg.url,
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: CHAT,
      AEGIS_TELEGRAM_POLL_SECONDS: '1',
      AEGIS_MESSAGING_RETRY_BASE_MS: '100',
      AEGIS_MESSAGING_RETRY_MAX_SECONDS: '1',
    };
  });
  afterAll(async () => {
    opened?.close();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await tg?.recover().catch(() => {});
    await tg?.close();
    await world?.cleanup();
  });

  it('delivers every message queued during 500s, refused connections and a kill -9 of ag serve, each exactly once and in order', async () => {
    const first = await startServe();
    const ids: number[] = [];

    // Phase 1: the API answers 500 to every send.
    tg.failNext('sendMessage', 1_000_000, { code: 500, description: 'Internal Server Error' });
    for (const n of [1, 2]) ids.push(await send(`outage message ${n}`));
    await waitFor(() => retryingInOrder(ids, (r) => r.status === 'queued' && r.attempts >= 4), {
      timeoutMs: 30_000,
      what: 'ag serve retrying past the old 3-try limit',
    });

    // Phase 2: nothing listens any more (connection refused).
    await tg.goDown();
    for (const n of [3, 4]) ids.push(await send(`outage message ${n}`));
    await waitFor(() => retryingInOrder(ids, (r) => r.status === 'queued' && /unreachable/.test(r.error ?? '')), {
      timeoutMs: 30_000,
      what: 'retries meeting refused connections',
    });

    // Phase 3: ag serve is killed outright, and a new one takes over while the service is still down.
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    ids.push(await send('outage message 5'));
    await startServe();
    const before = mine(rows(), [ids[0]!])[0]!.attempts;
    await waitFor(() => retryingInOrder(ids, (r) => r.attempts > before), { timeoutMs: 30_000, what: 'the new ag serve to retry the first message' });
    expect(tg.sent.filter((s) => s.text.startsWith('outage message'))).toEqual([]);

    // Phase 4: the service recovers.
    tg.failNext('sendMessage', 0, { code: 500, description: 'Internal Server Error' });
    await tg.recover();
    await waitFor(() => mine(rows(), ids).every((r) => r.status === 'sent'), { timeoutMs: 30_000, what: 'every message sent after the recovery' });
    const got = tg.sent.filter((s) => s.chatId === CHAT && s.text.startsWith('outage message')).map((s) => s.text);
    expect(got).toEqual([1, 2, 3, 4, 5].map((n) => `outage message ${n}`));
  });

  it('gives up at once on an error that cannot succeed, lists it with the reason, and resends it on request', async () => {
    tg.failNext('sendMessage', 1, { code: 400, description: 'Bad Request: chat not found' });
    const id = await send('to a chat that is gone');
    const failed = await runCli(['message', 'list', '--failed', '--json'], env);
    const dead = (JSON.parse(failed.stdout) as { messages: Row[] }).messages.find((m) => m.id === id)!;
    expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
    expect(dead.error).toContain('chat not found');

    const resent = await runCli(['message', 'resend', String(id), '--json'], env);
    expect(JSON.parse(resent.stdout)).toEqual({ resent: [id], skipped: [] });
    await waitFor(() => rows().find((r) => r.id === id)?.status === 'sent', { what: 'the resent message to go out' });
    expect(tg.sent.filter((s) => s.text === 'to a chat that is gone')).toHaveLength(1);
  });
});
