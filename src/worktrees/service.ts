import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Config } from '../config/load.js';
import { holderGone, newHolder } from '../db/lease.js';
import { AegisError, invalidInput } from '../errors.js';
import * as g from './git.js';

/** A session's own worktree, as remembered in its record. */
export interface WorktreeInfo {
  /** The worktree folder the agent works in. */
  path: string;
  /** The session's branch, checked out there. */
  branch: string;
  /** What the branch started from, as the caller named it (a branch name, or a commit when HEAD was detached). */
  baseRef: string;
  /** The commit baseRef named when the worktree was made (diffs fall back to it when baseRef is gone). */
  baseCommit: string;
  /** The main worktree of the repository (the user's checkout); git commands run there. */
  repo: string;
}

export interface WorktreeState {
  exists: boolean;
  uncommitted: string[];
  /** Commits on the branch that baseRef does not have. */
  unmergedCommits: number;
}

export interface ReleaseResult {
  removed: boolean;
  branchDeleted: boolean;
  /** Why the worktree (or only its branch) was kept; what went with a removed one. */
  reason?: string;
}

export interface DiffPage {
  base: string;
  files: { path: string; status: string; added?: number; deleted?: number }[];
  stat: { files: number; insertions: number; deletions: number };
  patch: string;
  patchBytes: number;
  nextOffset?: number;
}

export interface MergeResult {
  target: string;
  commit: string;
  fastForward: boolean;
  /** The commit Aegis made on the session's branch of work the agent had left uncommitted. */
  committedWork?: string;
  /** The checkout of the target branch that was fast-forwarded to the merge, when it is checked out. */
  updatedCheckout?: string;
  upToDate: boolean;
}

/** How the lock of a worktree being made starts; the creating process (db/lease's holder) follows. */
const CREATING = 'aegis session create by ';

/** The process a worktree's lock says is making it, when the lock is one `create` set. */
function creator(c: g.Checkout): string | undefined {
  const reason = g.lockReason(c);
  return reason?.startsWith(CREATING) ? reason.slice(CREATING.length) : undefined;
}

const beingMade = (path: string, holder: string) =>
  new AegisError('conflict', `${path} is being made by another session create (${holder})`, {
    field: 'name',
    fix: 'wait for it to finish, or pick another session name',
  });

const short = (list: string[], n = 10) => `${list.slice(0, n).join(', ')}${list.length > n ? ` and ${list.length - n} more` : ''}`;

/**
 * One git worktree and branch per session, so agents in the same repository never edit each other's
 * files. Creation, inspection, diffs, merges and removal; what is kept and why is always reported.
 * The user's own checkout is only ever read, except when a merge targets the branch it has checked
 * out: then it is fast-forwarded to the merge commit, and only when it is clean.
 */
export class WorktreeService {
  /** The last commitWork call per worktree path, which the next one waits for. */
  private readonly committing = new Map<string, Promise<unknown>>();
  /** This process, as the locks of the worktrees it is making name it. */
  private readonly holder = newHolder();

  constructor(private readonly config: Config) {}

  /** Where worktrees go: `worktrees.dir`, default `$AEGIS_HOME/worktrees`. */
  root(): string {
    return resolve(this.config.get('worktrees.dir') ?? join(this.config.home, 'worktrees'));
  }

