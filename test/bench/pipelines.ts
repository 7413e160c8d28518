import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app.js';
import type { StageInput } from '../../src/pipelines/types.js';
import { makeTestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, FAKE_CLAUDE } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';
import { getPipeline, killProcessTree, stageOf, type PipelineOut } from '../integration/pipeline-helpers.js';
import { floorLine, floorRow, ratio } from './floors.js';
import { fmt, median, percentile, report } from './stats.js';

const SPEED = '0.2';

/** A chain s0 → s1 → … : every completion has exactly one dependent to start. */
const chain = (n: number): StageInput[] => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, prompt: `step ${i}`, dependsOn: i ? [`s${i - 1}`] : [] }));

/** A root, then layers of `width` stages each depending on the whole layer before: fan-out and fan-in. */
function layers(count: number, width: number): StageInput[] {
  const out: StageInput[] = [{ name: 'root', prompt: 'root' }];
  let previous = ['root'];
  for (let l = 0; l < count; l++) {
    const layer = Array.from({ length: width }, (_, w) => `l${l}w${w}`);
    out.push(...layer.map((name) => ({ name, prompt: `layer ${l} ${name}`, dependsOn: previous })));
    previous = layer;
  }
  return out;
}

interface Gaps {
  /** Stage completion (Stop hook, or the transcript, whichever Aegis saw first) → its dependents' sessions created. */
  total: number[];
  /** Stop hook written → the stage recorded done (only where the hook came first). */
  detect: number[];
  /** Stage recorded done → dependents' sessions created. */
  start: number[];
}

/**
 * Runs one pipeline in this process's runner and measures, for every stage with dependencies, the
 * time from the completion of its last dependency to its own session being created. The shapes keep
 * every layer within maxConcurrent, so no stage waits for a free slot rather than for the scheduler.
 */
async function measure(app: App, workDir: string, agentHome: string, name: string, stages: StageInput[], maxConcurrent: number): Promise<Gaps> {
  const hookAt = new Map<string, number>();
  const off = app.events.on('session_turn_finished', (e) => hookAt.set(e.sessionId, e.at));
  const p = app.pipelines.create({ name, workDir, stages, maxConcurrent, env: { HOME: agentHome, FAKE_CLAUDE_SPEED: SPEED } });
  const view = await waitFor(
    () => {
      const v = app.pipelines.view(p.id);
      return v.status !== 'running' ? v : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 200, what: `pipeline ${name}` },
  );
  off();
  if (view.status !== 'done') throw new Error(`pipeline ${name} ended ${view.status}: ${view.error}`);
  const byName = new Map(view.stages.map((s) => [s.name, s]));
  const created = (sessionId: string) => app.sessions.store.get(sessionId)!.createdAt;
  const gaps: Gaps = { total: [], detect: [], start: [] };
  for (const s of view.stages) {
    if (!s.spec.dependsOn.length) continue;
    const deps = s.spec.dependsOn.map((d) => byName.get(d)!);
    const completion = (d: (typeof deps)[number]) => Math.min(hookAt.get(d.sessionId!) ?? Infinity, d.finishedAt!);
    const last = deps.reduce((a, b) => (completion(b) > completion(a) ? b : a));
    gaps.total.push(created(s.sessionId!) - completion(last));
    gaps.start.push(created(s.sessionId!) - last.finishedAt!);
    const hook = hookAt.get(last.sessionId!);
    if (hook !== undefined && hook <= last.finishedAt!) gaps.detect.push(last.finishedAt! - hook);
  }
  return gaps;
}

/**
 * Floor for "completion -> dependents created": creating one session of the same fake agent directly
 * (app.sessions.create, no scheduler), timed in the same run; the sessions are killed after.
 */
async function directCreateTimes(app: App, workDir: string, agentHome: string, runs = 5): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const { session } = await app.sessions.create({ workDir, agent: 'claude', env: { HOME: agentHome, FAKE_CLAUDE_SPEED: SPEED } });
    times.push(performance.now() - t0);
    await app.sessions.kill(session.id);
  }
  return times;
}

function reportGaps(title: string, g: Gaps, floor: number[]): void {
  report(title, [
    floorLine('one session created directly (no scheduler)', floor),
    floorRow('completion -> dependents created', g.total, floor),
    ['completion -> dependents created max', fmt(Math.max(...g.total))],
    ['  of which: recorded done -> created p50/p95', `${fmt(median(g.start))} / ${fmt(percentile(g.start, 95))}`],
    [
      '  of which: Stop hook -> recorded done p50/p95',
      g.detect.length ? `${fmt(median(g.detect))} / ${fmt(percentile(g.detect, 95))}  (${g.detect.length} stages seen by hook first)` : 'n/a',
    ],
  ]);
}

