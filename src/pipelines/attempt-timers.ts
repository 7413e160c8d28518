/**
 * The timers a pipeline runner keeps for one held pipeline: each attempt's timeout, and the short
 * re-checks of a decision that waits on the prompt's delivery being confirmed (runner.ts).
 */

/** A decision that waits on the prompt's delivery being confirmed is looked at again after this. */
const RECHECK_MS = 250;
const MAX_RECHECKS = 40;

export class AttemptTimers {
  private readonly timeouts = new Map<string, NodeJS.Timeout>();
  private readonly rechecks = new Map<string, { timer?: NodeJS.Timeout; count: number }>();

  /** Arms an attempt's timeout once: `fire` runs at `dueAt`, at once when that has passed. */
  armTimeout(attemptId: string, dueAt: number, fire: () => void): void {
    if (this.timeouts.has(attemptId)) return;
    const timer = setTimeout(fire, Math.max(0, dueAt - Date.now()));
    timer.unref();
    this.timeouts.set(attemptId, timer);
  }

  /** Runs `fire` soon, unless a re-check is already pending or the attempt had its share of them. */
  recheck(attemptId: string, fire: () => void): void {
    const r = this.rechecks.get(attemptId) ?? { count: 0 };
    if (r.timer || r.count >= MAX_RECHECKS) return;
    r.count++;
    r.timer = setTimeout(() => {
      r.timer = undefined;
      fire();
    }, RECHECK_MS);
    this.rechecks.set(attemptId, r);
  }

  /** The attempt ended: its timeout and re-checks are dropped. */
  clear(attemptId: string): void {
    clearTimeout(this.timeouts.get(attemptId));
    this.timeouts.delete(attemptId);
    clearTimeout(this.rechecks.get(attemptId)?.timer);
    this.rechecks.delete(attemptId);
  }

  /** The pipeline is no longer held here: every timer stops. */
  clearAll(): void {
    this.timeouts.forEach((t) => clearTimeout(t));
    this.rechecks.forEach((r) => clearTimeout(r.timer));
  }
}
