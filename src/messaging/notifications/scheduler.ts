import { briefing } from './briefing.js';
import { localDay } from './journal.js';
import type { Notifier } from './notifier.js';
import type { MessagingService } from '../service.js';
import type { MessagingDeps } from '../deps.js';
import type { StatusDeps } from './status.js';

/** What the scheduler reads: the briefing times and what a briefing reports; failures go to the log. */
export type SchedulerDeps = StatusDeps & Pick<MessagingDeps, 'db' | 'log'>;

const CHECK_MS = 30_000;
/** A briefing missed by more than this (serve was down) is skipped rather than sent late. */
const LATE_MS = 3 * 3_600_000;

/** Minutes since local midnight of "HH:MM". */
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Sends the morning and evening briefings to subscribers at the configured local times, once a day:
 * the day is claimed in SQLite before sending, so a restart (or a second process) never sends it twice.
 */
export class BriefingScheduler {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly messaging: MessagingService,
    private readonly notifier: Notifier,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), CHECK_MS);
    this.timer.unref();
    void this.check();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Sends whichever briefing is due now; returns the ones sent. */
  async check(now = Date.now()): Promise<('morning' | 'evening')[]> {
    const sent: ('morning' | 'evening')[] = [];
    const d = new Date(now);
    const minutes = d.getHours() * 60 + d.getMinutes();
    for (const which of ['morning', 'evening'] as const) {
      const at = this.deps.config.get(`messaging.${which}Briefing` as const);
      if (at === 'off') continue;
      const late = (minutes - minutesOf(at)) * 60_000;
      if (late < 0 || late > LATE_MS) continue;
      if (!this.messaging.cursors.claim(`briefing.${which}`, localDay(now))) continue;
      try {
        const rich = await briefing(this.deps, this.messaging.codes, this.messaging.journal, which, now);
        this.notifier.dispatch({ event: 'briefing', dedupKey: `briefing:${which}:${localDay(now)}`, rich, actionable: false });
        sent.push(which);
      } catch (err) {
        this.deps.log.warn('briefing failed', { which, error: (err as Error).message });
      }
    }
    return sent;
  }
}
