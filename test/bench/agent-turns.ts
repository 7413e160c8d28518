import { execa } from 'execa';
import type { App } from '../../src/app.js';
import { waitFor } from '../helpers/wait.js';
import { SAMPLES } from './sessions.js';
import { fmt, median, percentile, report } from './stats.js';

const now = () => performance.timeOrigin + performance.now();

/**
 * One real agent CLI in tmux against its fake model API, driven by an in-process Aegis: what the
 * detection and delivery benches of a non-Claude agent (codex.ts, gemini.ts) need of it.
 */
export interface BenchedAgent {
  app: App;
  /** The private tmux socket and the session's pane, for the capture-pane floor. */
  socket: string;
  pane: string;
  id: string;
  /** For the report titles: `codex` and `Codex 0.171.0`. */
  tag: string;
  release: string;
  /** Text the pane shows while a turn runs and not after it (`esc to interrupt`). */
  busy: string;
  /** The prompt that makes the fake model stream `reply` over 1.5 s. */
  slowTurn(i: number): { prompt: string; reply: string };
  /** Prompts the fake model received as prompts of their own (not tool results, not side questions). */
  prompts(): string[];
}

/**
 * State detection: per turn (a reply streamed over 1.5 s), when the pane shows the working line and
 * when it shows the reply with the working line gone (tmux capture-pane polled back to back), against
 * when Aegis reports `working` and `idle`. Floor: the capture poll's own period.
 */
export async function benchAgentDetection(w: BenchedAgent, turns: number): Promise<void> {
  const observer = () => w.app.sessions.monitor.observer(w.id);
  const working: number[] = [];
  const idle: number[] = [];
  const periods: number[] = [];
  for (let i = 0; i < turns; i++) {
    const { prompt, reply } = w.slowTurn(i);
    let workingAt = 0;
    let idleAt = 0;
    const watch = setInterval(() => {
      const state = observer()?.last?.state;
      if (!workingAt && state === 'working') workingAt = now();
      if (workingAt && !idleAt && state === 'idle') idleAt = now();
    }, 1);
    await w.app.sessions.send(w.id, prompt);
    let workingShown = 0;
    let idleShown = 0;
    const deadline = now() + 30_000;
    while (!idleShown && now() < deadline) {
      const t0 = now();
      const text = (await execa('tmux', ['-L', w.socket, 'capture-pane', '-p', '-t', w.pane])).stdout;
      periods.push(now() - t0);
      const busy = text.includes(w.busy);
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
  report(`Sessions (${w.tag}): state detection on the real ${w.release}, pane shows it -> reported (${turns} turns)`, [
    ['working p50 / p95', `${fmt(median(working))} / ${fmt(percentile(working, 95))}`],
    ['idle p50 / p95', `${fmt(median(idle))} / ${fmt(percentile(idle, 95))}  (goal p95 <= 100 ms)`],
    // The pane's moment is known only to within one capture (taken as the capture's start): figures below the floor are within it.
    [
      'floor: capture poll period p50',
      `${fmt(floor)}  (working p95 = ${(percentile(working, 95) / floor).toFixed(1)}x, idle p95 = ${(percentile(idle, 95) / floor).toFixed(1)}x floor)`,
    ],
  ]);
}

/**
 * Delivery: per send, session send -> confirmed delivered, and as its floor an in-process fresh read
 * of the same session (observes it, types nothing) right after; intact-once: the fake model got the
 * text exactly once as a prompt of its own.
 */
export async function benchAgentDelivery(w: BenchedAgent, sends: number): Promise<void> {
  const confirmed: number[] = [];
  const floor: number[] = [];
  const sent: string[] = [];
  for (let n = 0; n < sends; n++) {
    const text = SAMPLES[n % SAMPLES.length]!.replace('{n}', `${w.tag}-${n}`);
    sent.push(text);
    const t0 = now();
    const r = await w.app.sessions.send(w.id, text);
    const t1 = now();
    if (r.status === 'delivered') confirmed.push(t1 - t0);
    await w.app.sessions.fresh(w.id);
    floor.push(now() - t1);
    await waitFor(() => w.prompts().includes(text), { timeoutMs: 30_000, what: `prompt ${n} at the model` }).catch(() =>
      process.stderr.write(`send ${n} (${r.status}) never reached the model\n`),
    );
    await waitFor(() => w.app.sessions.monitor.observer(w.id)?.last?.state === 'idle', { timeoutMs: 30_000, what: `idle after ${n}` });
  }
  const received = w.prompts();
  const intact = sent.filter((text) => received.filter((p) => p === text).length === 1).length;
  const [p50, p95, f50, f95] = [median(confirmed), percentile(confirmed, 95), median(floor), percentile(floor, 95)];
  report(`Sessions (${w.tag}): ${sends} sends to the real ${w.release} (plain, multi-line, Unicode, shell-like)`, [
    ['arrived intact, exactly once', `${intact}/${sends} = ${((100 * intact) / sends).toFixed(1)}%  (goal 100%)`],
    ['confirmed delivered', `${confirmed.length}/${sends}`],
    ['send -> confirmed p50 / p95', `${fmt(p50)} / ${fmt(p95)}`],
    ['floor (in-process fresh read) p50 / p95', `${fmt(f50)} / ${fmt(f95)}`],
    ['ratio to floor p50 / p95', `${(p50 / f50).toFixed(1)}x / ${(p95 / f95).toFixed(1)}x`],
  ]);
}