  /**
   * A new worktree and branch for a session, and where in it the agent starts: the folder of workDir
   * within the repository (a package of a monorepo), or the worktree's top when baseRef lacks it.
   * `sessionWorktrees` are the worktrees sessions record: a workDir inside one is taken as that folder
   * of its repository, and one elsewhere in the worktrees area is refused (see repositoryOf). The
   * worktree stays locked as being created until `created`.
   */
  async create(
    workDir: string,
    sessionName: string,
    opts: { branch?: string; baseRef?: string },
    sessionWorktrees: WorktreeInfo[],
  ): Promise<{ worktree: WorktreeInfo; startDir: string }> {
    const dir = realpathSync(workDir);
    const repo = await this.repositoryOf(dir, sessionWorktrees);
    const at = await g.checkedOut({ repo: repo.mainRoot, path: repo.top });
    const named = opts.baseRef ?? at?.branch;
    const baseCommit = opts.baseRef ? await g.resolveCommit({ repo: repo.mainRoot, path: repo.top }, opts.baseRef) : at?.commit;
    if (!baseCommit) {
      if (opts.baseRef)
        throw invalidInput('baseRef', `"${opts.baseRef}" names no commit in ${repo.mainRoot}`, 'pass a branch, tag or commit of that repository');
      throw invalidInput('workDir', `the repository at ${repo.mainRoot} has no commit yet`, 'commit something first: a worktree starts from a commit');
    }
    const baseRef = named ?? baseCommit;
    const branch = opts.branch ?? branchFor(sessionName);
    const field = opts.branch ? 'branch' : 'name';
    if (!(await g.validBranchName(repo.mainRoot, branch)))
      throw invalidInput(
        field,
        `git does not accept "${branch}" as a branch name`,
        'use letters, digits, / . _ - without "..", a leading "-" or a trailing ".lock"',
      );
    const path = join(this.root(), segment(repo.name), sessionName);
    await this.clearLeftover(repo.mainRoot, path, branch, baseCommit);
    if (await g.branchExists(repo.mainRoot, branch)) {
      if (opts.branch)
        throw new AegisError('conflict', `branch "${branch}" exists already in ${repo.mainRoot}`, {
          field,
          fix: 'pass another branch: Aegis never reuses a branch that may hold work',
        });
      await this.clearLeftBranch(repo.mainRoot, branch, { commit: baseCommit, name: baseRef }, sessionWorktrees);
    }
    if (existsSync(path))
      throw new AegisError('conflict', `${path} exists already and is not a worktree left by a stopped create`, {
        field: 'name',
        fix: 'pick another session name, or move what you want to keep out of that folder and remove it',
      });
    mkdirSync(dirname(path), { recursive: true });
    await g.addWorktree(repo.mainRoot, path, branch, baseCommit, `${CREATING}${this.holder}`);
    const top = realpathSync(path);
    const same = join(top, relative(repo.top, dir));
    return { worktree: { path: top, branch, baseRef, baseCommit, repo: repo.mainRoot }, startDir: existsSync(same) ? same : top };
  }

  /** The session that `create` made the worktree for is recorded: the worktree is no longer a leftover to clear. */
  async created(w: WorktreeInfo): Promise<void> {
    await g.unlockWorktree(w.repo, w.path);
  }

  /**
   * The repository `workDir` (a real path) belongs to. A folder inside a session's worktree is taken
   * through the repository the session records, never found from the folder: the worktree's `.git`
   * file and any repository nested in it are the agent's to rewrite, and git would run the programs
   * their config names (core.fsmonitor, hooks on `worktree add`).
   */
  private async repositoryOf(workDir: string, sessionWorktrees: WorktreeInfo[]): Promise<{ top: string; mainRoot: string; name: string }> {
    const inside = worktreeHolding(workDir, sessionWorktrees);
    if (inside) return { top: inside.path, mainRoot: inside.repo, name: basename(inside.repo) };
    // Anything else in the worktrees area (a worktree of a create stopped before recording it, whose
    // agent may have run) is no session's to vouch for: its .git and nested repositories may be an agent's.
    const area = existsSync(this.root()) ? realpathSync(this.root()) : this.root();
    if (workDir === area || workDir.startsWith(`${area}${sep}`))
      throw invalidInput(
        'workDir',
        `${workDir} is in Aegis's worktrees folder (${area}) but in no session's worktree, so its repository cannot be known safely`,
        "pass a folder of the repository's own checkout, or of a session's worktree (worktrees.dir must not hold your repositories)",
      );
    return g.repoOf(workDir, 'workDir');
  }

