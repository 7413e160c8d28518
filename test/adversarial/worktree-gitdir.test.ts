import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitsSince } from '../../src/messaging/notifications/briefing.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { gitIn, makeRepo } from '../helpers/git.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, callError } from '../helpers/sessions.js';

interface Created {
  id: string;
  worktree: { path: string };
}

/**
 * An agent confined to its worktree (a sandbox that lets it write only there) can still rewrite the
 * worktree's `.git` file, which tells git where the repository is, to point at a git directory of its
 * own making. Aegis runs git in that folder unconfined (session_kill and worktree_prune look at what it
 * holds, session_diff and session_merge snapshot it), so that directory's config must never be read:
 * its core.fsmonitor is a program git runs on every status and add.
 */
describe('a session worktree whose .git file the agent pointed at its own git directory', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let repo: string;

  beforeAll(async () => {
    t = makeTestEnv();
    repo = makeRepo('aegis-wt-gitdir-');
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  /** What the agent does: a git directory inside its worktree whose fsmonitor writes `marker`, and .git pointing there. */
  const hijack = (worktree: string, marker: string) => {
    const own = join(worktree, '.own-git');
    execFileSync('git', ['init', '--quiet', '--bare', own]);
    execFileSync('git', ['-C', own, 'config', 'core.bare', 'false']);
    execFileSync('git', ['-C', own, 'config', 'core.fsmonitor', `touch '${marker}'; false`]);
    writeFileSync(join(worktree, '.git'), `gitdir: ${own}\n`);
  };

  it('kill, diff, merge and prune never run its programs, and report the worktree as git records it', async () => {
    const s = await call<Created>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', worktree: true });
    const w = s.worktree.path;
    const marker = join(t.home, 'fsmonitor-ran');
    writeFileSync(join(w, 'app.txt'), 'one\ntwo\nthree\nfour\n');
    hijack(w, marker);

    const killed = await call<{ worktreeState: { uncommitted: string[] } }>(mcp.client, 'session_kill', { id: s.id });
    expect(existsSync(marker), 'session_kill ran the fsmonitor of the agent-made git directory').toBe(false);
    // The repository's own view: the edited file, and the agent's folder as untracked files.
    expect(killed.worktreeState.uncommitted).toContain('app.txt');

    const diff = await call<{ files: { path: string }[] }>(mcp.client, 'session_diff', { id: s.id });
    expect(existsSync(marker), 'session_diff ran it').toBe(false);
    expect(diff.files.map((f) => f.path)).toContain('app.txt');

    const pruned = await call<{ kept: { path: string; reason: string }[] }>(mcp.client, 'worktree_prune', {});
    expect(existsSync(marker), 'worktree_prune ran it').toBe(false);
    expect(pruned.kept.map((k) => k.path)).toContain(w);

    await call(mcp.client, 'session_merge', { id: s.id });
    expect(existsSync(marker), 'session_merge ran it').toBe(false);
    expect(execFileSync('git', ['-C', repo, 'show', 'main:app.txt'], { encoding: 'utf8' })).toBe('one\ntwo\nthree\nfour\n');
  });

  it("a worktree session created from a folder inside another agent's worktree never runs that agent's git programs", async () => {
    const a = await call<Created & { name: string }>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', worktree: true });
    const w = a.worktree.path;
    const marker = join(t.home, 'hook-ran');
    // The agent's own repository inside its worktree, with a hook git runs after `worktree add`, and
    // the worktree's .git pointing at it: discovery from any folder of the worktree now finds it.
    const evil = join(w, 'evil');
    gitIn(w, 'init', '--quiet', '-b', 'trap', evil);
    writeFileSync(join(evil, 'bait.txt'), 'bait\n');
    gitIn(evil, 'add', 'bait.txt');
    gitIn(evil, 'commit', '--quiet', '-m', 'bait');
    writeFileSync(join(evil, '.git', 'hooks', 'post-checkout'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
    execFileSync('git', ['-C', evil, 'config', 'core.fsmonitor', `touch '${marker}'; false`]);
    writeFileSync(join(w, '.git'), `gitdir: ${join(evil, '.git')}\n`);

    // From the worktree's top (through its .git) and from the agent's nested repository alike.
    for (const workDir of [w, evil]) {
      const b = await call<Created & { worktree: { branch: string; baseRef: string } }>(mcp.client, 'session_create', {
        workDir,
        agent: 'shell',
        worktree: true,
      });
      expect(existsSync(marker), `session_create from ${workDir} ran a program of the agent-made repository`).toBe(false);
      // The new worktree is of the user's repository, from the branch it records checked out in that worktree.
      expect(b.worktree.baseRef).toBe(`aegis/${a.name}`);
      expect(existsSync(join(b.worktree.path, 'app.txt'))).toBe(true);
      expect(existsSync(join(b.worktree.path, 'bait.txt'))).toBe(false);
      expect(gitIn(repo, 'worktree', 'list')).toContain(b.worktree.path);
      await call(mcp.client, 'session_kill', { id: b.id });
    }
    await call(mcp.client, 'session_kill', { id: a.id });
  });

  it('a worktree session created from a folder in the worktrees area that no session records is refused, running nothing there', async () => {
    // A worktree in Aegis's area that no session records (a create stopped before recording it, whose
    // agent ran meanwhile), its .git pointed at the agent's own repository, with a hook and an fsmonitor.
    const stale = join(realpathSync(t.home), 'worktrees', repo.split('/').pop()!, 'stale');
    gitIn(repo, 'worktree', 'add', '--quiet', '-b', 'aegis/stale', stale, 'main');
    const marker = join(t.home, 'stale-hook-ran');
    const evil = join(stale, 'evil');
    gitIn(stale, 'init', '--quiet', '-b', 'trap', evil);
    gitIn(evil, 'commit', '--quiet', '--allow-empty', '-m', 'bait');
    writeFileSync(join(evil, '.git', 'hooks', 'post-checkout'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
    execFileSync('git', ['-C', evil, 'config', 'core.fsmonitor', `touch '${marker}'; false`]);
    writeFileSync(join(stale, '.git'), `gitdir: ${join(evil, '.git')}\n`);

    for (const workDir of [evil, stale, join(realpathSync(t.home), 'worktrees')]) {
      const refused = await callError(mcp.client, 'session_create', { workDir, agent: 'shell', worktree: true });
      expect(existsSync(marker), `session_create from ${workDir} ran a program of the agent-made repository`).toBe(false);
      expect(refused).toContain('workDir');
      expect(refused).toContain(`${workDir} is in Aegis's worktrees folder`);
    }
    expect(gitIn(repo, 'worktree', 'list')).not.toContain('aegis/trap');
    rmSync(stale, { recursive: true, force: true });
    gitIn(repo, 'worktree', 'prune');
  });

  it("the briefing's commits of a session's folder never run a program of the repository its agent pointed .git at", async () => {
    const w = join(t.home, 'briefing-wt');
    gitIn(repo, 'worktree', 'add', '--quiet', '-b', 'aegis/briefing', w, 'main');
    const top = realpathSync(w);
    const marker = join(t.home, 'upload-pack-ran');
    // The agent's repository is a partial clone missing its commit's parent: git log fetches it
    // from the promisor remote, running the remote's uploadpack, which the agent's config names.
    const evil = join(top, 'evil');
    gitIn(top, 'init', '--quiet', '-b', 'main', evil);
    gitIn(evil, 'commit', '--quiet', '--allow-empty', '-m', 'one');
    gitIn(evil, 'commit', '--quiet', '--allow-empty', '-m', 'two');
    const parent = gitIn(evil, 'rev-parse', 'HEAD~1').trim();
    rmSync(join(evil, '.git', 'objects', parent.slice(0, 2), parent.slice(2)));
    for (const [key, value] of [
      ['core.repositoryformatversion', '1'],
      ['extensions.partialClone', 'origin'],
      ['remote.origin.url', repo],
      ['remote.origin.promisor', 'true'],
      ['remote.origin.uploadpack', `touch '${marker}'; git-upload-pack`],
    ])
      gitIn(evil, 'config', key!, value!);
    writeFileSync(join(top, '.git'), `gitdir: ${join(evil, '.git')}\n`);

    const worktree = { path: top, branch: 'aegis/briefing', baseRef: 'main', baseCommit: gitIn(repo, 'rev-parse', 'main').trim(), repo };
    const commits = await commitsSince([top, join(top, 'evil')], Date.now() - 86_400_000, [worktree]);
    expect(existsSync(marker), 'the briefing ran the uploadpack of the agent-made repository').toBe(false);
    // What the repository records for the worktree: its branch's commits, not the agent's.
    const own = gitIn(repo, 'log', '--no-merges', '--format=%h %s', 'aegis/briefing').trim().split('\n');
    expect(commits).toEqual([{ repo: top, commits: own }]);
  });
});
