import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { withoutSecretSettings } from '../agents/env.js';
import { AegisError, invalidInput } from '../errors.js';
import { run } from '../util/exec.js';

/**
 * Plain git plumbing for session worktrees: every call is `git` with an argument array (through
 * util/exec, never a shell), run in an explicit folder. A user's string is only ever passed after it was
 * checked (check-ref-format, rev-parse --verify) and never where git could take it for an option.
 * In a checkout, git is told its git directory as the repository records it (see inCheckout).
 */

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Variables that would point git at another repository or index than the folder it runs in. */
const REDIRECTING = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_PREFIX'];

/**
 * git's environment: the user's (git may need their SSH agent, credentials helper, config), without
 * Aegis's secret settings, since a repository an agent wrote to runs its own programs through git
 * (hooks such as post-checkout on `worktree add`, `gpg.program` under `log.showSignature`).
 */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(withoutSecretSettings(process.env))) if (!REDIRECTING.includes(k)) env[k] = v;
  // Parsed output must not change with the user's language; git must never wait for a password.
  return { ...env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', ...extra };
}

const GIT_TIMEOUT_MS = 60_000;

/** Runs git in `cwd`; a non-zero exit is returned, not thrown (callers decide what it means). */
export async function gitRun(cwd: string, args: string[], extraEnv?: Record<string, string>): Promise<GitResult> {
  const r = await run('git', args, { cwd, env: gitEnv(extraEnv), timeoutMs: GIT_TIMEOUT_MS });
  if (r.spawnError) throw new AegisError('unavailable', `git could not run: ${r.spawnError}`, { fix: 'install git (2.38 or newer) and put it on PATH' });
  if (r.timedOut)
    throw new AegisError('unavailable', `git ${args[0]} did not finish in ${GIT_TIMEOUT_MS / 1000} s`, {
      fix: 'check the repository (a lock file left by a crashed git, a slow disk) and try again',
    });
  if (r.overflowed)
    throw new AegisError('unavailable', `git ${args[0]} printed more than 64 MiB`, { fix: 'page the diff (offset/limit) or narrow it to fewer files' });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? 1 };
}

/** Runs git and returns its output, or throws with git's own message. */
export async function git(cwd: string, args: string[], extraEnv?: Record<string, string>): Promise<string> {
  const r = await gitRun(cwd, args, extraEnv);
  if (r.exitCode !== 0) throw new AegisError('conflict', `git ${args[0]} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(0, 5).join(' ')}`);
  return r.stdout;
}

const line = (s: string) => s.trim();

/** The repository `dir` belongs to: the top of its worktree and the main worktree (the user's checkout). */
export async function repoOf(dir: string, field: string): Promise<{ top: string; mainRoot: string; name: string }> {
  const r = await gitRun(dir, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir']);
  if (r.exitCode !== 0)
    throw invalidInput(field, `${dir} is not inside a git repository`, 'start the session in a folder of a git repository (git init), or leave worktree off');
  const [top, common] = r.stdout.trim().split('\n');
  if (!top || !common || basename(common) !== '.git')
    throw invalidInput(field, `${dir} is not in a repository with a working tree`, 'use a non-bare repository');
  const mainRoot = dirname(common);
  return { top, mainRoot, name: basename(mainRoot) };
}

/** The commit `ref` names, in a folder or a checkout (where HEAD is its own), or undefined. A ref starting with `-` is never passed to git. */
export async function resolveCommit(at: string | Checkout, ref: string): Promise<string | undefined> {
  if (ref.startsWith('-')) return undefined;
  const args = ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`];
  const r = typeof at === 'string' ? await gitRun(at, args) : await gitRun(at.path, args, inCheckout(at));
  return r.exitCode === 0 ? line(r.stdout) : undefined;
}

/** Whether git accepts `name` as a new branch name. */
export async function validBranchName(dir: string, name: string): Promise<boolean> {
  if (name.startsWith('-') || name === '@') return false;
  return (await gitRun(dir, ['check-ref-format', '--branch', name])).exitCode === 0;
}

export async function branchExists(dir: string, branch: string): Promise<boolean> {
  return (await gitRun(dir, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`])).exitCode === 0;
}

/** A new linked worktree on a new branch, locked (git worktree lock) with `lockReason` until unlockWorktree. */
export async function addWorktree(repo: string, path: string, branch: string, baseCommit: string, lockReason: string): Promise<void> {
  await git(repo, ['worktree', 'add', '--quiet', '--lock', '--reason', lockReason, '-b', branch, '--', path, baseCommit]);
}

