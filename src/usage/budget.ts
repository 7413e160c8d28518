import type { App } from '../app.js';
import type { SessionService } from '../sessions/service.js';
import type { Budget, SessionRecord } from '../sessions/store.js';
import { usageOfFile, type Usage } from './usage.js';

/** The share of a budget used, in percent: the larger of its dollar and token shares. */
export function budgetPercent(b: Budget, u: Usage): number {
  return Math.max(b.usd ? (u.costUsd / b.usd) * 100 : 0, b.tokens ? (u.totalTokens / b.tokens) * 100 : 0);
}

/** A session's usage from its agent's own records (Claude Code's transcript, Codex's rollout log). */
export function sessionUsage(svc: SessionService, s: SessionRecord): Usage | undefined {
  const path = svc.transcriptPath(s);
  return path ? usageOfFile(path, s.agent) : undefined;
}

/** The notice levels, in percent of the budget. */
export const NOTICE_AT = 80;
export const INTERRUPT_AT = 100;

/**
 * Watches the budgets of live sessions (in a long-lived process): at 80 % a `budget_notice` event
 * (notifiers, webhooks, integrations see it), at 100 % the agent's turn is interrupted. Each level is
 * claimed in the database first, so with several processes watching it happens once.
 */
export async function checkSessionBudgets(app: App, svc: SessionService): Promise<void> {
  for (const s of svc.store.live()) {
    if (!s.budget || (s.budgetNotified ?? 0) >= INTERRUPT_AT) continue;
    const usage = sessionUsage(svc, s);
    if (!usage) continue;
    const percent = budgetPercent(s.budget, usage);
    const level = percent >= INTERRUPT_AT ? INTERRUPT_AT : percent >= NOTICE_AT ? NOTICE_AT : 0;
    if (!level || !svc.store.claimBudgetLevel(s.id, level)) continue;
    app.events.emit('budget_notice', { sessionId: s.id, name: s.name, percent: Math.round(percent), budget: s.budget, usage, action: level === INTERRUPT_AT ? 'interrupted' : 'notice' });
    app.log.warn(level === INTERRUPT_AT ? 'budget used up: interrupting the agent' : 'budget 80 % used', { session: s.id, percent: Math.round(percent) });
    if (level === INTERRUPT_AT && ['working', 'stalled'].includes(s.state)) {
      await svc.interrupt(s.id, 'interrupt').catch((err: Error) => app.log.warn('budget interrupt failed', { session: s.id, error: err.message }));
    }
  }
}
