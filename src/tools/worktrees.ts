/** Worktree tools: a worktree session's diff and merge, and removing the clean worktrees of ended sessions. */
import * as z from 'zod';
import { defineTool } from './define.js';
import { gitRef, INPUT_LIMITS as L, str } from './schemas.js';

const id = str(L.idChars).min(1).describe('Session id (unique prefix of 4+ characters) or name');
/** Patch bytes per page by default and at most (a page must fit an MCP reply comfortably). */
const PAGE_BYTES = 64 * 1024;
const MAX_PAGE_BYTES = 1024 * 1024;

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
    const { session, worktree, diff } = await app.sessions.worktreeDiff(input.id, { offset: input.offset, maxBytes: input.maxBytes });
    return { id: session.id, branch: worktree.branch, baseRef: worktree.baseRef, ...diff };
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
    const { session, worktree, merge } = await app.sessions.worktreeMerge(input.id, input.target);
    return { id: session.id, branch: worktree.branch, ...merge };
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
  handler: async ({ app }) => app.sessions.pruneWorktrees(),
});

export const worktreeTools = [sessionDiff, sessionMerge, worktreePrune];
