/** A session's worktree from the outside: its diff, merging its branch, and removing the clean ones of ended sessions. */
import { AegisError } from '../errors.js';
import type { DiffPage, MergeResult, WorktreeInfo } from '../worktrees/index.js';
import type { SessionCore } from './core.js';
import { ENDED_STATES, type SessionRecord } from './store.js';

export interface PruneReport {
  removed: { session: string; path: string; branch: string; branchDeleted: boolean; note?: string }[];
  kept: { session: string; path: string; branch: string; reason: string }[];
}

/** The session and its worktree; an error naming the fix when it was not started in one. */
export function worktreeOf(core: SessionCore, ref: string): { session: SessionRecord; worktree: WorktreeInfo } {
  const session = core.resolve(ref);
  if (!session.worktree)
    throw new AegisError('conflict', `session ${session.name} has no worktree`, {
      field: 'id',
      fix: 'only sessions created with worktree: true have a branch to diff or merge',
    });
  return { session, worktree: session.worktree };
}

export async function worktreeDiff(
  core: SessionCore,
  ref: string,
  page: { offset: number; maxBytes: number },
): Promise<{ session: SessionRecord; worktree: WorktreeInfo; diff: DiffPage }> {
  const { session, worktree } = worktreeOf(core, ref);
  return { session, worktree, diff: await core.worktrees.diff(worktree, page) };
}

export async function worktreeMerge(
  core: SessionCore,
  ref: string,
  target: string | undefined,
): Promise<{ session: SessionRecord; worktree: WorktreeInfo; merge: MergeResult }> {
  const { session, worktree } = worktreeOf(core, ref);
  return { session, worktree, merge: await core.worktrees.merge(worktree, session.name, target) };
}

/** Commits the work a session's agent left uncommitted on its branch (see WorktreeService.commitWork). */
export async function worktreeCommit(core: SessionCore, ref: string): Promise<string | undefined> {
  const { session, worktree } = worktreeOf(core, ref);
  return core.worktrees.commitWork(worktree, session.name);
}

/** Removes the worktrees of ended sessions that hold no uncommitted work; reports every kept one and why. */
export async function pruneWorktrees(core: SessionCore): Promise<PruneReport> {
  const report: PruneReport = { removed: [], kept: [] };
  for (const s of core.store.withWorktree()) {
    const w = s.worktree!;
    const base = { session: s.name, path: w.path, branch: w.branch };
    if (!ENDED_STATES.includes(s.state)) {
      report.kept.push({ ...base, reason: `session is ${s.state}` });
      continue;
    }
    try {
      const r = await core.worktrees.release(w, { keepUnmerged: false });
      if (!r.removed) {
        report.kept.push({ ...base, reason: r.reason ?? 'kept' });
        continue;
      }
      core.store.dropWorktree(s.id);
      report.removed.push({ ...base, branchDeleted: r.branchDeleted, note: r.reason });
    } catch (err) {
      report.kept.push({ ...base, reason: (err as Error).message });
    }
  }
  return report;
}
