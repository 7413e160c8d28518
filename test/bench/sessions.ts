import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app.js';
import { prepareClaudeHome } from '../fakes/claude-home.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import { makeTestEnv, ROOT } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call } from '../helpers/sessions.js';
import { CLAUDE } from '../helpers/real-claude.js';
import { waitFor } from '../helpers/wait.js';
import { floorLine, floorRow, minimalServerRssKb, ratio } from './floors.js';
import { fmt, median, percentile, report } from './stats.js';

const now = () => performance.timeOrigin + performance.now();
const SCREENS = '/work/shared/fixtures/claude-code-2.1.197/screens';
const FIXTURE_SCREENS = existsSync(SCREENS) ? SCREENS : join(ROOT, 'test', 'fixtures', 'claude-code-2.1.197', 'screens');

/**
 * State-detection latency: a stand-in agent replays real Claude Code screens (idle → working →
 * permission prompt → …) and logs when each was written; Aegis's monitor, in this process, reports
 * state changes. Latency = report time − write time, per transition. Floor: one tmux capture-pane of
 * the same pane (a screen cannot be read faster than that), timed in the same run.
 */
export async function benchDetection(transitions = 60, agent: 'claude' | 'codex' = 'claude'): Promise<void> {
  const flipper = join(ROOT, 'test', 'bench', 'screen-flipper.mjs');
  const t = makeTestEnv(agent === 'codex' ? { AEGIS_CODEX_COMMAND: flipper } : { AEGIS_CLAUDE_COMMAND: flipper });
  const screens = agent === 'codex' ? join(ROOT, 'test', 'fixtures', 'codex-0.171.0', 'screens') : FIXTURE_SCREENS;
  const app = new App({ env: t.env });
  try {
    const log = join(t.home, 'flips.jsonl');
    const changes: { to: string; t: number }[] = [];
    app.sessions.monitor.on('change', (c) => changes.push({ to: c.to, t: now() }));
    await app.sessions.start();
    const workDir = mkdtempSync(join(tmpdir(), 'aegis-bench-'));
    const { session } = await app.sessions.create({
      workDir,
      agent,
      env: { FLIPPER_SCREENS: screens, FLIPPER_SET: agent, FLIPPER_LOG: log, FLIPPER_COUNT: String(transitions + 1) },
    });
    const flips = await waitFor(
      () => {
        if (!existsSync(log)) return undefined;
        const lines = readFileSync(log, 'utf8').trim().split('\n');
        return lines.length >= transitions + 1 ? lines.map((l) => JSON.parse(l) as { i: number; state: string; t: number }) : undefined;
      },
      { timeoutMs: 120_000, what: 'flipper to finish' },
    );
    await new Promise((r) => setTimeout(r, 300));
    const latencies: number[] = [];
    let missed = 0;
    for (const [k, flip] of flips.entries()) {
      if (k === 0) continue; // the first screen ends "starting"; count real transitions only
      const until = flips[k + 1]?.t ?? Infinity;
      const seen = changes.find((c) => c.to === flip.state && c.t >= flip.t - 1 && c.t < until);
      if (seen) latencies.push(Math.max(0, seen.t - flip.t));
      else missed++;
    }
    const capture: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = now();
      execFileSync('tmux', ['-L', t.socket, 'capture-pane', '-p', '-t', session.tmuxPane!]);
      capture.push(now() - t0);
    }
    report(`Sessions (${agent}): state-detection latency (screen written -> state reported), ${latencies.length} transitions`, [
      floorLine('one tmux capture-pane of the pane', capture),
      floorRow('screen written -> state reported', latencies, capture),
      ['max', fmt(Math.max(...latencies))],
      ['transitions not reported', String(missed)],
    ]);
  } finally {
    await app.close();
    t.cleanup();
  }
}

export const SAMPLES = [
  'plain ascii prompt number {n}',
  'line one of {n}\nline two has ünïcödé ✓ and 日本語\nline three $(not run) `nor this` ; & | > <',
  'emoji 🚀🔥 and accents café naïve — prompt {n}',
  'a longer multi-line prompt {n}\n\n- item one\n- item two with "quotes" and \'single\'\n- item three: Enter C-c Escape\n\nEnd.',
  'symbols ~!@#%^&*()_+{}[]:;<>?,./ and a very long line: {n} lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua',
];

/**
 * Delivery through the real MCP server to the real Claude Code: send -> confirmed, and what arrived at
 * the model. Floor: a session_get right after each send (one MCP round trip on the same connection that
 * observes the session and types nothing).
 */