  /**
   * Removes a worktree at `path` that a create left locked when it was stopped before its session was
   * recorded (killed, a crash), so the name can be used again; only when it holds nothing: no
   * uncommitted or ignored files, and no commit `base` lacks. Otherwise, or while its create still
   * runs, the error says what it holds and how to clear it. The branch checked out there goes with it
   * only when it is `branch`, the one this create makes: its agent may have checked out one of yours.
   */
  private async clearLeftover(repo: string, path: string, branch: string, base: string): Promise<void> {
    if (!existsSync(path)) return this.clearMissing(repo, path);
    const c = { repo, path: realpathSync(path) };
    const holder = creator(c);
    if (holder === undefined) return;
    if (!holderGone(holder)) throw beingMade(path, holder);
    const at = await g.checkedOut(c);
    const own = at?.branch === branch;
    const held = [
      ...(await g.uncommitted(c)).map((f) => `uncommitted ${f}`),
      ...(await g.ignored(c)).map((f) => `ignored ${f}`),
      ...(at && !(await g.isAncestor(repo, at.commit, base)) ? [`commits on ${at.branch ?? 'a detached HEAD'} that ${base.slice(0, 7)} lacks`] : []),
    ];
    if (held.length)
      throw new AegisError('conflict', `${path} is a worktree a stopped session create left, and it holds ${short(held)}`, {
        field: 'name',
        fix: `pick another session name, or move what you want to keep out of it, then git -C ${repo} worktree remove -f -f ${path}${own ? ` and git -C ${repo} branch -D ${branch}` : ''}`,
      });
    await g.unlockWorktree(repo, c.path);
    await g.removeWorktree(repo, c.path);
    if (own) await g.deleteBranch(repo, branch);
  }

  /**
   * Drops the record git keeps of a worktree at `path` whose folder is gone (deleted after its create
   * was stopped): nothing is left in it to lose, and git would refuse to make the new worktree there.
   * A lock someone else set, or a create still running, keeps it.
   */
  private async clearMissing(repo: string, path: string): Promise<void> {
    const c = { repo, path };
    if (!g.recordedGitDir(c)) return;
    const holder = creator(c);
    if (holder === undefined && g.lockReason(c) !== undefined) return;
    if (holder !== undefined && !holderGone(holder)) throw beingMade(path, holder);
    if (holder !== undefined) await g.unlockWorktree(repo, path);
    await g.removeWorktree(repo, path);
  }

  /**
   * Deletes the session's default branch found left without its worktree (by a create stopped inside
   * `git worktree add`, a deleted folder, or made by hand) when it holds no commit the base lacks and
   * nothing uses it: no worktree has it checked out and no session records it. Otherwise the error
   * says why it stays, and with commits, how to look at them and delete it.
   */
  private async clearLeftBranch(repo: string, branch: string, base: { commit: string; name: string }, sessionWorktrees: WorktreeInfo[]): Promise<void> {
    const checkout = (await g.checkouts(repo)).find((c) => c.branch === branch);
    const recorded = sessionWorktrees.some((w) => w.repo === repo && w.branch === branch);
    const tip = await g.resolveCommit(repo, `refs/heads/${branch}`);
    const commits = tip ? await g.countNotIn(repo, base.commit, [tip]) : 0;
    if (!checkout && !recorded && commits === 0) return g.deleteBranch(repo, branch);
    const why = checkout
      ? `, checked out at ${checkout.path}`
      : recorded
        ? ', the branch of a session'
        : `, holding ${commits} commit(s) that ${base.name} lacks`;
    throw new AegisError('conflict', `branch "${branch}" exists already in ${repo}${why}`, {
      field: 'name',
      fix: `pick another session name (or pass another branch): Aegis never reuses a branch that may hold work${
        checkout || recorded
          ? ''
          : `; if they are nothing you want (git -C ${repo} log ${base.name}..${branch}), delete it with git -C ${repo} branch -D ${branch}`
      }`,
    });
  }

  /** The commit baseRef names now, or the one it named at creation when it is gone. */
  private async baseNow(w: WorktreeInfo): Promise<string> {
    return (await g.resolveCommit(w.repo, w.baseRef)) ?? w.baseCommit;
  }

  private async head(w: WorktreeInfo): Promise<string | undefined> {
    return g.resolveCommit(w.repo, `refs/heads/${w.branch}`);
  }

