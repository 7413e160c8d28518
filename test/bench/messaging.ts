import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app.js';
import { ServeRuntime } from '../../src/messaging/index.js';
import { chatTools } from '../../src/tools/chat.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { makeTestEnv, ROOT } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { execFileSync } from 'node:child_process';
import { floorLine, floorRow } from './floors.js';
import { fmt, report } from './stats.js';

const CHAT = 111;
const SCREENS = '/work/shared/fixtures/claude-code-2.1.197/screens';
const FIXTURE_SCREENS = existsSync(SCREENS) ? SCREENS : join(ROOT, 'test', 'fixtures', 'claude-code-2.1.197', 'screens');

/** Floor for anything that ends in a Telegram call: one Bot API round trip (getMe) to the same fake, from this process. */
async function botApiTimes(tg: FakeTelegram, calls: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await (await fetch(`${tg.url}/bot${tg.token}/getMe`)).json();
    times.push(performance.now() - t0);
  }
  return times;
}

/** Floor for anything that starts with a screen: one tmux capture-pane of the pane, timed. */
function captureTimes(socket: string, pane: string, runs = 20): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', pane]);
    times.push(performance.now() - t0);
  }
  return times;
}

async function serveWithTelegram(
  extra: Record<string, string> = {},
): Promise<{ tg: FakeTelegram; app: App; serve: ServeRuntime; home: string; socket: string; stop(): Promise<void> }> {
  const tg = await startFakeTelegram();
  const t = makeTestEnv({
    AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
    AEGIS_TELEGRAM_BASE_URL: tg.url,
    AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
    AEGIS_TELEGRAM_POLL_SECONDS: '25',
    AEGIS_LOG_LEVEL: 'error',
    ...extra,
  });
  const app = new App({ env: t.env, chatTools: async (a) => chatTools(a) });
  const serve = new ServeRuntime(app);
  await serve.start();
  return {
    tg,
    app,
    serve,
    home: t.home,
    socket: t.socket,
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
 * Floor: one Bot API round trip to the same fake (the reply needs at least the sendMessage).
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
      const reply = await waitFor(() => w.tg.sent.slice(before).find((s) => s.chatId === String(CHAT)), {
        timeoutMs: 10_000,
        intervalMs: 2,
        what: `reply ${n}`,
      });
      const ms = reply.at - w.tg.updateTimes.get(update)!;
      all.push(ms);
      const key = text.split(':')[0]!.split(' ')[0]!;
      byCommand.set(key, [...(byCommand.get(key) ?? []), ms]);
    }
    const floor = await botApiTimes(w.tg, 50);
    report(`Messaging: inbound Telegram message -> reply sent (${messages} messages, no agent time)`, [
      floorLine('one Bot API round trip (getMe) to the fake', floor),
      floorRow('message available -> reply sent', all, floor),
      ['max', fmt(Math.max(...all))],
      ...[...byCommand.entries()].map(([k, v]) => floorRow(`  ${k}`, v, floor)),
    ]);
  } finally {
    await w.stop();
  }
}

/**
 * Permission prompt on screen → notification sent: a stand-in agent draws Claude Code's real
 * screens (idle, working, Bash permission dialog) in a loop and logs when each was written; `ag
 * serve` watches it and notifies the fake Telegram. Latency = notification's arrival − write time.
 * Floor: one capture-pane of the pane plus one Bot API round trip, each timed in the same run.
 */
