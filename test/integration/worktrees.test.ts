import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { gitIn, makeRepo } from '../helpers/git.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, callError, waitState } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

interface Created {
  id: string;
  name: string;
  workDir: string;
  worktree?: { path: string; branch: string; baseRef: string };
}

/**
 * Worktrees with real git and a shell agent (cheap): each session gets its own worktree and branch,
 * the agent's commands run there, diffs and merges read and move only the session's branch and the
 * target, kill keeps work, prune removes only clean worktrees. The user's checkout is checked after
 * every step that could touch it.
 */
describe('session worktrees (real git, shell agent)', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let repo: string;

  beforeAll(async () => {
    t = makeTestEnv();
    repo = makeRepo('aegis-wt-repo-');
    mcp = await connectMcp({ ...t.env, AEGIS_MESSAGING_WORKDIR: repo, AEGIS_MESSAGING_AGENT: 'shell' });
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  const userCheckout = () => ({
    file: readFileSync(join(repo, 'app.txt'), 'utf8'),
    status: gitIn(repo, 'status', '--porcelain'),
    branch: gitIn(repo, 'branch', '--show-current').trim(),
  });
  const shellDoes = async (id: string, command: string, done: () => boolean) => {
    await call(mcp.client, 'session_send', { id, text: command });
    await waitFor(done, { timeoutMs: 15_000, what: command });
  };

  it('two sessions edit the same file in their own worktrees; diff, merge one, refuse the other with its conflict', async () => {
    const a = await call<Created>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'wt-a', worktree: true });
    const b = await call<Created>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'wt-b', worktree: true });
    expect(a.worktree).toEqual({ path: join(realpathSync(t.home), 'worktrees', repo.split('/').pop()!, 'wt-a'), branch: 'aegis/wt-a', baseRef: 'main' });
    expect(b.worktree?.branch).toBe('aegis/wt-b');
    expect(a.workDir).toBe(a.worktree!.path);
    await waitState(mcp.client, a.id, ['idle']);
    await waitState(mcp.client, b.id, ['idle']);

    // The agents' shells run in their worktrees: relative paths land there.
    const fileA = join(a.worktree!.path, 'app.txt');
    const fileB = join(b.worktree!.path, 'app.txt');
    await shellDoes(a.id, "printf 'one\\nfrom-a\\nthree\\n' > app.txt", () => readFileSync(fileA, 'utf8').includes('from-a'));
    await shellDoes(b.id, "printf 'one\\nfrom-b\\nthree\\n' > app.txt && echo new > extra.txt", () => existsSync(join(b.worktree!.path, 'extra.txt')));
    expect(readFileSync(fileA, 'utf8')).toBe('one\nfrom-a\nthree\n');
    expect(readFileSync(fileB, 'utf8')).toBe('one\nfrom-b\nthree\n');
    expect(userCheckout()).toEqual({ file: 'one\ntwo\nthree\n', status: '', branch: 'main' });

    const got = await call<Created>(mcp.client, 'session_get', { id: a.id });
    expect(got.worktree).toEqual(a.worktree);
    const listed = await call<{ sessions: Created[] }>(mcp.client, 'session_list', {});
    expect(listed.sessions.map((s) => s.worktree?.branch).sort()).toEqual(['aegis/wt-a', 'aegis/wt-b']);

    // Diffs read back each session's own work, uncommitted and untracked files included.
    const diffA = await call<{
      files: { path: string; status: string; added?: number; deleted?: number }[];
      stat: { insertions: number };
      patch: string;
      nextOffset?: number;
    }>(mcp.client, 'session_diff', { id: a.id });
    expect(diffA.files).toEqual([{ path: 'app.txt', status: 'M', added: 1, deleted: 1 }]);
    expect(diffA.patch).toContain('-two\n+from-a\n');
    expect(diffA.nextOffset).toBeUndefined();
    const diffB = await call<{ files: { path: string; status: string }[]; patch: string; patchBytes: number }>(mcp.client, 'session_diff', { id: b.id });
    expect(diffB.files.map((f) => `${f.status} ${f.path}`)).toEqual(['M app.txt', 'A extra.txt']);
    expect(diffB.patch).not.toContain('from-a');
    // Paged by bytes: the pages put together are the whole patch.
    let paged = '';
    let offset: number | undefined = 0;
    let pages = 0;
    while (offset !== undefined) {
      const page: { patch: string; nextOffset?: number } = await call(mcp.client, 'session_diff', { id: b.id, offset, maxBytes: 40 });
      paged += page.patch;
      offset = page.nextOffset;
      pages++;
    }
    expect(paged).toBe(diffB.patch);
    expect(pages).toBe(Math.ceil(diffB.patchBytes / 40));

    // A merges into main (the user's clean checkout is fast-forwarded to the merge).
    const merged = await call<{ target: string; upToDate: boolean; committedWork?: string; updatedCheckout?: string; commit: string }>(
      mcp.client,
      'session_merge',
      { id: a.id },
    );
    expect(merged).toMatchObject({ target: 'main', upToDate: false, updatedCheckout: repo });
    expect(merged.committedWork).toMatch(/^[0-9a-f]{40}$/);
    expect(gitIn(repo, 'rev-parse', 'main').trim()).toBe(merged.commit);
    expect(userCheckout()).toEqual({ file: 'one\nfrom-a\nthree\n', status: '', branch: 'main' });
    expect(gitIn(a.worktree!.path, 'status', '--porcelain')).toBe('');

    // B now conflicts with main: refused, the file named, nothing moved on either side.
    const mainBefore = gitIn(repo, 'rev-parse', 'main').trim();
    const branchBBefore = gitIn(repo, 'rev-parse', 'aegis/wt-b').trim();
    const refused = await callError(mcp.client, 'session_merge', { id: b.id });
    expect(refused).toContain('conflicts in 1 file(s): app.txt');
    expect(gitIn(repo, 'rev-parse', 'main').trim()).toBe(mainBefore);
    expect(gitIn(repo, 'rev-parse', 'aegis/wt-b').trim()).toBe(branchBBefore);
    expect(readFileSync(fileB, 'utf8')).toBe('one\nfrom-b\nthree\n');
    expect(gitIn(b.worktree!.path, 'status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual([' M app.txt', '?? extra.txt']);
    expect(userCheckout()).toEqual({ file: 'one\nfrom-a\nthree\n', status: '', branch: 'main' });

    // Kill keeps B's uncommitted work; prune removes only clean worktrees of ended sessions.
    const killedB = await call<{ state: string; worktreeState: { exists: boolean; uncommitted: string[] } }>(mcp.client, 'session_kill', { id: b.id });
    expect(killedB.worktreeState).toMatchObject({ exists: true, uncommitted: ['app.txt', 'extra.txt'] });
    expect(existsSync(fileB)).toBe(true);
    await call(mcp.client, 'session_kill', { id: a.id });
    const c = await call<Created>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'wt-c', worktree: true, branch: 'feature/c' });
    const live = await call<Created>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'wt-live', worktree: true });
    await waitState(mcp.client, c.id, ['idle']);
    await waitState(mcp.client, live.id, ['idle']);
    gitIn(c.worktree!.path, 'commit', '--quiet', '--allow-empty', '-m', 'unmerged commit of c');
    await call(mcp.client, 'session_kill', { id: c.id });

    const pruned = await runCli(['worktree', 'prune', '--json'], t.env);
    expect(pruned.code, pruned.stderr).toBe(0);
    const report = JSON.parse(pruned.stdout) as { removed: { session: string; branchDeleted: boolean }[]; kept: { session: string; reason: string }[] };
    expect(report.removed.map((r) => [r.session, r.branchDeleted]).sort()).toEqual([
      ['wt-a', true],
      ['wt-c', false],
    ]);
    expect(report.kept.map((k) => k.session).sort()).toEqual(['wt-b', 'wt-live']);
    expect(report.kept.find((k) => k.session === 'wt-b')!.reason).toContain('2 uncommitted file(s): app.txt, extra.txt');
    expect(report.kept.find((k) => k.session === 'wt-live')!.reason).toMatch(/^session is (idle|working)$/);
    expect(existsSync(a.worktree!.path)).toBe(false);
    expect(existsSync(c.worktree!.path)).toBe(false);
    expect(existsSync(fileB)).toBe(true);
    expect(existsSync(live.worktree!.path)).toBe(true);
    const branches = gitIn(repo, 'branch', '--format=%(refname:short)').split('\n').filter(Boolean).sort();
    expect(branches).toEqual(['aegis/wt-b', 'aegis/wt-live', 'feature/c', 'main']);
    expect(userCheckout()).toEqual({ file: 'one\nfrom-a\nthree\n', status: '', branch: 'main' });
    expect((await call<Created>(mcp.client, 'session_get', { id: a.id })).worktree).toBeUndefined();
  });

  it('a chat task: worktree: starts its session in a worktree and says the branch', async () => {
    const r = await call<{ reply: string; failed: boolean }>(mcp.client, 'message_handle', {
      text: 'task: worktree: echo from-chat',
      channel: 'telegram',
      from: 'tess',
    });
    expect(r.failed).toBe(false);
    const name = /Started (\S+) /.exec(r.reply)?.[1];
    expect(r.reply).toContain(`on branch aegis/${name}`);
    const s = await call<Created>(mcp.client, 'session_get', { id: name! });
    expect(s.worktree?.branch).toBe(`aegis/${name}`);
    await call(mcp.client, 'session_kill', { id: s.id });
  });

  it('refuses what git would reject, naming the field, and creates nothing', async () => {
    expect(await callError(mcp.client, 'session_create', { workDir: repo, agent: 'shell', worktree: true, branch: 'bad..name' })).toMatch(
      /branch.*git does not accept "bad\.\.name"/s,
    );
    expect(await callError(mcp.client, 'session_create', { workDir: repo, agent: 'shell', worktree: true, baseRef: 'no-such-branch' })).toMatch(
      /baseRef.*names no commit/s,
    );
    expect(await callError(mcp.client, 'session_create', { workDir: repo, agent: 'shell', worktree: true, baseRef: '--upload-pack=x' })).toContain('baseRef');
    expect(await callError(mcp.client, 'session_create', { workDir: repo, agent: 'shell', worktree: true, branch: 'main' })).toMatch(
      /branch "main" exists already/,
    );
    expect(await callError(mcp.client, 'session_create', { workDir: repo, agent: 'shell', branch: 'x' })).toContain('only used with worktree: true');
    const plain = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-wt-plain-')));
    try {
      expect(await callError(mcp.client, 'session_create', { workDir: plain, agent: 'shell', worktree: true })).toMatch(
        /workDir.*not inside a git repository/s,
      );
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
    expect(gitIn(repo, 'branch', '--format=%(refname:short)')).not.toContain('bad');
  });

  it('work the agent committed on another branch or a detached HEAD is neither reported merged nor pruned away', async () => {
    const s = await call<Created>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'wt-moved', worktree: true });
    const w = s.worktree!.path;
    const before = userCheckout();
    // What agents do when told to commit on a branch of their own: the session's branch stays where it started.
    gitIn(w, 'checkout', '--quiet', '-b', 'fix/moved');
    writeFileSync(join(w, 'moved.txt'), 'moved\n');
    gitIn(w, 'add', 'moved.txt');
    gitIn(w, 'commit', '--quiet', '-m', 'work on fix/moved');

    expect(await callError(mcp.client, 'session_merge', { id: s.id })).toMatch(/fix\/moved.*not aegis\/wt-moved/s);
    expect(userCheckout()).toEqual(before);

    // Then commits on a detached HEAD: only the worktree's HEAD holds them.
    gitIn(w, 'checkout', '--quiet', '--detach');
    writeFileSync(join(w, 'detached.txt'), 'detached\n');
    gitIn(w, 'add', 'detached.txt');
    gitIn(w, 'commit', '--quiet', '-m', 'work on a detached HEAD');
    const detached = gitIn(w, 'rev-parse', 'HEAD').trim();
    expect(await callError(mcp.client, 'session_merge', { id: s.id })).toMatch(/detached HEAD/);

    const killed = await call<{ worktreeState: { uncommitted: string[]; unmergedCommits: number } }>(mcp.client, 'session_kill', { id: s.id });
    expect(killed.worktreeState).toMatchObject({ uncommitted: [], unmergedCommits: 2 });
    const pruned = await call<{ kept: { session: string; reason: string }[] }>(mcp.client, 'worktree_prune', {});
    expect(pruned.kept.find((k) => k.session === 'wt-moved')?.reason).toMatch(/detached HEAD/);
    expect(existsSync(w)).toBe(true);
    expect(gitIn(w, 'rev-parse', 'HEAD').trim()).toBe(detached);
    expect(userCheckout()).toEqual(before);
  });

  it('prune says which files git ignores it deleted with a worktree', async () => {
    const s = await call<Created>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'wt-ignored', worktree: true });
    const w = s.worktree!.path;
    // An agent's local settings: ignored by git, so no status shows them, and git worktree remove deletes them.
    writeFileSync(join(w, '.gitignore'), '.env\nbuild/\n');
    gitIn(w, 'add', '.gitignore');
    gitIn(w, 'commit', '--quiet', '-m', 'ignore local files');
    writeFileSync(join(w, '.env'), 'API_URL=http://localhost:8080\n');
    mkdirSync(join(w, 'build'));
    writeFileSync(join(w, 'build', 'out.js'), '1\n');
    await call(mcp.client, 'session_kill', { id: s.id });

    const pruned = await call<{ removed: { session: string; note?: string }[] }>(mcp.client, 'worktree_prune', {});
    const note = pruned.removed.find((r) => r.session === 'wt-ignored')?.note;
    expect(existsSync(w)).toBe(false);
    expect(note).toContain('deleted with it, ignored by git: .env, build/');
  });

  it('a kill succeeds when git no longer knows the worktree, and prune says why it keeps it', async () => {
    const s = await call<Created>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'wt-unknown', worktree: true });
    // What a hand-run cleanup of .git/worktrees leaves: the folder, no record of it in the repository.
    rmSync(join(repo, '.git', 'worktrees', 'wt-unknown'), { recursive: true, force: true });
    const killed = await call<{ state: string; worktreeState?: unknown }>(mcp.client, 'session_kill', { id: s.id });
    expect(killed.state).toBe('exited');
    expect(killed.worktreeState).toBeUndefined();
    const pruned = await call<{ kept: { session: string; reason: string }[] }>(mcp.client, 'worktree_prune', {});
    expect(pruned.kept.find((k) => k.session === 'wt-unknown')?.reason).toContain('is not a worktree of');
    expect(existsSync(s.worktree!.path)).toBe(true);
  });

  it('an agent asked to work in a folder of the repository starts in that folder of its worktree', async () => {
    const mono = makeRepo('aegis-wt-mono-');
    try {
      mkdirSync(join(mono, 'packages', 'api'), { recursive: true });
      writeFileSync(join(mono, 'packages', 'api', 'index.js'), 'api\n');
      gitIn(mono, 'add', '.');
      gitIn(mono, 'commit', '--quiet', '-m', 'api package');
      const s = await call<Created>(mcp.client, 'session_create', { workDir: join(mono, 'packages', 'api'), agent: 'shell', worktree: true });
      expect(s.workDir).toBe(join(s.worktree!.path, 'packages', 'api'));
      expect(readFileSync(join(s.workDir, 'index.js'), 'utf8')).toBe('api\n');
      await call(mcp.client, 'session_kill', { id: s.id });
    } finally {
      rmSync(mono, { recursive: true, force: true });
    }
  });

  it('pages a diff by any number of bytes, a character wider than the page included whole', async () => {
    const s = await call<Created>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'wt-paged', worktree: true });
    writeFileSync(join(s.worktree!.path, 'wide.txt'), 'é🚀\n');
    const whole = Buffer.from((await call<{ patch: string }>(mcp.client, 'session_diff', { id: s.id })).patch);
    // A page of 2 bytes where a 4-byte character starts: it must move on, not answer the same offset again.
    const at = whole.indexOf(Buffer.from('🚀'));
    const page = await call<{ patch: string; nextOffset?: number }>(mcp.client, 'session_diff', { id: s.id, offset: at, maxBytes: 2 });
    expect(page).toMatchObject({ patch: '🚀', nextOffset: at + 4 });
    await call(mcp.client, 'session_kill', { id: s.id });
  });

  it('a create killed once git made its worktree blocks no retry of the name, and the work left there is never deleted', async () => {
    const own = makeRepo('aegis-wt-killed-');
    try {
      // git runs post-checkout at the end of `worktree add`: it kills the `ag create` that ran git (git's
      // parent) there, before the session is recorded, as a crash or a closed terminal would.
      const hook = join(own, '.git', 'hooks', 'post-checkout');
      writeFileSync(hook, '#!/bin/sh\nkill -9 "$(ps -o ppid= -p "$PPID" | tr -d " ")"\n', { mode: 0o755 });
      const create = ['create', '--agent', 'shell', '--work-dir', own, '--worktree', '--name', 'wt-killed', '--json'];
      const killed = await runCli(create, t.env);
      expect(killed.signal).toBe('SIGKILL');
      const path = join(realpathSync(t.home), 'worktrees', own.split('/').pop()!, 'wt-killed');
      expect(existsSync(join(path, 'app.txt'))).toBe(true);
      expect(gitIn(own, 'branch', '--list', 'aegis/wt-killed')).toContain('aegis/wt-killed');
      rmSync(hook);

      // While the create that made it may still run (its lock names a live process), it is left alone.
      const lock = /^locked (.*)$/m.exec(gitIn(own, 'worktree', 'list', '--porcelain'))![1]!;
      gitIn(own, 'worktree', 'unlock', path);
      gitIn(own, 'worktree', 'lock', '--reason', lock.replace(/:\d+:/, `:${process.pid}:`), path);
      const busy = await runCli(create, t.env);
      expect(busy.stderr).toContain('being made by another session create');
      gitIn(own, 'worktree', 'unlock', path);
      gitIn(own, 'worktree', 'lock', '--reason', lock, path);

      // Left with work in it, it is kept, and the error says how to clear it.
      writeFileSync(join(path, 'notes.txt'), 'work\n');
      const refused = await runCli(create, t.env);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('notes.txt');
      expect(refused.stderr).toContain(`git -C ${own} worktree remove`);
      expect(readFileSync(join(path, 'notes.txt'), 'utf8')).toBe('work\n');

      rmSync(join(path, 'notes.txt'));
      const retried = await runCli(create, t.env);
      expect(retried.code, retried.stderr).toBe(0);
      const s = await call<Created>(mcp.client, 'session_get', { id: 'wt-killed' });
      expect(s.worktree).toEqual({ path, branch: 'aegis/wt-killed', baseRef: 'main' });
      expect(gitIn(own, 'worktree', 'list', '--porcelain'), 'a recorded worktree is unlocked').not.toContain('locked');
      await call(mcp.client, 'session_kill', { id: 'wt-killed' });
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it("clearing a stopped create's worktree deletes the session's branch, never another branch its agent checked out there", async () => {
    const own = makeRepo('aegis-wt-switched-');
    try {
      const path = join(realpathSync(t.home), 'worktrees', own.split('/').pop()!, 'wt-switched');
      const gone = spawnSync('true').pid;
      gitIn(
        own,
        'worktree',
        'add',
        '--quiet',
        '--lock',
        '--reason',
        `aegis session create by ${hostname()}:${gone}:x`,
        '-b',
        'aegis/wt-switched',
        path,
        'main',
      );
      // The user's branch, holding nothing main lacks, which the agent checked out in the worktree before its create was killed.
      gitIn(own, 'branch', 'feature', 'main');
      gitIn(path, 'checkout', '--quiet', 'feature');
      const s = await call<Created>(mcp.client, 'session_create', { workDir: own, agent: 'shell', name: 'wt-switched', worktree: true });
      expect(s.worktree).toEqual({ path, branch: 'aegis/wt-switched', baseRef: 'main' });
      expect(gitIn(own, 'branch', '--list', 'feature')).toContain('feature');
      await call(mcp.client, 'session_kill', { id: s.id });
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it("a name's branch left without its worktree is cleared when all its commits are in the base, and kept, with the fix named, when not", async () => {
    const own = makeRepo('aegis-wt-branch-left-');
    try {
      const root = join(realpathSync(t.home), 'worktrees', own.split('/').pop()!);
      // A stopped create's worktree (locked by a process now gone) whose folder was then deleted: its branch and registration stay.
      const gone = spawnSync('true').pid;
      const path = join(root, 'wt-gone');
      gitIn(own, 'worktree', 'add', '--quiet', '--lock', '--reason', `aegis session create by ${hostname()}:${gone}:x`, '-b', 'aegis/wt-gone', path, 'main');
      rmSync(path, { recursive: true, force: true });
      const retried = await call<Created>(mcp.client, 'session_create', { workDir: own, agent: 'shell', name: 'wt-gone', worktree: true });
      expect(retried.worktree).toEqual({ path, branch: 'aegis/wt-gone', baseRef: 'main' });
      expect(existsSync(join(path, 'app.txt'))).toBe(true);
      await call(mcp.client, 'session_kill', { id: retried.id });

      // A branch alone, holding nothing main lacks (made by hand, or left by a create stopped in `git worktree add`).
      gitIn(own, 'branch', 'aegis/wt-plain', 'main');
      const plain = await call<Created>(mcp.client, 'session_create', { workDir: own, agent: 'shell', name: 'wt-plain', worktree: true });
      expect(plain.worktree?.branch).toBe('aegis/wt-plain');
      await call(mcp.client, 'session_kill', { id: plain.id });

      // A branch alone holding a commit main lacks: kept, and the error names the commands.
      gitIn(own, 'branch', 'aegis/wt-work', 'main');
      const work = gitIn(own, 'commit-tree', '-p', 'main', '-m', 'work', 'main^{tree}').trim();
      gitIn(own, 'update-ref', 'refs/heads/aegis/wt-work', work);
      const refused = await callError(mcp.client, 'session_create', { workDir: own, agent: 'shell', name: 'wt-work', worktree: true });
      expect(refused).toContain('1 commit');
      expect(refused).toContain(`git -C ${own} log main..aegis/wt-work`);
      expect(refused).toContain(`git -C ${own} branch -D aegis/wt-work`);
      expect(gitIn(own, 'rev-parse', 'aegis/wt-work').trim()).toBe(work);
      expect(existsSync(join(root, 'wt-work'))).toBe(false);

      // A branch alone holding nothing, but checked out in a worktree of its own: someone works there.
      const byHand = join(realpathSync(mkdtempSync(join(tmpdir(), 'aegis-wt-by-hand-'))), 'wt');
      gitIn(own, 'worktree', 'add', '--quiet', '-b', 'aegis/wt-used', byHand, 'main');
      expect(await callError(mcp.client, 'session_create', { workDir: own, agent: 'shell', name: 'wt-used', worktree: true })).toContain(
        `branch "aegis/wt-used" exists already in ${own}, checked out at ${byHand}`,
      );
      expect(gitIn(own, 'worktree', 'list', '--porcelain')).toContain(`branch refs/heads/aegis/wt-used`);
      rmSync(join(byHand, '..'), { recursive: true, force: true });
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