export async function unlockWorktree(repo: string, path: string): Promise<void> {
  await git(repo, ['worktree', 'unlock', '--', path]);
}

/** Removes a linked worktree; git itself refuses when it holds changes or untracked files (no --force). */
export async function removeWorktree(repo: string, path: string): Promise<void> {
  await git(repo, ['worktree', 'remove', '--', path]);
}

export async function deleteBranch(repo: string, branch: string): Promise<void> {
  await git(repo, ['branch', '-D', '--', branch]);
}

/** A checkout of a repository: its main worktree or a linked one, and the main worktree (`repo`). */
export interface Checkout {
  repo: string;
  path: string;
}

/** The real path of `p`, or `p` resolved when it does not exist. */
function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/**
 * The git directory of a checkout as its repository records it: `<repo>/.git` for the main worktree,
 * else the folder under `<repo>/.git/worktrees/` whose `gitdir` file names `<path>/.git`. Never the
 * `.git` file inside the checkout: whoever writes in the checkout (an agent confined to its worktree)
 * can point that at a git directory of their own, whose config (core.fsmonitor, hooks) git would then
 * run for Aegis, outside the confinement.
 */
export function recordedGitDir(c: Checkout): string | undefined {
  const common = join(c.repo, '.git');
  const path = real(c.path);
  if (path === real(c.repo)) return common;
  const admin = join(common, 'worktrees');
  let ids: string[];
  try {
    ids = readdirSync(admin);
  } catch {
    return undefined;
  }
  for (const id of ids) {
    let dotGit: string;
    try {
      dotGit = readFileSync(join(admin, id, 'gitdir'), 'utf8').trim();
    } catch {
      continue;
    }
    // git writes it absolute, or relative to the folder it is in (worktree.useRelativePaths).
    if (real(dirname(resolve(admin, id, dotGit))) === path) return join(admin, id);
  }
  return undefined;
}