  /** The worktree's HEAD when it is not the session's branch (the agent checked out another one, or detached it). */
  private async elsewhere(w: WorktreeInfo): Promise<{ commit: string; branch?: string; what: string } | undefined> {
    const at = existsSync(w.path) ? await g.checkedOut(w) : undefined;
    if (!at || at.branch === w.branch) return undefined;
    return { ...at, what: at.branch ? `branch ${at.branch}` : `a detached HEAD (${at.commit.slice(0, 7)})` };
  }

  async inspect(w: WorktreeInfo): Promise<WorktreeState> {
    const exists = existsSync(w.path);
    const uncommitted = exists ? await g.uncommitted(w) : [];
    // The work is what the branch and the worktree's HEAD hold, wherever the agent committed it.
    const tips = [await this.head(w), (await this.elsewhere(w))?.commit].filter((c): c is string => c !== undefined);
    const unmergedCommits = tips.length ? await g.countNotIn(w.repo, await this.baseNow(w), tips) : 0;
    return { exists, uncommitted, unmergedCommits };
  }

  /**
   * Removes a worktree that holds no uncommitted work and no commits on a detached HEAD alone; its
   * branch is deleted only when baseRef has all its commits. With `keepUnmerged` (a session kill) a
   * worktree whose branch has unmerged commits stays too.
   */
  async release(w: WorktreeInfo, opts: { keepUnmerged: boolean }): Promise<ReleaseResult> {
    const st = await this.inspect(w);
    if (st.uncommitted.length)
      return { removed: false, branchDeleted: false, reason: `${st.uncommitted.length} uncommitted file(s): ${short(st.uncommitted)}` };
    const moved = await this.elsewhere(w);
    if (moved && !moved.branch && !(await this.holds(w, moved.commit)))
      // Removing the worktree would drop the only reference to them.
      return { removed: false, branchDeleted: false, reason: `its ${moved.what} holds commits that are on no branch` };
    const head = await this.head(w);
    const branchUnmerged = head ? await g.countNotIn(w.repo, await this.baseNow(w), [head]) : 0;
    const unmerged = branchUnmerged ? `branch ${w.branch} has ${branchUnmerged} commit(s) not in ${w.baseRef}` : undefined;
    if (unmerged && opts.keepUnmerged) return { removed: false, branchDeleted: false, reason: unmerged };
    if (w.path === w.repo) throw new AegisError('internal', `refusing to remove the main checkout ${w.repo}`);
    // git deletes ignored files with the worktree (an agent's .env, its builds): the caller is told which.
    const ignored = st.exists ? await g.ignored(w) : [];
    if (this.createLock(w)) await g.unlockWorktree(w.repo, w.path);
    if (st.exists) await g.removeWorktree(w.repo, w.path);
    else await g.git(w.repo, ['worktree', 'prune']);
    const deleted = ignored.length ? `deleted with it, ignored by git: ${short(ignored)}` : undefined;
    if (unmerged) return { removed: true, branchDeleted: false, reason: [`${unmerged}; branch kept`, deleted].filter(Boolean).join('; ') };
    if (head) await g.deleteBranch(w.repo, w.branch);
    return { removed: true, branchDeleted: true, ...(deleted ? { reason: deleted } : {}) };
  }

  /**
   * Whether the worktree still holds the lock of the create that made it: that create failed here, or
   * was stopped after recording its session. A lock someone else set is theirs, and stays.
   */
  private createLock(w: WorktreeInfo): boolean {
    const holder = creator(w);
    return holder !== undefined && (holder === this.holder || holderGone(holder));
  }

  /** Whether the session's branch or baseRef has `commit`. */
  private async holds(w: WorktreeInfo, commit: string): Promise<boolean> {
    const head = await this.head(w);
    return (head !== undefined && (await g.isAncestor(w.repo, commit, head))) || g.isAncestor(w.repo, commit, await this.baseNow(w));
  }

