/** What the session tools share: the id field, the state enum, the summary schema and how a record is shown. */
import * as z from 'zod';
import { SESSION_STATES } from '../../agents/types.js';
import type { App } from '../../app.js';
import type { SessionRecord } from '../../sessions/index.js';
import { sessionUsage, spendView } from '../../usage/index.js';
import { INPUT_LIMITS as L, str, usageSchema, worktreeSchema } from '../schemas.js';

export const id = str(L.idChars).min(1).describe('Session id (or a unique 4+ character prefix), or its name');
export const state = z.enum(SESSION_STATES);

export const sessionSummary = z.object({
  id: z.string(),
  name: z.string(),
  agent: z.string(),
  state,
  stateSince: z.string(),
  lastActivity: z.string(),
  workDir: z.string(),
  worktree: worktreeSchema.optional(),
  usage: usageSchema.optional(),
  budget: z.object({ usd: z.number().optional(), tokens: z.number().optional(), usedPercent: z.number() }).optional(),
});

export const iso = (ms: number) => new Date(ms).toISOString();
/** Usage from the agent's own records, and the budget's share used, when the agent keeps records. */
export const spend = (app: App, s: SessionRecord) => spendView(sessionUsage(app.sessions, s), s.budget);

export const brief = (s: SessionRecord) => ({
  id: s.id,
  name: s.name,
  agent: s.agent,
  state: s.state,
  stateSince: iso(s.stateSince),
  lastActivity: iso(s.lastActivity),
  workDir: s.workDir,
  worktree: s.worktree && { path: s.worktree.path, branch: s.worktree.branch, baseRef: s.worktree.baseRef },
});

export const sendResult = z.object({
  status: z.enum(['delivered', 'queued', 'failed']),
  messageId: z.number(),
  position: z.number().optional(),
  error: z.string().optional(),
});
