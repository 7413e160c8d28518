import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopCodexDaemons } from '../../src/agents/codex/daemon.js';
import { startFakeResponses, type FakeResponses } from '../fakes/openai-responses-server.js';
import { ROOT } from '../helpers/env.js';
import { hasClaude, startRealClaudeWorld, type RealClaudeWorld } from '../helpers/real-claude.js';
import { call } from '../helpers/sessions.js';
import { stageOf, waitPipeline, type PipelineOut } from '../integration/pipeline-helpers.js';

const CODEX = join(ROOT, 'node_modules', '@openai', 'codex', 'bin', 'codex.js');

/**
 * One pipeline, two agents: the plan stage runs in the REAL Claude Code 2.1.197 against the fake
 * Messages API, the build stage in the REAL Codex CLI against the fake Responses API. Which fake
 * received which prompt shows which agent ran each stage.
 */
describe.skipIf(!hasClaude || !existsSync(CODEX))('a pipeline that plans with Claude Code and builds with Codex', { timeout: 300_000 }, () => {
  let world: RealClaudeWorld;
  let responses: FakeResponses;

  beforeAll(async () => {
    responses = await startFakeResponses();
    // The Codex stage's temp work folder is ours: trusted up front, so no trust dialog holds the pipeline.
    world = await startRealClaudeWorld('e2e-mixed', '2.1.197', {
      AEGIS_CODEX_COMMAND: CODEX,
      AEGIS_CODEX_BASE_URL: `${responses.url}/v1`,
      AEGIS_TRUST_WORK_FOLDERS: 'true',
    });
  }, 120_000);
  afterAll(async () => {
    // Codex's background servers outlive their panes until stopped (the runner stops them; a failed test may not).
    const sessions = world ? join(world.t.home, 'sessions') : undefined;
    for (const dir of sessions && existsSync(sessions) ? readdirSync(sessions) : []) stopCodexDaemons(join(sessions!, dir, 'codex-home'));
    await world?.close();
    await responses?.close();
  }, 120_000);

  it('runs each stage in its own agent and hands the plan to Codex', async () => {
    const { mcp, home, workDir, fake } = world;
    const plan = 'plan the charlie-delta-7 change';
    const build = `Build exactly this plan: ECHO: ${plan}`;
    const created = await call<PipelineOut>(mcp.client, 'pipeline_create', {
      name: 'mixed',
      workDir,
      env: { ...home.env, OPENAI_API_KEY: 'sk-fake-codex' },
      stages: [
        { name: 'plan', prompt: plan, agent: 'claude' },
        { name: 'build', prompt: 'Build exactly this plan: {{stages.plan.output}}', dependsOn: ['plan'], agent: 'codex' },
      ],
    });
    // Codex's first start unpacks its background server into the Aegis home: allow for it.
    const p = await waitPipeline(mcp.client, created.id, { timeoutMs: 240_000 });
    expect(p.status, JSON.stringify(p.stages.map((s) => [s.name, s.status, s.error]))).toBe('done');
    expect(p.stages.map((s) => [s.name, s.agent])).toEqual([
      ['plan', 'claude'],
      ['build', 'codex'],
    ]);

    // The plan went to Claude Code's model only, the build (carrying the plan) to Codex's only.
    const claudePrompts = fake.requests.filter((r) => r.kind === 'main').map((r) => r.prompt);
    const codexPrompts = responses.requests.filter((r) => r.kind === 'turn' && r.toolOutput === undefined).map((r) => r.prompt);
    expect(claudePrompts.filter((x) => x === plan)).toHaveLength(1);
    expect(claudePrompts).not.toContain(build);
    expect(codexPrompts.filter((x) => x === build)).toHaveLength(1);
    expect(codexPrompts).not.toContain(plan);
    expect(stageOf(p, 'plan').output).toBe(`ECHO: ${plan}`);
    expect(stageOf(p, 'build').output).toBe(`ECHO: ${build}`);

    // Each stage's session was started as that agent.
    for (const [name, agent] of [
      ['plan', 'claude'],
      ['build', 'codex'],
    ] as const) {
      const s = await call<{ agent: string; argv?: string[] }>(mcp.client, 'session_get', { id: stageOf(p, name).sessionId });
      expect(s.agent, name).toBe(agent);
    }
  });
});
