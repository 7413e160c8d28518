import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { gitIn, makeRepo } from '../helpers/git.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, callError } from '../helpers/sessions.js';
import { stageOf, waitPipeline, type PipelineOut } from './pipeline-helpers.js';

/** Pipeline stages in their own worktrees; a later stage starts from an earlier stage's branch. */
describe('pipeline stages in worktrees (real git, shell stages)', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let repo: string;
  beforeAll(async () => {
    t = makeTestEnv();
    repo = makeRepo('aegis-pipe-wt-');
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  it("the second stage's worktree starts from the first stage's branch", async () => {
    const created = await call<PipelineOut>(mcp.client, 'pipeline_create', {
      name: 'wt',
      workDir: repo,
      stages: [
        {
          name: 'first',
          agent: 'shell',
          worktree: true,
          prompt:
            'echo first > first.txt && git -c user.name=T -c user.email=t@e add first.txt && git -c user.name=T -c user.email=t@e commit -qm first && echo committed',
        },
        { name: 'second', agent: 'shell', worktree: true, baseRef: '{{stages.first.branch}}', dependsOn: ['first'], prompt: 'cat first.txt' },
      ],
      budget: { tokens: 1000 },
    });
    const p = await waitPipeline(mcp.client, created.id, { timeoutMs: 60_000 });
    expect(p.status).toBe('done');
    const second = await call<{ worktree: { path: string; branch: string; baseRef: string } }>(mcp.client, 'session_get', {
      id: stageOf(p, 'second').sessionId!,
    });
    const first = await call<{ worktree: { branch: string } }>(mcp.client, 'session_get', { id: stageOf(p, 'first').sessionId! });
    expect(second.worktree.baseRef).toBe(first.worktree.branch);
    expect(readFileSync(join(second.worktree.path, 'first.txt'), 'utf8')).toBe('first\n');
    expect(gitIn(repo, 'ls-files')).toBe('app.txt\n'); // the user's checkout is untouched
    // Shell stages keep no usage records: the pipeline's usage is absent, its budget shown unused.
    const got = await call<{ budget?: { tokens?: number; usedPercent: number } }>(mcp.client, 'pipeline_get', { id: created.id });
    expect(got.budget).toEqual({ tokens: 1000, usedPercent: 0 });
  });

  it("a stage started from an earlier stage's branch gets that stage's work even when its agent left it uncommitted", async () => {
    const created = await call<PipelineOut>(mcp.client, 'pipeline_create', {
      name: 'wt-loose',
      workDir: repo,
      stages: [
        // Agents often edit and stop without committing.
        { name: 'write', agent: 'shell', worktree: true, prompt: 'echo drafted > draft.txt && echo written' },
        { name: 'review', agent: 'shell', worktree: true, baseRef: '{{stages.write.branch}}', dependsOn: ['write'], prompt: 'cat draft.txt' },
      ],
    });
    const p = await waitPipeline(mcp.client, created.id, { timeoutMs: 60_000 });
    expect(p.status).toBe('done');
    const review = await call<{ worktree: { path: string } }>(mcp.client, 'session_get', { id: stageOf(p, 'review').sessionId! });
    expect(readFileSync(join(review.worktree.path, 'draft.txt'), 'utf8')).toBe('drafted\n');
    const write = await call<{ worktree: { path: string; branch: string } }>(mcp.client, 'session_get', { id: stageOf(p, 'write').sessionId! });
    // Committed on the writing stage's branch, its files left as they were.
    expect(gitIn(repo, 'show', `${write.worktree.branch}:draft.txt`)).toBe('drafted\n');
    expect(gitIn(write.worktree.path, 'status', '--porcelain')).toBe('');
    expect(gitIn(repo, 'ls-files')).toBe('app.txt\n');
  });

  it('refuses a branch reference to a stage that is not a dependency or has no worktree', async () => {
    const stages = (extra: Record<string, unknown>) => [
      { name: 'a', agent: 'shell', prompt: 'true' },
      { name: 'b', agent: 'shell', prompt: 'true', worktree: true, baseRef: '{{stages.a.branch}}', ...extra },
    ];
    expect(await callError(mcp.client, 'pipeline_create', { name: 'bad1', workDir: repo, stages: stages({}) })).toMatch(
      /stages\[1\]\.baseRef.*not one of its dependencies/s,
    );
    expect(await callError(mcp.client, 'pipeline_create', { name: 'bad2', workDir: repo, stages: stages({ dependsOn: ['a'] }) })).toMatch(
      /stages\[1\]\.baseRef.*has no worktree/s,
    );
  });
});