/** Scheduler overhead with the fake agent: a 31-stage chain, then 31 stages in layers of 3. */
export async function benchPipelineOverhead(stages = 31): Promise<void> {
  const t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE, AEGIS_STALL_SECONDS: '600' });
  const app = new App({ env: t.env });
  try {
    await app.pipelines.start();
    const workDir = mkdtempSync(join(tmpdir(), 'aegis-bench-pipe-'));
    const agentHome = mkdtempSync(join(tmpdir(), 'aegis-bench-home-'));
    const floor = await directCreateTimes(app, workDir, agentHome);
    reportGaps(
      `Pipelines: scheduler overhead, chain of ${stages} stages (${stages - 1} transitions, fake agent)`,
      await measure(app, workDir, agentHome, 'chain', chain(stages), 4),
      floor,
    );
    const width = 3;
    const count = Math.ceil((stages - 1) / width);
    reportGaps(
      `Pipelines: scheduler overhead, ${1 + count * width} stages in layers of ${width} (fan-out/fan-in, maxConcurrent 4)`,
      await measure(app, workDir, agentHome, 'layers', layers(count, width), 4),
      floor,
    );
  } finally {
    await app.close();
    t.cleanup();
  }
}

/**
 * Resume after the advancing process is killed: `ag mcp` runs a pipeline, is killed (SIGKILL) while
 * stage A works, A finishes while nobody watches, then a new `ag mcp` starts. Measured: new process
 * spawned → the session of the next stage created, beside its floor from the same runs: spawned → MCP
 * handshake done (a process must at least start before it can resume anything).
 */
export async function benchPipelineResume(runs = 5): Promise<void> {
  const resume: number[] = [];
  const handshake: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE, AEGIS_STALL_SECONDS: '600' });
    const servers: Awaited<ReturnType<typeof connectMcp>>[] = [];
    try {
      const workDir = mkdtempSync(join(tmpdir(), 'aegis-bench-resume-'));
      const agentHome = mkdtempSync(join(tmpdir(), 'aegis-bench-home-'));
      const first = await connectMcp(t.env);
      servers.push(first);
      const created = await call<PipelineOut>(first.client, 'pipeline_create', {
        name: 'resume',
        workDir,
        env: { HOME: agentHome, FAKE_CLAUDE_SPEED: SPEED },
        stages: [
          { name: 'A', prompt: 'DELAY 1000 a' },
          { name: 'B', prompt: 'b after {{stages.A.output}}', dependsOn: ['A'] },
        ],
      });
      const a = await waitFor(
        async () => {
          const stage = stageOf(await getPipeline(first.client, created.id), 'A');
          return stage.sessionState === 'working' ? stage : undefined;
        },
        { timeoutMs: 20_000, what: 'A working' },
      );
      killProcessTree(first.transport.pid!);
      const hooks = join(t.home, 'sessions', a.sessionId!, 'hooks.jsonl');
      await waitFor(() => existsSync(hooks) && readFileSync(hooks, 'utf8').includes('"hook_event_name":"Stop"'), { timeoutMs: 20_000, what: "A's Stop hook" });
      const spawnedAt = Date.now();
      const second = await connectMcp(t.env);
      servers.push(second);
      handshake.push(Date.now() - spawnedAt);
      const b = await waitFor(async () => stageOf(await getPipeline(second.client, created.id), 'B').sessionId, {
        timeoutMs: 30_000,
        intervalMs: 20,
        what: 'B started',
      });
      const bSession = await call<{ createdAt: string }>(second.client, 'session_get', { id: b });
      resume.push(Date.parse(bSession.createdAt) - spawnedAt);
      await call(second.client, 'pipeline_cancel', { id: created.id }).catch(() => undefined);
    } finally {
      for (const s of servers) await s.close().catch(() => undefined);
      t.cleanup();
    }
  }
  report(`Pipelines: resume after the advancing process is killed (${runs} runs; A finished while no process watched)`, [
    floorLine('spawn -> MCP handshake done', handshake),
    floorRow('new process spawned -> next stage session created', resume, handshake),
    [
      'new process spawned -> next stage session created max',
      `${fmt(Math.max(...resume))}  = ${ratio(Math.max(...resume), Math.max(...handshake))} the floor's max`,
    ],
  ]);
}

export async function benchPipelines(): Promise<void> {
  await benchPipelineOverhead(Number(process.env.AEGIS_BENCH_PIPELINE_STAGES ?? 31));
  await benchPipelineResume(Number(process.env.AEGIS_BENCH_RESUME_RUNS ?? 5));
}