export async function benchDelivery(sends = 200): Promise<void> {
  const claude = CLAUDE;
  const fake = await startFakeAnthropic();
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-bench-send-')));
  const home = await prepareClaudeHome({ workDirs: [workDir], apiKey: 'sk-ant-bench-0123456789abcdefghijkl', baseUrl: fake.url });
  const t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: claude });
  const mcp = await connectMcp(t.env);
  try {
    const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir, env: home.env });
    await call(mcp.client, 'session_wait', { id: s.id, states: ['idle'], timeoutSeconds: 30 });
    const latencies: number[] = [];
    const floor: number[] = [];
    const sent: string[] = [];
    let delivered = 0;
    for (let n = 0; n < sends; n++) {
      const text = SAMPLES[n % SAMPLES.length]!.replace('{n}', String(n));
      const t0 = now();
      const r = await call<{ status: string }>(mcp.client, 'session_send', { id: s.id, text });
      const t1 = now();
      sent.push(text);
      if (r.status === 'delivered') {
        delivered++;
        latencies.push(t1 - t0);
      }
      await call(mcp.client, 'session_get', { id: s.id });
      floor.push(now() - t1);
      const replied = await waitFor(() => fake.requests.some((q) => q.kind === 'main' && q.prompt === text && q.outcome === 'completed'), {
        timeoutMs: 15_000,
        what: `reply ${n}`,
      }).catch(() => false);
      if (!replied) {
        // Record the failure with what the screen and the model saw, then carry on: the success rate is the figure.
        const pane = await call<{ text: string; state: string }>(mcp.client, 'session_pane', { id: s.id });
        const seen = fake.requests
          .filter((q) => q.kind === 'main')
          .slice(-2)
          .map((q) => q.prompt);
        process.stderr.write(
          `send ${n} (${r.status}) not answered; state ${pane.state}; model saw ${JSON.stringify(seen)}\n${pane.text.split('\n').slice(-10).join('\n')}\n`,
        );
      }
      await call(mcp.client, 'session_wait', { id: s.id, states: ['idle'], timeoutSeconds: 30 });
    }
    const received = fake.requests.filter((q) => q.kind === 'main').map((q) => q.prompt);
    const intact = sent.filter((text) => received.filter((p) => p === text).length === 1).length;
    report(`Sessions: delivery to the real Claude Code 2.1.197 (${sends} sends: ascii, multi-line, Unicode, shell-like)`, [
      ['confirmed delivered', `${delivered}/${sends}`],
      ['arrived intact, exactly once', `${intact}/${sends}  (goal 100%)`],
      floorLine('session_get round trip', floor),
      floorRow('send -> confirmed', latencies, floor),
    ]);
  } finally {
    await mcp.close();
    t.cleanup();
    await fake.close();
    await home.cleanup();
  }
}

function procStat(pid: number): { cpuTicks: number; rssKb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuTicks, rssKb };
}

/**
 * One `ag mcp` process watching N idle sessions: CPU share (of one core) and RSS over a window. RSS
 * beside a floor from the same run: a minimal SDK server's RSS.
 */
export async function benchOverhead(sessions = 50, windowSeconds = 60): Promise<void> {
  const agent = join(ROOT, 'test', 'fixtures', 'fake-claude', 'fake-claude.mjs');
  const t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: agent });
  const mcp = await connectMcp(t.env);
  try {
    const workDir = mkdtempSync(join(tmpdir(), 'aegis-bench-idle-'));
    const agentHome = mkdtempSync(join(tmpdir(), 'aegis-bench-home-'));
    const r = await call<{ created: number; results: { id?: string }[] }>(mcp.client, 'session_batch_create', {
      sessions: Array.from({ length: sessions }, () => ({ workDir, env: { HOME: agentHome } })),
    });
    for (const x of r.results) await call(mcp.client, 'session_wait', { id: x.id!, states: ['idle'], timeoutSeconds: 50 });
    const pid = mcp.transport.pid!;
    await new Promise((res) => setTimeout(res, 3_000)); // let start-up work finish before measuring
    const a = procStat(pid);
    const t0 = performance.now();
    await new Promise((res) => setTimeout(res, windowSeconds * 1000));
    const b = procStat(pid);
    const seconds = (performance.now() - t0) / 1000;
    const cpuPct = ((b.cpuTicks - a.cpuTicks) / 100 / seconds) * 100;
    const floorRss = await minimalServerRssKb();
    report(`Sessions: one ag mcp process watching ${r.created} idle sessions for ${windowSeconds} s`, [
      ['CPU', `${cpuPct.toFixed(2)}% of one core  (goal <= 2%)`],
      ['floor: minimal SDK server RSS', `${(floorRss / 1024).toFixed(1)} MB  (same run)`],
      ['RSS', `${(b.rssKb / 1024).toFixed(1)} MB  = ${ratio(b.rssKb, floorRss)} the floor`],
    ]);
  } finally {
    await mcp.close();
    t.cleanup();
  }
}
