import * as z from 'zod';
import type { App } from '../app.js';
import { AegisError } from '../errors.js';
import { ENDED_STATES, type SessionRecord } from '../sessions/store.js';
import type { WorktreeInfo } from '../worktrees/service.js';
import { defineTool } from './define.js';
import { gitRef, INPUT_LIMITS as L, str } from './schemas.js';

const id = str(L.idChars).min(1).describe('Session id (unique prefix of 4+ characters) or name');
/** Patch bytes per page by default and at most (a page must fit an MCP reply comfortably). */
const PAGE_BYTES = 64 * 1024;
const MAX_PAGE_BYTES = 1024 * 1024;

function worktreeOf(app: App, ref: string): { session: SessionRecord; worktree: WorktreeInfo } {
  const session = app.sessions.resolve(ref);
  if (!session.worktree)
    throw new AegisError('conflict', `session ${session.name} has no worktree`, {
      field: 'id',
      fix: 'only sessions created with worktree: true have a branch to diff or merge',
    });
  return { session, worktree: session.worktree };
}

const sessionDiff = defineTool({
  name: 'session_diff',
  title: "Diff a session's work",
  description:
    "A worktree session's changes (committed or not) against where its branch left baseRef: files, stat and the patch, paged by bytes (pass nextOffset back).",
  input: z.object({
    id,
    offset: z.number().int().min(0).default(0).describe('Patch byte offset (nextOffset of the previous page)'),
    maxBytes: z.number().int().min(1).max(MAX_PAGE_BYTES).default(PAGE_BYTES).describe('Patch bytes per page'),
  }),
  output: z.object({
    id: z.string(),
    branch: z.string(),
    baseRef: z.string(),
    base: z.string().describe('The commit compared against'),
    files: z.array(z.object({ path: z.string(), status: z.string(), added: z.number().optional(), deleted: z.number().optional() })),
    stat: z.object({ files: z.number(), insertions: z.number(), deletions: z.number() }),
    patch: z.string(),
    patchBytes: z.number(),
    nextOffset: z.number().optional(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['id'], render: (o) => o.patch + (o.nextOffset !== undefined ? `\n(more: --offset ${o.nextOffset})\n` : '') },
  handler: async ({ app }, input) => {
    const { session, worktree } = worktreeOf(app, input.id);
    const d = await app.sessions.worktrees.diff(worktree, { offset: input.offset, maxBytes: input.maxBytes });
    return { id: session.id, branch: worktree.branch, baseRef: worktree.baseRef, ...d };
  },
});

const sessionMerge = defineTool({
  name: 'session_merge',
  title: "Merge a session's branch",
  description:
    "Merges a worktree session's work (uncommitted work is committed on its branch first) into target (default its baseRef). On conflict nothing changes and the conflicting files are listed.",
  input: z.object({ id, target: gitRef.optional().describe("Branch to merge into (default the session's baseRef)") }),
  output: z.object({
    id: z.string(),
    branch: z.string(),
    target: z.string(),
    commit: z.string(),
    fastForward: z.boolean(),
    upToDate: z.boolean(),
    committedWork: z.string().optional(),
    updatedCheckout: z.string().optional().describe('The checkout of target that was fast-forwarded'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['id'] },
  handler: async ({ app }, input) => {
    const { session, worktree } = worktreeOf(app, input.id);
    const r = await app.sessions.worktrees.merge(worktree, session.name, input.target);
    return { id: session.id, branch: worktree.branch, ...r };
  },
});

const entry = z.object({ session: z.string(), path: z.string(), branch: z.string() });

const worktreePrune = defineTool({
  name: 'worktree_prune',
  title: 'Remove clean worktrees',
  description:
    'Removes the worktrees of ended sessions that hold no uncommitted work (their branches deleted only when merged); reports every kept one and why.',
  input: z.object({}),
  output: z.object({
    removed: z.array(entry.extend({ branchDeleted: z.boolean(), note: z.string().optional() })),
    kept: z.array(entry.extend({ reason: z.string() })),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ app }) => {
    await app.sessions.refreshLive();
    const removed = [];
    const kept = [];
    for (const s of app.sessions.store.withWorktree()) {
      const w = s.worktree!;
      const base = { session: s.name, path: w.path, branch: w.branch };
      if (!ENDED_STATES.includes(s.state)) {
        kept.push({ ...base, reason: `session is ${s.state}` });
        continue;
      }
      try {
        const r = await app.sessions.worktrees.release(w, { keepUnmerged: false });
        if (!r.removed) {
          kept.push({ ...base, reason: r.reason ?? 'kept' });
          continue;
        }
        app.sessions.store.dropWorktree(s.id);
        removed.push({ ...base, branchDeleted: r.branchDeleted, note: r.reason });
      } catch (err) {
        kept.push({ ...base, reason: (err as Error).message });
      }
    }
    return { removed, kept };
  },
});

export const worktreeTools = [sessionDiff, sessionMerge, worktreePrune];