  /** The session's work (committed or not) against where its branch left baseRef; the patch paged by bytes. */
  async diff(w: WorktreeInfo, page: { offset: number; maxBytes: number }): Promise<DiffPage> {
    const head = (await this.head(w)) ?? w.baseCommit;
    const tree = existsSync(w.path) ? await g.snapshotTree(w) : await g.treeOf(w.repo, head);
    const base = (await g.mergeBase(w.repo, await this.baseNow(w), head)) ?? w.baseCommit;
    const opts = ['--no-color', '--no-ext-diff', '--no-renames'];
    const numstat = (await g.git(w.repo, ['diff', ...opts, '--numstat', '-z', base, tree])).split('\0').filter(Boolean);
    const status = (await g.git(w.repo, ['diff', ...opts, '--name-status', '-z', base, tree])).split('\0').filter(Boolean);
    const counts = new Map<string, { added?: number; deleted?: number }>();
    for (const row of numstat) {
      const [a, d, path] = row.split('\t');
      counts.set(path!, { added: a === '-' ? undefined : Number(a), deleted: d === '-' ? undefined : Number(d) });
    }
    const files: DiffPage['files'] = [];
    for (let i = 0; i + 1 < status.length; i += 2) files.push({ path: status[i + 1]!, status: status[i]!, ...counts.get(status[i + 1]!) });
    const patch = Buffer.from(await g.git(w.repo, ['diff', ...opts, base, tree]));
    let end = Math.min(patch.length, page.offset + page.maxBytes);
    // Pages end on a character boundary, so no page holds half a UTF-8 sequence; a character wider
    // than the page is taken whole, so every page moves on.
    const inside = (i: number) => i < patch.length && (patch[i]! & 0xc0) === 0x80;
    while (inside(end) && end > page.offset) end--;
    if (end === page.offset) while (inside(++end));
    return {
      base,
      files,
      stat: { files: files.length, insertions: files.reduce((n, f) => n + (f.added ?? 0), 0), deletions: files.reduce((n, f) => n + (f.deleted ?? 0), 0) },
      patch: patch.subarray(Math.min(page.offset, patch.length), end).toString('utf8'),
      patchBytes: patch.length,
      nextOffset: end < patch.length ? end : undefined,
    };
  }

  /** The session branch's commit, when its worktree has it checked out; `what` names the refused operation. */
  private async branchHead(w: WorktreeInfo, sessionName: string, what: string): Promise<string> {
    const head = await this.head(w);
    if (!head) throw new AegisError('conflict', `branch ${w.branch} no longer exists`, { field: 'id', fix: `nothing to ${what}` });
    const moved = await this.elsewhere(w);
    if (moved)
      throw new AegisError('conflict', `the worktree of session ${sessionName} has ${moved.what} checked out, not ${w.branch}: its commits are there`, {
        field: 'id',
        fix: `check out ${w.branch} in ${w.path} and bring that work onto it (git merge or cherry-pick), then ${what} again`,
      });
    return head;
  }

  /** The agent's uncommitted work as a commit on top of `head`, or `head` when there is none; no ref moves. */
  private async workOn(w: WorktreeInfo, head: string, message: string): Promise<string> {
    if (!existsSync(w.path) || !(await g.uncommitted(w)).length) return head;
    return g.commitTree(w.repo, await g.snapshotTree(w), [head], message);
  }

  /** The branch takes the work commit; the worktree's index is reset to it, the agent's files are left as they are. */
  private async take(w: WorktreeInfo, head: string, work: string, sessionName: string): Promise<void> {
    await g.updateRef(w.repo, `refs/heads/${w.branch}`, work, head, `aegis: commit work of session ${sessionName}`);
    await g.gitInCheckout(w, ['read-tree', work]);
  }

  /**
   * Commits the work the agent left uncommitted on the session's branch, so what starts from the
   * branch (a later pipeline stage) starts from all of it. Calls for one worktree take turns: stages
   * that start from the same branch at once would otherwise race to move it.
   * Returns the commit made, or undefined when there was nothing uncommitted.
   */
  commitWork(w: WorktreeInfo, sessionName: string): Promise<string | undefined> {
    const turn = (this.committing.get(w.path) ?? Promise.resolve()).then(async () => {
      const head = await this.branchHead(w, sessionName, 'start from its branch');
      const work = await this.workOn(w, head, `Work of session ${sessionName} (committed by Aegis for what starts from its branch)`);
      if (work === head) return undefined;
      await this.take(w, head, work, sessionName);
      return work;
    });
    const settled = turn.catch(() => undefined);
    this.committing.set(w.path, settled);
    void settled.then(() => {
      if (this.committing.get(w.path) === settled) this.committing.delete(w.path);
    });
    return turn;
  }

