import type { Db } from '../db/open.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../util/log.js';
import { addUsage, emptyUsage, rounded, usageOfFile, type Usage } from './usage.js';

/** A spending limit: estimated US dollars, tokens (input + output + cache), or both. */
export interface Budget {
  usd?: number;
  tokens?: number;
}

/** What budgets read of a session (a session record has it; declared here so usage needs nothing of sessions). */
export interface UsageSession {
  id: string;
  name: string;
  agent: string;
  state: string;
  budget?: Budget;
  /** The share of the budget already announced: 0, 80 or 100. */
  budgetNotified?: number;
}

/** The share of a budget used, in percent: the larger of its dollar and token shares. */
export function budgetPercent(b: Budget, u: Usage): number {
  return Math.max(b.usd ? (u.costUsd / b.usd) * 100 : 0, b.tokens ? (u.totalTokens / b.tokens) * 100 : 0);
}

/** Where usage is read from: a session's transcript file and its record (the sessions service has both). */
export interface UsageSessions<S extends UsageSession = UsageSession> {
  transcriptPath(s: S): string | undefined;
  get(id: string): S | undefined;
}

/** What the budget check reads and does in the sessions area; declared here so usage never imports the service. */
export interface BudgetSessions<S extends UsageSession = UsageSession> extends UsageSessions<S> {
  /** Live sessions with a budget not yet used up. */
  liveWithBudget(): S[];
  /** Records that the share `level` was announced; false when it (or more) already was. */
  claimBudgetLevel(id: string, level: number): boolean;
  interrupt(ref: string, key: 'interrupt'): Promise<unknown>;
}

/** A session's usage from its agent's own records (Claude Code's transcript, Codex's rollout log). */
export function sessionUsage<S extends UsageSession>(svc: UsageSessions<S>, s: S): Usage | undefined {
  const path = svc.transcriptPath(s);
  return path ? usageOfFile(path, s.agent) : undefined;
}

/** What budget checks use: the database (claims, pipeline attempts), the event bus, the log, the sessions. */
export interface BudgetDeps {
  db: Db;
  events: EventBus;
  log: Logger;
}

/** A pipeline's usage: every attempt's session, retries included. */
export function pipelineUsage(db: Db, svc: UsageSessions, pipelineId: string): Usage {
  const ids = (
    db.prepare('SELECT DISTINCT session_id FROM pipeline_attempts WHERE pipeline_id = ? AND session_id IS NOT NULL').all(pipelineId) as { session_id: string }[]
  ).map((r) => r.session_id);
  let sum = emptyUsage();
  for (const id of ids) {
    const s = svc.get(id);
    const u = s && sessionUsage(svc, s);
    if (u) sum = addUsage(sum, u);
  }
  return sum;
}

/** Usage (rounded) and the budget's share used, as tools show them. */
export function spendView(usage: Usage | undefined, budget: Budget | undefined) {
  return { usage: usage && rounded(usage), budget: budget && { ...budget, usedPercent: usage ? Math.round(budgetPercent(budget, usage) * 10) / 10 : 0 } };
}

/** The notice levels, in percent of the budget. */
export const NOTICE_AT = 80;
export const INTERRUPT_AT = 100;

/**
 * Watches the budgets of live sessions (in a long-lived process): at 80 % a `budget_notice` event
 * (notifiers, webhooks, integrations see it), at 100 % the agent's turn is interrupted. Each level is
 * claimed in the database first, so with several processes watching it happens once.
 */
export async function checkBudgets<S extends UsageSession>(deps: BudgetDeps, svc: BudgetSessions<S>): Promise<void> {
  await checkSessionBudgets(deps, svc);
  await checkPipelineBudgets(deps, svc);
}

async function checkSessionBudgets<S extends UsageSession>(deps: BudgetDeps, svc: BudgetSessions<S>): Promise<void> {
  for (const s of svc.liveWithBudget()) {
    if (!s.budget || (s.budgetNotified ?? 0) >= INTERRUPT_AT) continue;
    const usage = sessionUsage(svc, s);
    if (!usage) continue;
    const percent = budgetPercent(s.budget, usage);
    const level = percent >= INTERRUPT_AT ? INTERRUPT_AT : percent >= NOTICE_AT ? NOTICE_AT : 0;
    if (!level || !svc.claimBudgetLevel(s.id, level)) continue;
    deps.events.emit('budget_notice', {
      sessionId: s.id,
      name: s.name,
      percent: Math.round(percent),
      budget: s.budget,
      usage,
      action: level === INTERRUPT_AT ? 'interrupted' : 'notice',
    });
    deps.log.warn(level === INTERRUPT_AT ? 'budget used up: interrupting the agent' : 'budget 80 % used', { session: s.id, percent: Math.round(percent) });
    if (level === INTERRUPT_AT && ['working', 'stalled'].includes(s.state)) {
      await svc.interrupt(s.id, 'interrupt').catch((err: Error) => deps.log.warn('budget interrupt failed', { session: s.id, error: err.message }));
    }
  }
}

/** A pipeline that ended between two checks still has the level it reached announced (nothing is left to interrupt). */
const ENDED_GRACE_MS = 30_000;

/** The same for running (or just ended) pipelines with a budget: their sessions' usage summed; at 100 % every live stage is interrupted. */
async function checkPipelineBudgets<S extends UsageSession>(deps: BudgetDeps, svc: BudgetSessions<S>): Promise<void> {
  const rows = deps.db
    .prepare("SELECT id, name, spec, budget_notified FROM pipelines WHERE (status = 'running' OR finished_at > ?) AND budget_notified < ?")
    .all(Date.now() - ENDED_GRACE_MS, INTERRUPT_AT) as {
    id: string;
    name: string;
    spec: string;
    budget_notified: number;
  }[];
  for (const p of rows) {
    const budget = (JSON.parse(p.spec) as { budget?: Budget }).budget;
    if (!budget) continue;
    const usage = pipelineUsage(deps.db, svc, p.id);
    const percent = budgetPercent(budget, usage);
    const level = percent >= INTERRUPT_AT ? INTERRUPT_AT : percent >= NOTICE_AT ? NOTICE_AT : 0;
    if (!level || deps.db.prepare('UPDATE pipelines SET budget_notified = ? WHERE id = ? AND budget_notified < ?').run(level, p.id, level).changes !== 1)
      continue;
    deps.events.emit('budget_notice', {
      pipelineId: p.id,
      name: p.name,
      percent: Math.round(percent),
      budget,
      usage,
      action: level === INTERRUPT_AT ? 'interrupted' : 'notice',
    });
    deps.log.warn(level === INTERRUPT_AT ? 'pipeline budget used up: interrupting its agents' : 'pipeline budget 80 % used', {
      pipeline: p.id,
      percent: Math.round(percent),
    });
    if (level !== INTERRUPT_AT) continue;
    const live = deps.db
      .prepare("SELECT DISTINCT session_id FROM pipeline_attempts WHERE pipeline_id = ? AND status IN ('starting', 'running') AND session_id IS NOT NULL")
      .all(p.id) as { session_id: string }[];
    for (const { session_id } of live) {
      if (['working', 'stalled'].includes(svc.get(session_id)?.state ?? ''))
        await svc
          .interrupt(session_id, 'interrupt')
          .catch((err: Error) => deps.log.warn('budget interrupt failed', { session: session_id, error: err.message }));
    }
  }
}
