import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareClaudeHome, type ClaudeHome } from '../fakes/claude-home.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { gitIn, initRepo } from '../helpers/git.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { CLAUDE_RELEASES } from '../helpers/real-claude.js';
import { call, callError, waitState } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

interface Created {
  id: string;
  name: string;
  worktree: { path: string; branch: string; baseRef: string };
}
interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  costUsd: number;
}

/**
 * Two real Claude Code 2.1.197 agents in worktrees of one repository, offline against the fake
 * Messages API: they change the same file without touching each other, their diffs read back, one is
 * merged and the other refused with its conflict listed, a kill keeps uncommitted work, prune removes
 * only clean worktrees, and the usage Aegis reports is the sum of what the fake model reported.
 */
describe('worktrees with the real Claude Code 2.1.197', { timeout: 240_000 }, () => {
  let fake: FakeAnthropic;
  let home: ClaudeHome;
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let root: string;
  let repo: string;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    // The repository and the worktrees folder share a parent Claude Code trusts (trust covers subfolders).
    root = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-e2e-wt-')));
    repo = join(root, 'project');
    mkdirSync(repo);
    initRepo(repo);
    home = await prepareClaudeHome({ workDirs: [root], apiKey: 'sk-ant-test-0123456789abcdefghijklmnop', baseUrl: fake.url });
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: CLAUDE_RELEASES['2.1.197'], AEGIS_STALL_SECONDS: '600', AEGIS_WORKTREES_DIR: join(root, 'worktrees') });
    mcp = await connectMcp(t.env);
  }, 120_000);
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
    await fake?.close();
    await home?.cleanup();
    rmSync(root, { recursive: true, force: true });
  }, 120_000);

  /** What the fake reported for the main conversation of one session (Claude Code sends its session id). */
  const reported = (agentSessionId: string) =>
    fake.requests
      .filter((r) => r.kind === 'main' && r.headers.sessionId === agentSessionId && r.usage && r.outcome === 'completed')
      .reduce(
        (sum, r) => ({
          input: sum.input + r.usage!.input_tokens,
          output: sum.output + r.usage!.output_tokens,
          cache: sum.cache + r.usage!.cache_creation_input_tokens + r.usage!.cache_read_input_tokens,
        }),
        { input: 0, output: 0, cache: 0 },
      );

  it('two agents, one file: isolated edits, diffs, one merge, one refusal, kill keeps work, prune removes clean ones, usage adds up', async () => {
    const start = (name: string, word: string) =>
      call<Created>(mcp.client, 'session_create', {
        workDir: repo,
        name,
        worktree: true,
        permissionMode: 'acceptEdits',
        env: home.env,
        prompt: `WRITE ${join(root, 'worktrees', 'project', name, 'app.txt')} ${word}`,
      });
    const a = await start('claude-a', 'alpha');
    const b = await start('claude-b', 'bravo');
    expect(a.worktree).toEqual({ path: join(root, 'worktrees', 'project', 'claude-a'), branch: 'aegis/claude-a', baseRef: 'main' });
    const fileA = join(a.worktree.path, 'app.txt');
    const fileB = join(b.worktree.path, 'app.txt');
    // The fake's Write puts the rest of the prompt as the whole file.
    await waitFor(() => readFileSync(fileA, 'utf8') === 'alpha' && readFileSync(fileB, 'utf8') === 'bravo', {
      timeoutMs: 90_000,
      what: 'both agents wrote app.txt in their worktrees',
    });
    await waitState(mcp.client, a.id, ['idle'], 50);
    await waitState(mcp.client, b.id, ['idle'], 50);
    expect(readFileSync(join(repo, 'app.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');

    const diffA = await call<{ files: { path: string; status: string }[]; patch: string }>(mcp.client, 'session_diff', { id: a.id });
    expect(diffA.files).toEqual([{ path: 'app.txt', status: 'M', added: 1, deleted: 3 }]);
    expect(diffA.patch).toContain('-three\n+alpha\n');
    const diffB = await call<{ patch: string }>(mcp.client, 'session_diff', { id: b.id });
    expect(diffB.patch).toContain('-three\n+bravo\n');
    expect(diffB.patch).not.toContain('alpha');

    const merged = await call<{ target: string; updatedCheckout?: string }>(mcp.client, 'session_merge', { id: a.id });
    expect(merged).toMatchObject({ target: 'main', updatedCheckout: repo });
    expect(readFileSync(join(repo, 'app.txt'), 'utf8')).toBe('alpha');
    const mainNow = gitIn(repo, 'rev-parse', 'main');
    expect(await callError(mcp.client, 'session_merge', { id: b.id })).toContain('conflicts in 1 file(s): app.txt');
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(mainNow);
    expect(readFileSync(fileB, 'utf8')).toBe('bravo');

    // Usage: per session, the sum of what the fake model reported for that session's conversation.
    for (const s of [a, b]) {
      const got = await call<{ usage: Usage; agentSessionId: string }>(mcp.client, 'session_get', { id: s.id });
      const want = reported(got.agentSessionId);
      expect(want.output).toBeGreaterThan(0);
      expect({ input: got.usage.inputTokens, output: got.usage.outputTokens, cache: got.usage.cacheCreationTokens + got.usage.cacheReadTokens }).toEqual(want);
      expect(got.usage.totalTokens).toBe(want.input + want.output + want.cache);
      expect(got.usage.costUsd).toBeGreaterThan(0);
    }

    // Kill keeps B's uncommitted work; A (merged, clean) goes with prune, B stays with the reason.
    const killedB = await call<{ worktreeState: { uncommitted: string[] } }>(mcp.client, 'session_kill', { id: b.id });
    expect(killedB.worktreeState.uncommitted).toEqual(['app.txt']);
    await call(mcp.client, 'session_kill', { id: a.id });
    const pruned = await runCli(['worktree', 'prune', '--json'], t.env);
    expect(pruned.code, pruned.stderr).toBe(0);
    const report = JSON.parse(pruned.stdout) as { removed: { session: string; branchDeleted: boolean }[]; kept: { session: string; reason: string }[] };
    expect(report.removed).toEqual([expect.objectContaining({ session: 'claude-a', branchDeleted: true })]);
    expect(report.kept).toEqual([expect.objectContaining({ session: 'claude-b', reason: '1 uncommitted file(s): app.txt' })]);
    expect(existsSync(a.worktree.path)).toBe(false);
    expect(readFileSync(fileB, 'utf8')).toBe('bravo');
    expect(readFileSync(join(repo, 'app.txt'), 'utf8')).toBe('alpha');
  });
});