  /**
   * Merges the session's work into `target` (default: baseRef, when it is a branch). The merge is
   * computed without a worktree (git merge-tree); on a conflict nothing moves and the conflicting
   * files are reported. Work the agent left uncommitted is committed on its branch first.
   */
  async merge(w: WorktreeInfo, sessionName: string, target?: string): Promise<MergeResult> {
    const into = target ?? w.baseRef;
    const field = target ? 'target' : 'baseRef';
    if (!(await g.branchExists(w.repo, into))) throw invalidInput(field, `"${into}" is not a branch of ${w.repo}`, 'pass target: the branch to merge into');
    if (into === w.branch) throw invalidInput('target', `cannot merge branch ${w.branch} into itself`, 'pass another target branch');
    const head = await this.branchHead(w, sessionName, 'merge');
    const targetSha = (await g.resolveCommit(w.repo, `refs/heads/${into}`))!;
    const work = await this.workOn(w, head, `Work of session ${sessionName} (committed by Aegis to merge it)`);
    if (await g.isAncestor(w.repo, work, targetSha)) return { target: into, commit: targetSha, fastForward: false, upToDate: true };

    const fastForward = await g.isAncestor(w.repo, targetSha, work);
    let merged = work;
    if (!fastForward) {
      const { tree, conflicts } = await g.mergeTree(w.repo, targetSha, work);
      if (conflicts.length) {
        throw new AegisError('conflict', `merging ${w.branch} into ${into} conflicts in ${conflicts.length} file(s): ${conflicts.join(', ')}`, {
          field: 'target',
          fix: `nothing was changed; tell the agent to rebase onto ${into} and resolve ${short(conflicts, 5)}, then merge again`,
        });
      }
      merged = await g.commitTree(w.repo, tree, [targetSha, work], `Merge branch '${w.branch}' into ${into} (session ${sessionName})`);
    }

    // The target's checkout, if any, must be able to move with it: refuse before anything changes.
    const checkout = (await g.checkouts(w.repo)).find((c) => c.branch === into);
    if (checkout) {
      const dirty = await g.uncommitted({ repo: w.repo, path: checkout.path });
      if (dirty.length)
        throw new AegisError('conflict', `${into} is checked out at ${checkout.path} with uncommitted changes (${short(dirty, 5)})`, {
          field: 'target',
          fix: 'commit or stash them there, or merge into another branch (target)',
        });
    }

    let committedWork: string | undefined;
    if (work !== head) {
      await this.take(w, head, work, sessionName);
      committedWork = work;
    }
    if (checkout) await g.gitInCheckout({ repo: w.repo, path: checkout.path }, ['merge', '--ff-only', '--quiet', merged]);
    else await g.updateRef(w.repo, `refs/heads/${into}`, merged, targetSha, `aegis: merge ${w.branch} (session ${sessionName})`);
    return { target: into, commit: merged, fastForward, committedWork, updatedCheckout: checkout?.path, upToDate: false };
  }
}

/** The session worktree that folder `dir` (a real path) is in, if any. */
export function worktreeHolding(dir: string, worktrees: WorktreeInfo[]): WorktreeInfo | undefined {
  return worktrees.find((w) => dir === w.path || dir.startsWith(`${w.path}${sep}`));
}

/** The default branch of a session: `aegis/<name>`, made acceptable to git. */
export function branchFor(sessionName: string): string {
  return `aegis/${
    sessionName
      .replace(/\.{2,}/g, '.')
      .replace(/(\.lock)+$/, '')
      .replace(/\.+$/, '') || 'session'
  }`;
}

/** A repository's folder name as one safe path segment. */
function segment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'repo';
}
