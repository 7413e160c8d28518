import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { prepareClaudeHome } from '../fakes/claude-home.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { makeTestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { CLAUDE } from '../helpers/real-claude.js';
import { call } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';
import { SAMPLES } from './sessions.js';
import { ratio } from './floors.js';
import { fmt, median, percentile, report } from './stats.js';

/** The texts that broke before: a trailing `;` or `\;`, a line over tmux's ~16 KB command limit (ending in no space: Claude Code trims a prompt). */
const EDGE_SAMPLES = [
  'ends with a semicolon {n};',
  'ends with an escaped one {n}\\;',
  `a 20 KB line {n} ${'0123456789abcdefghijklmnopqrstuvwxyz '.repeat(540).trimEnd()}`,
];

/** For a report: how what the model got differs from `text` (length, first difference), or that nothing came. */
function whatArrived(fake: FakeAnthropic, text: string): string {
  const head = text.slice(0, 40);
  const got = fake.requests.filter((q) => q.kind === 'main' && q.prompt.includes(head));
  if (!got.length) return 'the model got no prompt with its start';
  return got
    .map((q) => {
      let i = 0;
      while (i < text.length && text[i] === q.prompt[i]) i++;
      return `${q.outcome}, ${q.prompt.length} of ${text.length} chars, first difference at ${i}: sent ${JSON.stringify(text.slice(i, i + 30))}, got ${JSON.stringify(q.prompt.slice(i, i + 30))}`;
    })
    .join('; ');
}

/** One busy loop per core, so the agent, tmux and Aegis compete for every core. */
function burnCores(): ChildProcess[] {
  return cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

interface PhaseResult {
  intact: number;
  sends: number;
  confirmed: number[];
  floor: number[];
}

/**
 * `sends` prompts to one real Claude Code session, one after the other. Per send: the time session_send
 * takes to answer `delivered` (typed and confirmed), and as its floor the time a session_get (one MCP
 * round trip that observes the same session and types nothing) takes right after. Intact-and-once: the
 * fake model received the text exactly once as a prompt of its own.
 */
async function phase(client: Client, fake: FakeAnthropic, id: string, sends: number, tag: string): Promise<PhaseResult> {
  const confirmed: number[] = [];
  const floor: number[] = [];
  const sent: string[] = [];
  const samples = [...SAMPLES, ...EDGE_SAMPLES];
  for (let n = 0; n < sends; n++) {
    const text = samples[n % samples.length]!.replace('{n}', `${tag}-${n}`);
    sent.push(text);
    const t0 = performance.now();
    const r = await call<{ status: string }>(client, 'session_send', { id, text });
    const t1 = performance.now();
    if (r.status === 'delivered') confirmed.push(t1 - t0);
    await call(client, 'session_get', { id });
    floor.push(performance.now() - t1);
    const replied = await waitFor(() => fake.requests.some((q) => q.kind === 'main' && q.prompt === text && q.outcome === 'completed'), {
      timeoutMs: 30_000,
      what: `reply ${n}`,
    }).catch(() => false);
    if (!replied) process.stderr.write(`send ${tag}-${n} (${r.status}) not answered: ${whatArrived(fake, text)}\n`);
    await call(client, 'session_wait', { id, states: ['idle'], timeoutSeconds: 45 });
  }
  const received = fake.requests.filter((q) => q.kind === 'main').map((q) => q.prompt);
  const intact = sent.filter((text) => received.filter((p) => p === text).length === 1 && !received.some((p) => p !== text && p.includes(text))).length;
  return { intact, sends, confirmed, floor };
}

/**
 * Delivery to the real Claude Code with the machine idle and with every core kept busy: intact-and-once
 * rate, and send -> confirmed beside the same phase's floor (an MCP round trip that types nothing).
 */
export async function benchDeliveryUnderLoad(sends = 300): Promise<void> {
  const fake = await startFakeAnthropic();
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-bench-load-')));
  const home = await prepareClaudeHome({ workDirs: [workDir], apiKey: 'sk-ant-bench-0123456789abcdefghijkl', baseUrl: fake.url });
  const t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: CLAUDE, AEGIS_STALL_SECONDS: '600' });
  const mcp = await connectMcp(t.env);
  try {
    const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir, env: home.env });
    await call(mcp.client, 'session_wait', { id: s.id, states: ['idle'], timeoutSeconds: 45 });
    for (const loaded of [false, true]) {
      const burners = loaded ? burnCores() : [];
      let r: PhaseResult;
      try {
        r = await phase(mcp.client, fake, s.id, sends, loaded ? 'busy' : 'idle');
      } finally {
        for (const b of burners) b.kill('SIGKILL');
      }
      const p50 = median(r.confirmed);
      const p95 = percentile(r.confirmed, 95);
      const f50 = median(r.floor);
      const f95 = percentile(r.floor, 95);
      report(
        `Sessions: ${sends} sends to the real Claude Code 2.1.197, ${loaded ? `plus one busy loop per core (${cpus().length})` : 'no added load'} (plain, multi-line, Unicode, trailing ;, 20 KB lines)`,
        [
          ['arrived intact, exactly once', `${r.intact}/${r.sends} = ${((100 * r.intact) / r.sends).toFixed(1)}%  (goal 100%)`],
          ['confirmed delivered', `${r.confirmed.length}/${r.sends}`],
          ['send -> confirmed p50 / p95', `${fmt(p50)} / ${fmt(p95)}`],
          ['floor (session_get round trip) p50 / p95', `${fmt(f50)} / ${fmt(f95)}`],
          ['ratio to floor p50 / p95', `${ratio(p50, f50)} / ${ratio(p95, f95)}`],
        ],
      );
    }
  } finally {
    await mcp.close();
    t.cleanup();
    await fake.close();
    await home.cleanup();
  }
}
