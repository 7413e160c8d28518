import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/open.js';
import { listMessages, localDay } from '../../src/messaging/index.js';
import { Inbox } from '../../src/messaging/delivery/inbox.js';
import { Journal } from '../../src/messaging/notifications/journal.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { BIN } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, type MessagingWorld } from './messaging-helpers.js';

const CHAT = '111';
const HOUR_MS = 3_600_000;

/**
 * Messages a chat service was told were received (Telegram's offset moved on) must not be lost when
 * `ag serve` stops: a real `ag serve` process (the built CLI) is killed with SIGKILL or stopped with
 * SIGTERM while one message runs and another waits behind it, then started again. Fake Telegram;
 * the slow command is an operator whose pid is written down, so the test can end it.
 */
describe('inbound messages across a restart of ag serve', { timeout: 120_000 }, () => {
  let tg: FakeTelegram;
  let world: MessagingWorld;
  let env: Record<string, string>;
  let pidFile: string;
  let dozeFile: string;
  const children: ChildProcess[] = [];
  let opened: Db | undefined;
  const db = () => (opened ??= openDatabase(join(world.t.home, 'aegis.db')));

  const startServe = async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    await waitFor(() => stderr.includes('ag serve: sending'), { timeoutMs: 30_000, what: 'ag serve to become the sender' });
    return child;
  };
  const exited = (c: ChildProcess) => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(undefined) : c.once('exit', resolve)));
  const stopAll = async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    // The operator's sleep outlives a killed ag serve.
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const inbound = (after: number) =>
    listMessages(db(), { channel: 'telegram', direction: 'in', limit: 50, offset: 0 })
      .messages.filter((m) => m.id > after)
      .sort((a, b) => a.id - b.id);
  const lastId = () => Math.max(0, ...inbound(0).map((m) => m.id));
  const noted = (note: string) => new Journal(db()).day(localDay(Date.now())).filter((e) => e.text.includes(note));

  beforeAll(async () => {
    tg = await startFakeTelegram();
    world = makeMessagingWorld();
    pidFile = join(world.t.home, 'nap.pid');
    dozeFile = join(world.t.home, 'doze.started');
    writeFileSync(
      join(world.t.home, 'config.json'),
      JSON.stringify({
        operators: {
          nap: { argv: ['/bin/sh', '-c', `echo $$ > '${pidFile}'; exec sleep 60`] },
          doze: { argv: ['/bin/sh', '-c', `touch '${dozeFile}'; sleep 2`] },
        },
      }),
    );
    env = {
      ...world.t.env,
      AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
      AEGIS_TELEGRAM_BASE_URL: tg.url,
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: CHAT,
      AEGIS_TELEGRAM_POLL_SECONDS: '1',
    };
  });
  afterEach(stopAll);
  afterAll(async () => {
    opened?.close();
    await tg?.close();
    await world?.cleanup();
  });

  it('after SIGKILL, the next ag serve runs what never began and tells the sender what may have half-run', async () => {
    const after = lastId();
    const first = await startServe();
    const note = `kill-note-${Date.now()}`;
    tg.userSays(CHAT, 'nap');
    tg.userSays(CHAT, `journal: ${note}`);
    // The nap runs (started), the note waits behind it; both are confirmed to Telegram by the next poll.
    await waitFor(() => inbound(after).length === 2 && existsSync(pidFile), { what: 'the nap running' });
    const polls = tg.calls.filter((c) => c === 'getUpdates').length;
    await waitFor(() => tg.calls.filter((c) => c === 'getUpdates').length > polls, { what: 'the poll that confirms the offset' });
    expect(inbound(after).map((m) => m.status)).toEqual(['received', 'received']);
    first.kill('SIGKILL');
    await exited(first);

    const before = tg.sent.length;
    await startServe();
    await waitFor(() => noted(note).length === 1, { what: 'the note that never began to run' });
    await waitFor(() => tg.sent.slice(before).find((s) => s.text.includes('Noted')), { what: 'its reply' });
    const told = await waitFor(() => tg.sent.slice(before).find((s) => s.text.includes('Not run')), { what: 'the sender told the nap did not run' });
    expect(told.text).toContain('"nap"');
    expect(told.text).toContain('Aegis restarted while it was running');
    const rows = inbound(after);
    expect(rows.map((m) => [m.text, m.status])).toEqual([
      ['nap', 'failed'],
      [`journal: ${note}`, 'handled'],
    ]);
    // The half-run nap was not started again.
    expect(rows[0]!.attempts).toBe(1);
  });

  it('a clean stop (SIGTERM) finishes what it received before it exits', async () => {
    const after = lastId();
    const first = await startServe();
    const note = `term-note-${Date.now()}`;
    tg.userSays(CHAT, 'doze');
    tg.userSays(CHAT, `journal: ${note}`);
    await waitFor(() => inbound(after).length === 2 && existsSync(dozeFile), { what: 'the doze running' });
    first.kill('SIGTERM');
    await exited(first);
    expect(first.exitCode).toBe(0);
    expect(inbound(after).map((m) => m.status)).toEqual(['handled', 'handled']);
    expect(noted(note)).toHaveLength(1);
  });

  it('what a killed ag serve left unfinished two days ago is not run, and its sender is told once how old it is', async () => {
    // A holder that names a process of this host that has exited: the ag serve killed long ago.
    const gone = `${hostname()}:${spawnSync('true').pid}:deadbeef`;
    const inbox = new Inbox(db());
    const at = Date.now() - 48 * HOUR_MS;
    const message = (text: string) => ({ channel: 'telegram', externalId: `old-${text}-${Date.now()}`, sender: CHAT, chat: CHAT, text });
    const neverBegun = inbox.record(message('task: rename the flag'), gone, at)!;
    const halfRun = inbox.record(message('nap'), gone, at)!;
    inbox.started(halfRun);
    const before = tg.sent.length;
    const first = await startServe();
    const told = await waitFor(
      () => {
        const notes = tg.sent.slice(before).filter((s) => s.text.includes('Not run'));
        return notes.length === 2 ? notes : undefined;
      },
      { what: 'both senders told' },
    );
    expect(told.find((s) => s.text.includes('"task: rename the flag"'))?.text).toContain('2d ago');
    expect(told.find((s) => s.text.includes('"nap"'))?.text).toContain('Aegis restarted while it was running');
    const rows = inbound(neverBegun - 1).slice(0, 2);
    expect(rows.map((m) => [m.text, m.status, m.attempts])).toEqual([
      ['task: rename the flag', 'failed', 0],
      ['nap', 'failed', 1],
    ]);
    first.kill('SIGKILL');
    await exited(first);
    // The next sender recovers before it says it is sending: nothing more is queued for either.
    await startServe();
    const replies = listMessages(db(), { channel: 'telegram', direction: 'out', limit: 500, offset: 0 }).messages.filter(
      (m) => m.replyTo === neverBegun || m.replyTo === halfRun,
    );
    expect(replies).toHaveLength(2);
  });

  it('a message Telegram held while no ag serve polled is run only if it just reads: an old task is not started, an old status is answered', async () => {
    const after = lastId();
    const before = tg.sent.length;
    const sentAt = Date.now() - 3 * HOUR_MS;
    tg.userSays(CHAT, 'task: rename the flag', { sentAt });
    tg.userSays(CHAT, 'status', { sentAt });
    await startServe();
    const told = await waitFor(() => tg.sent.slice(before).find((s) => s.text.includes('Not run')), { what: 'the sender told the task did not run' });
    expect(told.text).toContain('"task: rename the flag"');
    expect(told.text).toContain('3h ago');
    await waitFor(() => tg.sent.slice(before).find((s) => s.text.includes('You sent this 3h ago')), { what: 'the status answered as of now' });
    await waitFor(() => inbound(after).length === 2 && inbound(after).every((m) => m.status !== 'received'), { what: 'both stored and finished' });
    expect(inbound(after).map((m) => [m.text, m.status, m.attempts])).toEqual([
      ['task: rename the flag', 'failed', 0],
      ['status', 'handled', 1],
    ]);
  });
});
