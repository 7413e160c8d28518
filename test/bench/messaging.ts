import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app.js';
import { ServeRuntime } from '../../src/messaging/serve.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { makeTestEnv, ROOT } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { fmt, median, percentile, report } from './stats.js';

const CHAT = 111;
const SCREENS = '/work/shared/fixtures/claude-code-2.1.197/screens';
const FIXTURE_SCREENS = existsSync(SCREENS) ? SCREENS : join(ROOT, 'test', 'fixtures', 'claude-code-2.1.197', 'screens');

async function serveWithTelegram(extra: Record<string, string> = {}): Promise<{ tg: FakeTelegram; app: App; serve: ServeRuntime; home: string; stop(): Promise<void> }> {
  const tg = await startFakeTelegram();
  const t = makeTestEnv({
    AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
    AEGIS_TELEGRAM_BASE_URL: tg.url,
    AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
    AEGIS_TELEGRAM_POLL_SECONDS: '25',
    AEGIS_LOG_LEVEL: 'error',
    ...extra,
  });
  const app = new App({ env: t.env });
  const serve = new ServeRuntime(app);
  await serve.start();
  return {
    tg,
    app,
    serve,
    home: t.home,
    async stop() {
      await serve.stop();
      await app.close();
      await tg.close();
      t.cleanup();
    },
  };
}

const COMMANDS = ['status', 'sessions', 'pending', 'help', 'tasks', 'journal: bench note {n}', 'recall login', 'journal'];

/**
 * Inbound message → reply sent: a user's message becomes available on the fake Telegram (the
 * moment getUpdates could return it) until the reply's sendMessage reaches the fake. Commands that
 * do not wait on an agent, so this is Aegis's own time: long poll, inbox, parse, tool call, outbox.
 */
export async function benchInboundReply(messages = 200): Promise<void> {
  const w = await serveWithTelegram();
  try {
    const byCommand = new Map<string, number[]>();
    const all: number[] = [];
    for (let n = 0; n < messages; n++) {
      const text = COMMANDS[n % COMMANDS.length]!.replace('{n}', String(n));
      const before = w.tg.sent.length;
      const update = w.tg.userSays(CHAT, text);
      const reply = await waitFor(() => w.tg.sent.slice(before).find((s) => s.chatId === String(CHAT)), { timeoutMs: 10_000, intervalMs: 2, what: `reply ${n}` });
      const ms = reply.at - w.tg.updateTimes.get(update)!;
      all.push(ms);
      const key = text.split(':')[0]!.split(' ')[0]!;
      byCommand.set(key, [...(byCommand.get(key) ?? []), ms]);
    }
    report(`Messaging: inbound Telegram message -> reply sent (${messages} messages, no agent time)`, [
      ['p50', fmt(median(all))],
      ['p95', `${fmt(percentile(all, 95))}  (goal <= 300 ms)`],
      ['max', fmt(Math.max(...all))],
      ...[...byCommand.entries()].map(([k, v]): [string, string] => [`  ${k} p50 / p95`, `${fmt(median(v))} / ${fmt(percentile(v, 95))}`]),
    ]);
  } finally {
    await w.stop();
  }
}

/**
 * Permission prompt on screen → notification sent: a stand-in agent draws Claude Code's real
 * screens (idle, working, Bash permission dialog) in a loop and logs when each was written; `ag
 * serve` watches it and notifies the fake Telegram. Latency = notification's arrival − write time.
 */
export async function benchPermissionNotify(prompts = 15): Promise<void> {
  const gapMs = 1_200;
  const w = await serveWithTelegram({ AEGIS_CLAUDE_COMMAND: join(ROOT, 'test', 'bench', 'screen-flipper.mjs') });
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-bench-notify-')));
  try {
    const log = join(w.home, 'flips.jsonl');
    const count = prompts * 3 + 1;
    await w.app.sessions.create({ workDir, agent: 'claude', env: { FLIPPER_SCREENS: FIXTURE_SCREENS, FLIPPER_LOG: log, FLIPPER_COUNT: String(count), FLIPPER_GAP_MS: String(gapMs) } });
    const flips = await waitFor(
      () => {
        if (!existsSync(log)) return undefined;
        const lines = readFileSync(log, 'utf8').trim().split('\n');
        return lines.length >= count ? lines.map((l) => JSON.parse(l) as { i: number; state: string; t: number }) : undefined;
      },
      { timeoutMs: count * gapMs + 30_000, what: 'the flipper to finish' },
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const notes = w.tg.sent.filter((s) => s.text.includes('wants to use'));
    const latencies: number[] = [];
    let missed = 0;
    for (const [k, flip] of flips.entries()) {
      if (flip.state !== 'permission_prompt') continue;
      const until = flips[k + 1]?.t ?? Infinity;
      const seen = notes.find((s) => s.at >= flip.t && s.at < until + gapMs);
      if (seen) latencies.push(seen.at - flip.t);
      else missed++;
    }
    report(`Messaging: permission prompt on screen -> Telegram notification sent (${latencies.length} prompts)`, [
      ['p50', fmt(median(latencies))],
      ['p95', `${fmt(percentile(latencies, 95))}  (goal <= 1 s; best-known peer 5-8.5 s)`],
      ['max', fmt(Math.max(...latencies))],
      ['prompts not notified', String(missed)],
      ['notifications sent', String(notes.length)],
    ]);
  } finally {
    await w.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