/** Why a linked worktree is locked (git worktree lock), as its repository records it; undefined when it is not. */
export function lockReason(c: Checkout): string | undefined {
  const gitDir = recordedGitDir(c);
  if (!gitDir || gitDir === join(c.repo, '.git')) return undefined;
  try {
    return readFileSync(join(gitDir, 'locked'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** git's environment for running in a checkout: its recorded git directory and work tree, no discovery. */
export function inCheckout(c: Checkout, extra: Record<string, string> = {}): Record<string, string> {
  const gitDir = recordedGitDir(c);
  if (!gitDir)
    throw new AegisError('conflict', `${c.path} is not a worktree of ${c.repo} any more`, {
      fix: `see git -C ${c.repo} worktree list; move the work you want to keep out of that folder, then remove it`,
    });
  return { ...extra, GIT_DIR: gitDir, GIT_WORK_TREE: c.path };
}

/** Runs git in a checkout (see recordedGitDir), throwing with git's message on failure. */
export async function gitInCheckout(c: Checkout, args: string[], extraEnv?: Record<string, string>): Promise<string> {
  return git(c.path, args, inCheckout(c, extraEnv));
}

/** `git status --porcelain=v1 -z` in a checkout, as [status code, path] pairs (a rename's old path left out). */
async function status(c: Checkout, options: string[]): Promise<[string, string][]> {
  const parts = (await gitInCheckout(c, ['status', '--porcelain=v1', '-z', ...options])).split('\0');
  const entries: [string, string][] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.length < 4) continue;
    entries.push([p.slice(0, 2), p.slice(3)]);
    if (p[0] === 'R' || p[0] === 'C') i++; // a rename's second field is its old path
  }
  return entries;
}

/** Paths with uncommitted changes in a checkout, untracked files included (ignored ones not). */
export async function uncommitted(c: Checkout): Promise<string[]> {
  return (await status(c, ['--untracked-files=all'])).map(([, path]) => path);
}

/** What git ignores in a checkout; a folder of ignored files is one entry (`build/`). */
export async function ignored(c: Checkout): Promise<string[]> {
  return (await status(c, ['--untracked-files=normal', '--ignored=traditional'])).filter(([code]) => code === '!!').map(([, path]) => path);
}

/** What a checkout has checked out: its commit, and its branch unless HEAD is detached; undefined before a first commit. */
export async function checkedOut(c: Checkout): Promise<{ commit: string; branch?: string } | undefined> {
  const env = inCheckout(c);
  const head = await gitRun(c.path, ['rev-parse', '--verify', '--quiet', 'HEAD'], env);
  if (head.exitCode !== 0) return undefined;
  const ref = await gitRun(c.path, ['symbolic-ref', '--quiet', 'HEAD'], env);
  return { commit: line(head.stdout), branch: ref.exitCode === 0 ? line(ref.stdout).replace(/^refs\/heads\//, '') : undefined };
}

/** How many commits the `tips` (commits) have together that `base` does not. */
export async function countNotIn(dir: string, base: string, tips: string[]): Promise<number> {
  return Number((await git(dir, ['rev-list', '--count', ...tips, `^${base}`])).trim());
}

export async function isAncestor(dir: string, ancestor: string, of: string): Promise<boolean> {
  return (await gitRun(dir, ['merge-base', '--is-ancestor', ancestor, of])).exitCode === 0;
}

export async function mergeBase(dir: string, a: string, b: string): Promise<string | undefined> {
  const r = await gitRun(dir, ['merge-base', a, b]);
  return r.exitCode === 0 ? line(r.stdout) : undefined;
}

/**
 * The tree of everything in a worktree now (tracked changes and untracked files, as `git add -A`
 * would take them), built in a throw-away index so the worktree's own index is not changed.
 */
export async function snapshotTree(c: Checkout): Promise<string> {
  // The checkout's recorded git directory, looked up once for the four git runs.
  const checkout = inCheckout(c);
  const tmp = mkdtempSync(join(tmpdir(), 'aegis-index-'));
  try {
    const index = join(tmp, 'index');
    const own = line(await git(c.path, ['rev-parse', '--path-format=absolute', '--git-path', 'index'], checkout));
    const env = { ...checkout, GIT_INDEX_FILE: index };
    // A copy of the real index keeps git's stat cache, so unchanged files are not hashed again.
    if (existsSync(own)) copyFileSync(own, index);
    else await git(c.path, ['read-tree', 'HEAD'], env);
    await git(c.path, ['add', '-A'], env);
    return line(await git(c.path, ['write-tree'], env));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function treeOf(dir: string, commit: string): Promise<string> {
  return line(await git(dir, ['rev-parse', `${commit}^{tree}`]));
}

/** Who commits when the repository has no identity configured (a fresh CI box, a test HOME). */
async function identityEnv(dir: string): Promise<Record<string, string>> {
  const named = (await gitRun(dir, ['config', 'user.name'])).exitCode === 0 && (await gitRun(dir, ['config', 'user.email'])).exitCode === 0;
  return named ? {} : { GIT_AUTHOR_NAME: 'Aegis', GIT_AUTHOR_EMAIL: 'aegis@localhost', GIT_COMMITTER_NAME: 'Aegis', GIT_COMMITTER_EMAIL: 'aegis@localhost' };
}

/** A commit object of `tree` on `parents`; no ref moves. */
export async function commitTree(dir: string, tree: string, parents: string[], message: string): Promise<string> {
  const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message];
  return line(await git(dir, args, await identityEnv(dir)));
}

/** Merges two commits without a worktree (git ≥ 2.38): the merged tree, or the conflicting paths. */
export async function mergeTree(dir: string, ours: string, theirs: string): Promise<{ tree: string; conflicts: string[] }> {
  const r = await gitRun(dir, ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', ours, theirs]);
  if (r.exitCode !== 0 && r.exitCode !== 1)
    throw new AegisError('unavailable', `git merge-tree failed: ${r.stderr.trim()}`, { fix: 'Aegis needs git 2.38 or newer for merges' });
  const [tree, ...rest] = r.stdout.split('\0');
  return { tree: tree!, conflicts: r.exitCode === 1 ? [...new Set(rest.filter(Boolean))] : [] };
}

/** Moves a ref from `old` to `next` atomically (fails when someone moved it meanwhile). */
export async function updateRef(dir: string, ref: string, next: string, old: string, reason: string): Promise<void> {
  await git(dir, ['update-ref', '-m', reason, ref, next, old]);
}

/** Where each branch is checked out: linked worktrees and the main one. */
export async function checkouts(dir: string): Promise<{ path: string; branch?: string }[]> {
  const out = await git(dir, ['worktree', 'list', '--porcelain', '-z']);
  const list: { path: string; branch?: string }[] = [];
  for (const field of out.split('\0')) {
    if (field.startsWith('worktree ')) list.push({ path: field.slice(9) });
    else if (field.startsWith('branch refs/heads/') && list.length) list[list.length - 1]!.branch = field.slice(18);
  }
  return list;
}
