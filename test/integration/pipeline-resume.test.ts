import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { acquireLease } from '../../src/db/lease.js';
import { pipelineLease } from '../../src/pipelines/store.js';
import { validatePipeline } from '../../src/pipelines/validate.js';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, FAKE_CLAUDE } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';
import { getPipeline, killProcessTree, stageOf, waitPipeline, type PipelineOut } from './pipeline-helpers.js';

type Mcp = Awaited<ReturnType<typeof connectMcp>>;

/** The pid of a process that has exited: a lease holder known to be dead. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

/**
 * Pipelines survive the process that advances them: state is in SQLite, one lease holder advances a
 * pipeline, and a process that takes over adopts what was started instead of starting it again.
 */
describe('pipelines across processes', { timeout: 120_000 }, () => {
  let t: TestEnv;
  let workDir: string;
  let agentHome: string;
  const servers: Mcp[] = [];

  beforeAll(() => {
    agentHome = mkdtempSync(join(tmpdir(), 'aegis-agent-home-'));
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE, AEGIS_STALL_SECONDS: '600' });
    workDir = mkdtempSync(join(tmpdir(), 'aegis-pipeline-work-'));
  }, 120_000);
  afterAll(async () => {
    for (const s of servers) await s.close().catch(() => {});
    t?.cleanup();
  }, 120_000);

  const stageEnv = () => ({ HOME: agentHome, FAKE_CLAUDE_SPEED: '0.2' });
  const stderr: string[] = [];
  const server = async () => {
    const s = await connectMcp(t.env);
    const n = stderr.push('') - 1;
    s.transport.stderr?.on('data', (d: Buffer) => (stderr[n] += d.toString()));
    servers.push(s);
    return s;
  };
  // A server that died shows why on the test's failure.
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') stderr.forEach((text, i) => text && console.error(`ag mcp #${i} stderr:\n${text}`));
  });
  const sessionNames = async (client: Mcp['client'], prefix: string) =>
    (await call<{ sessions: { name: string }[] }>(client, 'session_list', { limit: 500 })).sessions
      .map((s) => s.name)
      .filter((n) => n.startsWith(`${prefix}-`))
      .sort();

  it('resumes from a new process after the advancing one is killed, starting no stage twice', async () => {
    const first = await server();
    const created = await call<PipelineOut>(first.client, 'pipeline_create', {
      name: 'resume',
      workDir,
      env: stageEnv(),
      stages: [
        { name: 'A', prompt: 'quick-a' },
        { name: 'B', prompt: 'DELAY 2000 b from {{stages.A.output}}', dependsOn: ['A'] },
        { name: 'C', prompt: 'c from {{stages.B.output}}', dependsOn: ['B'] },
        { name: 'D', prompt: 'DELAY 6000 long d', dependsOn: ['A'] },
      ],
    });
    const running = await waitFor(
      async () => {
        const p = await getPipeline(first.client, created.id);
        return stageOf(p, 'B').sessionState === 'working' && stageOf(p, 'D').sessionId ? p : undefined;
      },
      { timeoutMs: 20_000, what: 'B working' },
    );
    const bSession = stageOf(running, 'B').sessionId!;

    // The server and its `tmux -C` client die together: a control client left orphaned can stall
    // tmux 3.3a's panes until it is gone, a session-engine matter this test is not about.
    killProcessTree(first.transport.pid!);
    // B finishes while no Aegis process watches: its Stop hook lands in the hooks file only.
    const hooks = join(t.home, 'sessions', bSession, 'hooks.jsonl');
    await waitFor(() => existsSync(hooks) && readFileSync(hooks, 'utf8').includes('"hook_event_name":"Stop"'), { timeoutMs: 20_000, what: "B's Stop hook" });

    const second = await server();
    const p = await waitPipeline(second.client, created.id);
    expect(p.status).toBe('done');
    for (const s of p.stages) {
      expect(s.attempts, s.name).toBe(1);
      expect(s.history, s.name).toHaveLength(1);
    }
    expect(stageOf(p, 'B').sessionId).toBe(bSession);
    expect(stageOf(p, 'B').output).toBe('ECHO: b from ECHO: quick-a');
    expect(stageOf(p, 'C').output).toBe('ECHO: c from ECHO: b from ECHO: quick-a');
    expect(stageOf(p, 'D').output).toBe('ECHO: long d');
    expect(await sessionNames(second.client, 'resume')).toEqual(['resume-A-1', 'resume-B-1', 'resume-C-1', 'resume-D-1']);
  });

  it('two servers at once never start a stage twice', async () => {
    const a = await server();
    const b = await server();
    const stages = [
      { name: 'root', prompt: 'root' },
      ...Array.from({ length: 5 }, (_, i) => ({ name: `leaf${i}`, prompt: `leaf ${i} of {{stages.root.output}}`, dependsOn: ['root'] })),
    ];
    // Created by a one-shot CLI process, so both servers' runners race for the lease.
    const r = await runCli(
      [
        'pipeline',
        'create',
        '--name',
        'twins',
        '--work-dir',
        workDir,
        '--stages',
        JSON.stringify(stages),
        '--env',
        `HOME=${agentHome}`,
        '--env',
        'FAKE_CLAUDE_SPEED=0.2',
        '--json',
      ],
      t.env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = (JSON.parse(r.stdout) as { id: string }).id;
    const p = await waitPipeline(a.client, id);
    expect(p.status).toBe('done');
    for (const s of p.stages) expect(s.attempts, s.name).toBe(1);
    expect(await sessionNames(b.client, 'twins')).toEqual([
      'twins-leaf0-1',
      'twins-leaf1-1',
      'twins-leaf2-1',
      'twins-leaf3-1',
      'twins-leaf4-1',
      'twins-root-1',
    ]);
  });

  it('adopts the session of a claim whose id was never recorded, and starts a claimed one that never got its session', async () => {
    // Nothing else may advance pipelines meanwhile: this test plays the crashed process itself.
    for (const s of servers.splice(0)) await s.close();
    const app = new App({ env: t.env });
    try {
      await waitFor(() => !app.db.prepare("SELECT 1 FROM leases WHERE name LIKE 'pipeline-runner:%' AND expires_at > ?").get(Date.now()), {
        what: 'the servers to let go',
      });
      const spec = validatePipeline(
        {
          name: 'adopt',
          workDir,
          env: stageEnv(),
          stages: [
            { name: 'A', prompt: 'adopt me' },
            { name: 'B', prompt: 'start me' },
            { name: 'C', prompt: 'then {{stages.A.output}}', dependsOn: ['A'] },
          ],
        },
        { defaultMaxConcurrent: 4, memoryHas: () => false },
      );
      const store = app.pipelines.store;
      const row = store.insert('adopt-pipeline', spec, Date.now());
      // A process that has died: it held the lease, claimed A and B, created A's session, then was killed.
      const dead = `${hostname()}:${await deadPid()}:gone`;
      acquireLease(app.db, pipelineLease(row.id), dead, 60_000);
      const a = store.claim({ pipelineId: row.id, stage: 'A' }, dead, row.sessionPrefix, 'adopt me', Date.now())!;
      const b = store.claim({ pipelineId: row.id, stage: 'B' }, dead, row.sessionPrefix, 'start me', Date.now())!;
      await app.sessions.start();
      const made = await app.sessions.create({ workDir, prompt: a.prompt, agent: 'claude', name: a.sessionName, env: stageEnv() });

      await app.pipelines.start();
      const view = await waitFor(
        () => {
          const v = app.pipelines.view(row.id);
          return v.status !== 'running' ? v : undefined;
        },
        { timeoutMs: 30_000, what: 'the adopted pipeline to finish' },
      );
      expect(view.status).toBe('done');
      const A = view.stages.find((s) => s.name === 'A')!;
      const B = view.stages.find((s) => s.name === 'B')!;
      expect(A).toMatchObject({ attempts: 1, sessionId: made.session.id, output: 'ECHO: adopt me' });
      expect(B).toMatchObject({ attempts: 1, sessionName: b.sessionName, output: 'ECHO: start me' });
      expect(view.stages.find((s) => s.name === 'C')!.output).toBe('ECHO: then ECHO: adopt me');
      const names = app.sessions.store
        .list({ limit: 500, offset: 0 })
        .sessions.map((s) => s.name)
        .filter((n) => n.startsWith('adopt-'))
        .sort();
      expect(names).toEqual(['adopt-A-1', 'adopt-B-1', 'adopt-C-1']);
    } finally {
      await app.close();
    }
  });
});
