import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaudeHome } from '../fakes/claude-home.js';
import type { FakeAnthropic } from '../fakes/anthropic-server.js';
import { INSTALLED_RELEASES, startRealClaudeWorld, type RealClaudeWorld } from '../helpers/real-claude.js';
import { call } from '../helpers/sessions.js';
import { stageOf, waitPipeline, type PipelineOut } from '../integration/pipeline-helpers.js';

/**
 * Pipelines driving the REAL Claude Code offline, every installed release: the real `ag mcp` server, real tmux on a
 * private socket, and a fake Messages API that records what the model was asked.
 */
describe.each(INSTALLED_RELEASES)('pipelines with the real Claude Code %s', { timeout: 180_000 }, (release) => {
  let world: RealClaudeWorld;
  let fake: FakeAnthropic;
  let home: ClaudeHome;
  let workDir: string;
  let mcp: RealClaudeWorld['mcp'];

  beforeAll(async () => {
    world = await startRealClaudeWorld('e2e-pipeline', release);
    ({ fake, home, workDir, mcp } = world);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  }, 120_000);

  const mainPrompts = () => fake.requests.filter((r) => r.kind === 'main').map((r) => r.prompt);

  it("a 2-stage pipeline: the second stage's prompt carries the first stage's output to the model", async () => {
    const created = await call<PipelineOut>(mcp.client, 'pipeline_create', {
      name: 'e2e',
      workDir,
      env: home.env,
      stages: [
        { name: 'plan', prompt: 'plan the alpha-bravo-42 change' },
        { name: 'build', prompt: 'Build exactly this plan: {{stages.plan.output}}', dependsOn: ['plan'] },
      ],
    });
    const p = await waitPipeline(mcp.client, created.id, { timeoutMs: 120_000 });
    expect(p.status).toBe('done');
    expect(stageOf(p, 'plan').output).toBe('ECHO: plan the alpha-bravo-42 change');
    const expected = 'Build exactly this plan: ECHO: plan the alpha-bravo-42 change';
    expect(mainPrompts().filter((x) => x === expected)).toHaveLength(1);
    expect(mainPrompts().filter((x) => x === 'plan the alpha-bravo-42 change')).toHaveLength(1);
    expect(stageOf(p, 'build').output).toBe(`ECHO: ${expected}`);
    for (const s of p.stages) expect(s.attempts, s.name).toBe(1);
  });

  it("passes the files a stage wrote (from Claude Code's transcript) to the next stage", async () => {
    const target = join(workDir, 'notes.md');
    const p = await waitPipeline(
      mcp.client,
      (
        await call<PipelineOut>(mcp.client, 'pipeline_create', {
          name: 'e2e-files',
          workDir,
          env: home.env,
          stages: [
            { name: 'write', prompt: `WRITE ${target} hello-from-stage-one`, permissionMode: 'acceptEdits' },
            { name: 'check', prompt: 'Review the files: {{stages.write.files}}', dependsOn: ['write'] },
          ],
        })
      ).id,
      { timeoutMs: 120_000 },
    );
    expect(p.status).toBe('done');
    expect(readFileSync(target, 'utf8')).toContain('hello-from-stage-one');
    expect(stageOf(p, 'write').files).toEqual([target]);
    expect(mainPrompts()).toContain(`Review the files: ${target}`);
  });
});
