import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, callError, FAKE_CLAUDE } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';
import { getPipeline, stageOf, waitPipeline, type PipelineOut } from './pipeline-helpers.js';

/**
 * Pipelines end to end through the real `ag mcp` server: real tmux on a private socket, the fake
 * Claude Code in every stage, SQLite in a temp AEGIS_HOME.
 */
describe('pipelines with a fake Claude Code in real tmux', { timeout: 120_000 }, () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let workDir: string;
  let agentHome: string;

  beforeAll(async () => {
    agentHome = mkdtempSync(join(tmpdir(), 'aegis-agent-home-'));
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE, AEGIS_STALL_SECONDS: '600' });
    workDir = mkdtempSync(join(tmpdir(), 'aegis-pipeline-work-'));
    mcp = await connectMcp(t.env);
  }, 120_000);
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  }, 120_000);

  const env = () => ({ HOME: agentHome, FAKE_CLAUDE_SPEED: '0.2' });
  const create = (name: string, stages: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
    call<PipelineOut>(mcp.client, 'pipeline_create', { name, workDir, env: env(), stages, ...extra });
  const sessionNames = async (prefix: string) =>
    (await call<{ sessions: { name: string }[] }>(mcp.client, 'session_list', { limit: 500 })).sessions
      .map((s) => s.name)
      .filter((n) => n.startsWith(`${prefix}-`))
      .sort();
  /** What the agent of a stage was asked: the first user turn of its session's transcript. */
  const promptOf = async (sessionId: string) => {
    const turns = await waitFor(
      async () => {
        const r = await call<{ turns: { role: string; text?: string }[] }>(mcp.client, 'session_read', { id: sessionId });
        return r.turns.find((x) => x.role === 'user') ? r.turns : undefined;
      },
      { what: 'the stage transcript' },
    );
    return turns.find((x) => x.role === 'user')!.text;
  };

  it("runs a diamond: B and C in parallel on A's output, D on both", async () => {
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const created = await create('diamond', [
      { name: 'A', prompt: 'plan-alpha' },
      { name: 'B', prompt: 'DELAY 1500 build from {{stages.A.output}}', dependsOn: ['A'] },
      { name: 'C', prompt: 'DELAY 1500 docs from {{stages.A.output}}', dependsOn: ['A'] },
      { name: 'D', prompt: 'merge [{{stages.B.output}}] [{{stages.C.output}}]', dependsOn: ['B', 'C'] },
    ]);
    expect(created.status).toBe('running');
    expect(created.progress).toBe('0/4');

    const p = await waitPipeline(mcp.client, created.id, { onProgress: (x) => progress.push(x) });
    expect(p.status).toBe('done');
    expect(p.progress).toBe('4/4');
    const [a, b, c, d] = ['A', 'B', 'C', 'D'].map((n) => stageOf(p, n));
    expect(a!.output).toBe('ECHO: plan-alpha');
    expect(b!.output).toBe('ECHO: build from ECHO: plan-alpha');
    expect(c!.output).toBe('ECHO: docs from ECHO: plan-alpha');
    expect(d!.output).toBe(`ECHO: merge [${b!.output}] [${c!.output}]`);
    expect(await promptOf(d!.sessionId!)).toBe(`merge [${b!.output}] [${c!.output}]`);
    // B and C ran at the same time: each started before the other finished.
    const t0 = (s: typeof b) => Date.parse(s!.startedAt!);
    const t1 = (s: typeof b) => Date.parse(s!.finishedAt!);
    expect(t0(b)).toBeLessThan(t1(c));
    expect(t0(c)).toBeLessThan(t1(b));
    expect(t0(b)).toBeGreaterThanOrEqual(t1(a));
    expect(t0(d)).toBeGreaterThanOrEqual(Math.max(t1(b), t1(c)));
    for (const s of p.stages) expect(s.attempts).toBe(1);
    expect(await sessionNames('diamond')).toEqual(['diamond-A-1', 'diamond-B-1', 'diamond-C-1', 'diamond-D-1']);
    // Finished stages' agents are stopped; the transcript stays readable (promptOf above).
    await waitFor(
      async () =>
        (await Promise.all(p.stages.map((s) => call<{ state: string }>(mcp.client, 'session_get', { id: s.sessionId! })))).every((x) => x.state === 'exited'),
      { what: 'stage sessions stopped' },
    );
    // Progress notifications counted stages done.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((x) => x.total === 4)).toBe(true);
    expect(progress.map((x) => x.progress)).toContain(4);

    const listed = await call<{ pipelines: { id: string; status: string; progress: string }[] }>(mcp.client, 'pipeline_list', {});
    expect(listed.pipelines.find((x) => x.id === created.id)).toMatchObject({ status: 'done', progress: '4/4' });
  });

  it('fills in memory values and lists the files a stage wrote', async () => {
    await call(mcp.client, 'memory_set', { key: 'pipeline/goal', value: 'ship-the-widget' });
    const target = join(workDir, 'written.txt');
    const p = await waitPipeline(
      mcp.client,
      (
        await create('memfiles', [
          { name: 'write', prompt: `WRITE ${target} hello`, permissionMode: 'acceptEdits' },
          { name: 'use', prompt: 'goal {{memory.pipeline/goal}} files {{stages.write.files}}', dependsOn: ['write'] },
        ])
      ).id,
    );
    expect(p.status).toBe('done');
    expect(stageOf(p, 'write').files).toEqual([target]);
    expect(stageOf(p, 'use').output).toBe(`ECHO: goal ship-the-widget files ${target}`);
  });

  it('retries a failing stage in fresh sessions; with onFailure "continue" runs what does not depend on it', async () => {
    const p = await waitPipeline(
      mcp.client,
      (
        await create(
          'retry',
          [
            { name: 'crash', prompt: 'CRASH', retries: 2 },
            { name: 'apierr', prompt: 'FAIL', retries: 1 },
            { name: 'after-crash', prompt: 'never {{stages.crash.output}}', dependsOn: ['crash'] },
            { name: 'after-after', prompt: 'never either', dependsOn: ['after-crash'] },
            { name: 'ok', prompt: 'DELAY 500 fine' },
            { name: 'after-ok', prompt: 'also fine', dependsOn: ['ok'] },
          ],
          { onFailure: 'continue' },
        )
      ).id,
    );
    expect(p.status).toBe('failed');
    const crash = stageOf(p, 'crash');
    expect(crash).toMatchObject({ status: 'failed', attempts: 3, maxAttempts: 3 });
    expect(crash.history.map((h) => h.sessionName)).toEqual(['retry-crash-1', 'retry-crash-2', 'retry-crash-3']);
    expect(new Set(crash.history.map((h) => h.sessionId)).size).toBe(3);
    // The status is reported when tmux has reaped the agent by then (it can lag under load).
    expect(crash.history.every((h) => h.status === 'failed' && /^the agent exited( with status 3)? before finishing its turn$/.test(h.error ?? ''))).toBe(true);
    expect(crash.error).toMatch(/^attempt 3 of 3: the agent exited( with status 3)? before finishing its turn$/);
    const apierr = stageOf(p, 'apierr');
    expect(apierr).toMatchObject({ status: 'failed', attempts: 2 });
    expect(apierr.error).toContain('API Error');
    expect(stageOf(p, 'after-crash')).toMatchObject({ status: 'skipped', attempts: 0 });
    expect(stageOf(p, 'after-after')).toMatchObject({ status: 'skipped', attempts: 0 });
    expect(stageOf(p, 'ok')).toMatchObject({ status: 'done', output: 'ECHO: fine' });
    expect(stageOf(p, 'after-ok')).toMatchObject({ status: 'done', output: 'ECHO: also fine' });
    expect(p.error).toContain('"crash" failed');
  });

  it('a stage that fails once succeeds on its retry, in a fresh session', async () => {
    const marker = join(workDir, 'flaky-marker');
    const p = await waitPipeline(
      mcp.client,
      (await create('flaky', [{ name: 'flaky', agent: 'shell', prompt: `test -e ${marker} || { touch ${marker}; exit 3; }; echo second-try-ok`, retries: 1 }]))
        .id,
    );
    const s = stageOf(p, 'flaky');
    expect(s, JSON.stringify(s)).toMatchObject({ status: 'done', attempts: 2 });
    expect(s.history.map((h) => h.status)).toEqual(['failed', 'done']);
    expect(s.history[0]!.error).toMatch(/^the agent exited( with status 3)? before finishing its turn$/);
    expect(s.output).toContain('second-try-ok');
  });

  it('onFailure "stop" cancels the stages that have not started and lets running ones finish', async () => {
    const p = await waitPipeline(
      mcp.client,
      (
        await create('stop', [
          { name: 'bad', prompt: 'FAIL' },
          { name: 'slow', prompt: 'DELAY 2000 slow one' },
          { name: 'after-bad', prompt: 'x', dependsOn: ['bad'] },
          { name: 'after-slow', prompt: 'y', dependsOn: ['slow'] },
        ])
      ).id,
    );
    expect(p.status).toBe('failed');
    expect(Object.fromEntries(p.stages.map((s) => [s.name, s.status]))).toEqual({
      bad: 'failed',
      slow: 'done',
      'after-bad': 'cancelled',
      'after-slow': 'cancelled',
    });
    expect(stageOf(p, 'after-slow').error).toContain('onFailure is "stop"');
  });

  it("cancel stops the running stages' sessions and marks the rest cancelled", async () => {
    const created = await create('cancel', [
      { name: 'long', prompt: 'DELAY 30000 long one' },
      { name: 'next', prompt: 'z', dependsOn: ['long'] },
    ]);
    const running = await waitFor(
      async () => {
        const p = await getPipeline(mcp.client, created.id);
        return stageOf(p, 'long').sessionState === 'working' ? p : undefined;
      },
      { timeoutMs: 20_000, what: 'the long stage to work' },
    );
    const sessionId = stageOf(running, 'long').sessionId!;
    const r = await call<PipelineOut & { cancelledStages: string[]; killedSessions: string[] }>(mcp.client, 'pipeline_cancel', { id: created.id });
    expect(r.status).toBe('cancelled');
    expect(r.cancelledStages.sort()).toEqual(['long', 'next']);
    expect(r.killedSessions).toEqual([sessionId]);
    expect(Object.fromEntries(r.stages.map((s) => [s.name, s.status]))).toEqual({ long: 'cancelled', next: 'cancelled' });
    expect((await call<{ state: string }>(mcp.client, 'session_get', { id: sessionId })).state).toBe('exited');
    expect(await callError(mcp.client, 'pipeline_cancel', { id: created.id })).toMatch(/already finished: cancelled/);
    const after = await waitPipeline(mcp.client, created.id);
    expect(after.status).toBe('cancelled');
    expect(await sessionNames('cancel')).toEqual(['cancel-long-1']);
  });

  it('shows a permission dialog of a default-mode stage and goes on once it is approved', async () => {
    const file = join(workDir, 'approved.txt');
    const created = await create('dialog', [
      { name: 'ask', prompt: `RUN echo approved > ${file}`, permissionMode: 'default' },
      { name: 'free', prompt: `RUN echo bypassed > ${join(workDir, 'bypassed.txt')}`, permissionMode: 'bypassPermissions' },
    ]);
    const waiting = await waitFor(
      async () => {
        const p = await getPipeline(mcp.client, created.id);
        return stageOf(p, 'ask').dialog ? p : undefined;
      },
      { timeoutMs: 20_000, what: 'the dialog in pipeline_get' },
    );
    const ask = stageOf(waiting, 'ask');
    expect(ask).toMatchObject({ status: 'running', sessionState: 'permission_prompt' });
    expect(ask.dialog).toMatchObject({ kind: 'permission', tool: 'Bash' });
    expect(ask.dialog!.command).toContain('echo approved');
    await call(mcp.client, 'session_approve', { id: ask.sessionId! });
    const p = await waitPipeline(mcp.client, created.id);
    expect(p.status).toBe('done');
    expect(readFileSync(file, 'utf8').trim()).toBe('approved');
    expect(existsSync(join(workDir, 'bypassed.txt'))).toBe(true);
    expect(stageOf(p, 'ask').output).toMatch(/^RAN:/);
  });

  it('fails a stage whose dialog is left unanswered past its timeout', async () => {
    // The timeout counts from the claim, start-up included: 10 s leaves a loaded machine time to show the dialog first.
    const { id } = await create('timeout', [{ name: 'stuck', prompt: 'RUN echo never', timeoutSec: 10, permissionMode: 'default' }]);
    const shown = await waitFor(
      async () => {
        const s = stageOf(await getPipeline(mcp.client, id), 'stuck');
        return s.dialog || ['done', 'failed', 'cancelled'].includes(s.status) ? s : undefined;
      },
      { timeoutMs: 20_000, what: 'the stage on its dialog' },
    );
    expect(shown, JSON.stringify(shown)).toMatchObject({ status: 'running', sessionState: 'permission_prompt' });
    const s = stageOf(await waitPipeline(mcp.client, id), 'stuck');
    expect(s, JSON.stringify(s)).toMatchObject({ status: 'failed' });
    expect(s.error).toMatch(/timed out after 10 s, left waiting on a permission dialog for Bash: echo never/);
    await waitFor(async () => (await call<{ state: string }>(mcp.client, 'session_get', { id: s.sessionId! })).state === 'exited', {
      what: 'the stuck session stopped',
    });
  });

  it('rejects a bad definition with one error naming the stage, and starts nothing', async () => {
    const err = await callError(mcp.client, 'pipeline_create', {
      name: 'bad',
      workDir,
      stages: [
        { name: 'a', prompt: 'x', dependsOn: ['b'] },
        { name: 'b', prompt: 'y', dependsOn: ['a'] },
      ],
    });
    expect(err).toMatch(/stages\[\d\]\.dependsOn: stages "(a|b)" → "(a|b)" → "(a|b)" form a cycle/);
    const listed = await call<{ pipelines: { name: string }[] }>(mcp.client, 'pipeline_list', {});
    expect(listed.pipelines.some((x) => x.name === 'bad')).toBe(false);
    expect(await callError(mcp.client, 'pipeline_get', { id: 'nope-nope' })).toMatch(/no such pipeline/);
  });
});
