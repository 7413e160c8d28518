import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stopCodexDaemons } from '../../src/agents/codex/daemon.js';
import { App } from '../../src/app.js';
import { startFakeResponses, type FakeResponses } from '../fakes/openai-responses-server.js';
import { makeTestEnv, ROOT, type TestEnv } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { SAMPLES } from './sessions.js';
import { fmt, median, percentile, report } from './stats.js';

const CODEX = join(ROOT, 'node_modules', '@openai', 'codex', 'bin', 'codex.js');
const now = () => performance.timeOrigin + performance.now();

interface CodexWorld {
  app: App;
  t: TestEnv;
  fake: FakeResponses;
  id: string;
  pane: string;
  close(): Promise<void>;
}

/** The real Codex CLI 0.171.0 in tmux against the fake Responses API, driven by an in-process Aegis. */
async function startCodex(): Promise<CodexWorld> {
  const fake = await startFakeResponses();
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-bench-codex-')));
  const home = mkdtempSync(join(tmpdir(), 'aegis-bench-codex-home-'));
  const t = makeTestEnv({ AEGIS_CODEX_COMMAND: CODEX, AEGIS_CODEX_BASE_URL: `${fake.url}/v1`, AEGIS_STALL_SECONDS: '600' });
  const app = new App({ env: t.env });
  await app.sessions.start();
  const { session } = await app.sessions.create({ workDir, agent: 'codex', env: { OPENAI_API_KEY: 'sk-fake-codex', HOME: home } });
  // The first start unpacks Codex's background server into the Aegis home.
  await waitFor(() => app.sessions.monitor.observer(session.id)?.last?.state === 'idle', { timeoutMs: 120_000, what: 'codex idle' });
  return {
    app,
    t,
    fake,
    id: session.id,
    pane: session.tmuxPane!,
    async close() {
      const sessions = join(t.home, 'sessions');
      for (const dir of existsSync(sessions) ? readdirSync(sessions) : []) stopCodexDaemons(join(sessions, dir, 'codex-home'));
      await app.close();
      t.cleanup();
      await fake.close();
      rmSync(workDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * State detection for the real Codex: per turn (a reply streamed over 1.5 s), when the pane shows the
 * working line and when it shows the reply with the working line gone (tmux capture-pane polled back
 * to back), against when Aegis reports `working` and `idle`. Floor: the capture poll's own period.
 */
async function detection(w: CodexWorld, turns: number): Promise<void> {
  const observer = () => w.app.sessions.monitor.observer(w.id);
  const working: number[] = [];
  const idle: number[] = [];
  const periods: number[] = [];
  for (let i = 0; i < turns; i++) {
    const reply = `ECHO: turn ${i}`;
    let workingAt = 0;
    let idleAt = 0;
    const watch = setInterval(() => {
      const state = observer()?.last?.state;
      if (!workingAt && state === 'working') workingAt = now();
      if (workingAt && !idleAt && state === 'idle') idleAt = now();
    }, 1);
    await w.app.sessions.send(w.id, `SLOW 1500 turn ${i}`);
    let workingShown = 0;
    let idleShown = 0;
    const deadline = now() + 30_000;
    while (!idleShown && now() < deadline) {
      const t0 = now();
      const text = (await execa('tmux', ['-L', w.t.socket, 'capture-pane', '-p', '-t', w.pane])).stdout;
      periods.push(now() - t0);
      const busy = text.includes('esc to interrupt');
      if (!workingShown && busy) workingShown = t0;
      if (workingShown && !busy && text.includes(reply)) idleShown = t0;
    }
    await waitFor(() => (workingAt && idleAt ? true : undefined), { timeoutMs: 10_000, what: `turn ${i} reported` });
    clearInterval(watch);
    // Aegis may see the working line before the poll does (typing sets working at once): count that as 0.
    working.push(Math.max(0, workingAt - workingShown));
    idle.push(Math.max(0, idleAt - idleShown));
  }
  const floor = median(periods);
  report(`Sessions (codex): state detection on the real Codex 0.171.0, pane shows it -> reported (${turns} turns)`, [
    ['working p50 / p95', `${fmt(median(working))} / ${fmt(percentile(working, 95))}`],
    ['idle p50 / p95', `${fmt(median(idle))} / ${fmt(percentile(idle, 95))}  (goal p95 <= 100 ms)`],
    // The pane's moment is known only to within one capture (taken as the capture's start): figures below the floor are within it.
    ['floor: capture poll period p50', `${fmt(floor)}  (working p95 = ${(percentile(working, 95) / floor).toFixed(1)}x, idle p95 = ${(percentile(idle, 95) / floor).toFixed(1)}x floor)`],
  ]);
}

/**
 * Delivery to the real Codex: per send, session send -> confirmed delivered, and as its floor an
 * in-process fresh read of the same session (observes it, types nothing) right after; intact-once:
 * the fake model got the text exactly once as a prompt of its own.
 */
async function delivery(w: CodexWorld, sends: number): Promise<void> {
  const confirmed: number[] = [];
  const floor: number[] = [];
  const sent: string[] = [];
  for (let n = 0; n < sends; n++) {
    const text = SAMPLES[n % SAMPLES.length]!.replace('{n}', `codex-${n}`);
    sent.push(text);
    const t0 = now();
    const r = await w.app.sessions.send(w.id, text);
    const t1 = now();
    if (r.status === 'delivered') confirmed.push(t1 - t0);
    await w.app.sessions.fresh(w.id);
    floor.push(now() - t1);
    await waitFor(() => w.fake.requests.some((q) => q.kind === 'turn' && q.prompt === text), { timeoutMs: 30_000, what: `prompt ${n} at the model` }).catch(() => process.stderr.write(`send ${n} (${r.status}) never reached the model\n`));
    await waitFor(() => w.app.sessions.monitor.observer(w.id)?.last?.state === 'idle', { timeoutMs: 30_000, what: `idle after ${n}` });
  }
  const received = w.fake.requests.filter((q) => q.kind === 'turn' && q.toolOutput === undefined).map((q) => q.prompt);
  const intact = sent.filter((text) => received.filter((p) => p === text).length === 1).length;
  const [p50, p95, f50, f95] = [median(confirmed), percentile(confirmed, 95), median(floor), percentile(floor, 95)];
  report(`Sessions (codex): ${sends} sends to the real Codex 0.171.0 (plain, multi-line, Unicode, shell-like)`, [
    ['arrived intact, exactly once', `${intact}/${sends} = ${((100 * intact) / sends).toFixed(1)}%  (goal 100%)`],
    ['confirmed delivered', `${confirmed.length}/${sends}`],
    ['send -> confirmed p50 / p95', `${fmt(p50)} / ${fmt(p95)}`],
    ['floor (in-process fresh read) p50 / p95', `${fmt(f50)} / ${fmt(f95)}`],
    ['ratio to floor p50 / p95', `${(p50 / f50).toFixed(1)}x / ${(p95 / f95).toFixed(1)}x`],
  ]);
}

/** Codex state detection and delivery, on one real Codex session. */
export async function benchCodex(turns = 10, sends = 20): Promise<void> {
  if (!existsSync(CODEX)) {
    process.stdout.write('\n## Sessions (codex): skipped, @openai/codex is not installed\n');
    return;
  }
  const w = await startCodex();
  try {
    await detection(w, turns);
    await delivery(w, sends);
  } finally {
    await w.close();
  }
}