export async function benchPermissionNotify(prompts = 15): Promise<void> {
  const gapMs = 1_200;
  const w = await serveWithTelegram({ AEGIS_CLAUDE_COMMAND: join(ROOT, 'test', 'bench', 'screen-flipper.mjs') });
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-bench-notify-')));
  try {
    const log = join(w.home, 'flips.jsonl');
    const count = prompts * 3 + 1;
    const { session } = await w.app.sessions.create({
      workDir,
      agent: 'claude',
      env: { FLIPPER_SCREENS: FIXTURE_SCREENS, FLIPPER_LOG: log, FLIPPER_COUNT: String(count), FLIPPER_GAP_MS: String(gapMs) },
    });
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
    const capture = captureTimes(w.socket, session.tmuxPane!);
    const api = await botApiTimes(w.tg, capture.length);
    const floor = capture.map((c, i) => c + api[i]!);
    report(`Messaging: permission prompt on screen -> Telegram notification sent (${latencies.length} prompts)`, [
      floorLine('one capture-pane + one Bot API round trip', floor),
      floorRow('prompt on screen -> notification sent', latencies, floor, '(best-known peer 5-8.5 s)'),
      ['max', fmt(Math.max(...latencies))],
      ['prompts not notified', String(missed)],
      ['notifications sent', String(notes.length)],
    ]);
  } finally {
    await w.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Button press → dialog gone, and prompt on screen → notice sent, with the same run's floor. Each
 * round starts a task whose Bash prompt (the fake Claude Code's real dialog screen) is notified to the
 * fake Telegram; the Approve button is pressed; latency runs from when the press is available to the
 * bot until the dialog is gone from the pane (read with tmux capture-pane every few ms). The floor
 * answers the same kind of dialog by typing its key straight into the pane (tmux send-keys): what the
 * agent itself takes, with no chat, router or tool in between. Notice latency runs from the first
 * capture that shows the dialog until the notice reaches the fake Telegram.
 */
export async function benchButtonApprove(rounds = 8): Promise<void> {
  const { makeMessagingWorld, startServe } = await import('../integration/messaging-helpers.js');
  const { execFileSync } = await import('node:child_process');
  const tg = await startFakeTelegram();
  const world = makeMessagingWorld({
    AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
    AEGIS_TELEGRAM_BASE_URL: tg.url,
    AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
    AEGIS_TELEGRAM_POLL_SECONDS: '25',
    AEGIS_LOG_LEVEL: 'error',
  });
  const serve = await startServe(world.t.env);
  const clock = () => performance.timeOrigin + performance.now();
  const screen = (pane: string) => execFileSync('tmux', ['-L', world.t.socket, 'capture-pane', '-p', '-t', pane], { encoding: 'utf8' });
  const DIALOG = 'Do you want to proceed?';
  /** Starts a task with a Bash prompt; returns its pane, when the dialog was first seen, and its notice. */
  const prompt = async (tag: string) => {
    const marker = `bench-${tag}`;
    const before = tg.sent.length;
    tg.userSays(CHAT, `task: RUN echo ${marker}`);
    const known = new Set(seen);
    const session = await waitFor(() => serve.app.sessions.store.live().find((s) => !known.has(s.id) && s.tmuxPane), {
      timeoutMs: 30_000,
      intervalMs: 2,
      what: `the ${marker} session`,
    });
    seen.add(session.id);
    const pane = session.tmuxPane!;
    const seenAt = (await waitFor(() => screen(pane).includes(DIALOG) && clock(), {
      timeoutMs: 30_000,
      intervalMs: 2,
      what: `the ${marker} dialog on screen`,
    })) as number;
    const notice = await waitFor(() => tg.sent.slice(before).find((s) => s.text.includes('wants to use') && s.text.includes(marker)), {
      timeoutMs: 30_000,
      intervalMs: 2,
      what: `the ${marker} notice`,
    });
    return { pane, notice, noticeMs: notice.at - seenAt };
  };
  const gone = async (pane: string) =>
    (await waitFor(() => !screen(pane).includes(DIALOG) && clock(), { timeoutMs: 30_000, intervalMs: 2, what: 'the dialog to leave the screen' })) as number;
  const seen = new Set<string>();
  try {
    const press: number[] = [];
    const floor: number[] = [];
    const notice: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const a = await prompt(`press-${i}`);
      notice.push(a.noticeMs);
      const update = tg.pressButton(CHAT, a.notice.messageId, a.notice.buttons![0]![0]!.callback_data);
      press.push((await gone(a.pane)) - tg.updateTimes.get(update)!);
      const b = await prompt(`floor-${i}`);
      notice.push(b.noticeMs);
      const t0 = clock();
      execFileSync('tmux', ['-L', world.t.socket, 'send-keys', '-t', b.pane, '1']);
      floor.push((await gone(b.pane)) - t0);
    }
    const noticeFloor = captureTimes(world.t.socket, serve.app.sessions.store.live().find((s) => s.tmuxPane)!.tmuxPane!);
    const api = await botApiTimes(tg, noticeFloor.length);
    const captureAndSend = noticeFloor.map((c, i) => c + api[i]!);
    report(`Messaging: Telegram button press -> dialog gone from the pane (${rounds} prompts each)`, [
      floorLine('key typed straight into the pane (tmux send-keys)', floor),
      floorRow('Approve button (fake Telegram long poll, router, session_approve)', press, floor),
      floorLine('one capture-pane + one Bot API round trip', captureAndSend),
      floorRow('prompt first on screen -> notice at Telegram', notice, captureAndSend),
    ]);
  } finally {
    await serve.stop();
    await tg.close();
    await world.cleanup();
  }
}
