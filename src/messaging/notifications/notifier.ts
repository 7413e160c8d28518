import type { Dialog, SessionState } from '../../agents/types.js';
import type { Rich } from '../../channels/format.js';
import { localTime } from './journal.js';
import { heldBack, markMerged } from '../delivery/messages.js';
import { targetKey, type Subscription, type Target } from '../delivery/targets.js';
import { clip } from '../../util/text.js';
import { dialogLine } from '../present.js';
import { REDRAW_MS } from '../approvals/codes.js';
import {
  budgetNotice,
  deadNotice,
  pipelineBudgetNotice,
  permissionNotice,
  setupNotice,
  pickerNotice,
  pipelineNotice,
  stalledNotice,
  turnNotice,
  type Notice,
} from './notices.js';
import { Deduper, RateLimiter } from './rate-limit.js';
import type { MessagingService } from '../service.js';
import { WAITING_STATES } from '../approvals/codes.js';
import type { MessagingDeps } from '../deps.js';

/** What the notifier reads: session events and rows, finished pipelines, held-back notices, its settings. */
export type NotifierDeps = Pick<MessagingDeps, 'config' | 'db' | 'events' | 'log' | 'sessions' | 'pipelines'>;

export interface NotifierOptions {
  subscriptions: Subscription[];
  ratePerMinute: number;
  dedupMs: number;
  /** The rate limit's window (a minute; shorter in tests). */
  rateWindowMs?: number;
}

const PIPELINE_POLL_MS = 2_000;
const PIPELINE_CURSOR = 'notify.pipelines.after';
/** Per session, the budget level (80, 100) already told; the level is claimed by whichever Aegis process checks budgets, so it is read from the store. */
const budgetCursor = (id: string) => `notify.budget.${id}`;
const RECENT_PIPELINE_MS = 10 * 60_000;
/** How often held-back notices are checked for a digest that the rate limit now lets through. */
const DIGEST_POLL_MS = 5_000;

/**
 * Turns session events into notifications for the subscribers of each kind: every permission prompt
 * (with the code that answers it), questions, finished turns (the reply text), stalled and dead
 * sessions, finished pipelines. Runs in the one process that sends (`ag serve`), which watches every
 * live session. De-duplicated; rate-limited per target except for what needs an answer.
 */
export class Notifier {
  private readonly unsubscribe: (() => void)[] = [];
  private readonly dedup: Deduper;
  private readonly rate: RateLimiter;
  /** Per session: the prompt code last notified and when (the store's state time) the session left that prompt. */
  private readonly prompts = new Map<string, { code: string; leftAt?: number }>();
  private pipelineTimer?: NodeJS.Timeout;
  private digestTimer?: NodeJS.Timeout;
  private readonly settling = new Set<NodeJS.Timeout>();

  constructor(
    private readonly deps: NotifierDeps,
    private readonly messaging: MessagingService,
    private readonly opts: NotifierOptions,
  ) {
    this.dedup = new Deduper(opts.dedupMs);
    this.rate = new RateLimiter(opts.ratePerMinute, opts.rateWindowMs);
  }

  start(): void {
    const ev = this.deps.events;
    this.unsubscribe.push(
      ev.on('session_state_changed', (e) =>
        this.guard(() => this.onState(e.sessionId, e.from as SessionState, e.to as SessionState, e.detail as Dialog | undefined)),
      ),
      ev.on('session_turn_finished', (e) => this.guard(() => this.onTurn(e.sessionId, e.at, e.message))),
    );
    if (!this.messaging.cursors.get(PIPELINE_CURSOR)) this.messaging.cursors.set(PIPELINE_CURSOR, String(Date.now()));
    this.pipelineTimer = setInterval(() => {
      this.guard(() => this.pollPipelines());
      this.guard(() => this.pollBudgets());
    }, PIPELINE_POLL_MS);
    this.pipelineTimer.unref();
    // Held-back notices (also those of a previous run) go out as a digest once the limit allows.
    this.digestTimer = setInterval(() => this.guard(() => this.flushDigests()), Math.min(DIGEST_POLL_MS, (this.opts.rateWindowMs ?? 60_000) / 2));
    this.digestTimer.unref();
  }

  stop(): void {
    clearInterval(this.pipelineTimer);
    clearInterval(this.digestTimer);
    for (const t of this.settling) clearTimeout(t);
    this.settling.clear();
    while (this.unsubscribe.length) this.unsubscribe.pop()!();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.log.warn('notification failed', { error: (err as Error).message });
    }
  }

  private onState(sessionId: string, from: SessionState, to: SessionState, detail?: Dialog): void {
    const s = this.deps.sessions.get(sessionId);
    if (!s) return;
    if (WAITING_STATES.includes(from) && !WAITING_STATES.includes(to)) {
      const p = this.prompts.get(sessionId);
      if (p) {
        p.leftAt = s.stateSince;
        this.settleLater(sessionId, p.code, s.stateSince);
      }
    }
    const dialog = detail ?? s.dialog;
    if ((to === 'permission_prompt' || to === 'plan' || to === 'asking') && dialog && dialog.kind !== 'setup') {
      const instance = { sessionId, openedAt: s.stateSince, dialog };
      const last = this.prompts.get(sessionId);
      // Back on the same prompt after a redraw too short to be an answer: the same prompt, its code carried over, not notified again.
      if (last?.leftAt !== undefined && s.stateSince - last.leftAt < REDRAW_MS && this.messaging.codes.carryOver(instance) === last.code) {
        this.prompts.set(sessionId, { code: last.code });
        return;
      }
      const { code } = this.messaging.codes.forDialog(instance);
      if (last?.code === code && last.leftAt === undefined) return;
      // Straight from one prompt to another: the first one was answered (in the terminal, or by a tool).
      if (last && last.code !== code && last.leftAt === undefined) this.settleLater(sessionId, last.code, s.stateSince);
      this.prompts.set(sessionId, { code });
      this.dispatch(dialog.kind === 'question' ? pickerNotice(s, dialog, code) : permissionNotice(s, dialog, code));
      return;
    }
    if (to === 'permission_prompt' && dialog?.kind === 'setup') {
      this.dispatch(setupNotice(s, dialog));
      return;
    }
    if (to === 'stalled') {
      this.dispatch(stalledNotice(s, this.deps.config.get('sessions.stallSeconds')));
      this.messaging.journal.add('event', `${s.name} stalled`, 'notifier');
    } else if (to === 'dead') {
      this.dispatch(deadNotice(s));
      this.messaging.journal.add('alert', `${s.name} died`, 'notifier');
    }
  }

  private onTurn(sessionId: string, at: number, message?: string): void {
    const s = this.deps.sessions.get(sessionId);
    if (!s) return;
    const asking = s.state === 'asking' || /\?\s*$/.test(message ?? '');
    this.dispatch(turnNotice(s, message ?? s.lastAssistant, asking, at));
    this.messaging.journal.add('event', `${s.name} finished a turn: ${clip(message ?? '', 100)}`, 'notifier');
  }

  /**
   * The session left the prompt of `code`. Unless it comes back to it (a redraw) or a chat command is
   * answering it (that answer says who), the prompt was answered outside chat: every notice of it is
   * updated to say so, and a late press of its buttons changes nothing.
   */
  private settleLater(sessionId: string, code: string, leftAt: number): void {
    const timer = setTimeout(() => {
      this.settling.delete(timer);
      this.guard(() => {
        const now = this.prompts.get(sessionId);
        if (now?.code === code && now.leftAt === undefined) return;
        if (this.messaging.prompts.isAnswering(code)) return this.settleLater(sessionId, code, leftAt);
        const c = this.messaging.codes.get(code);
        if (!c || c.resolution !== undefined) return;
        const name = this.deps.sessions.get(sessionId)?.name ?? sessionId;
        this.messaging.prompts.resolve(code, '☑️', `answered outside chat (terminal, CLI or MCP) at ${localTime(leftAt)}`, [
          { b: name },
          ' ',
          ...dialogLine(c.dialog),
        ]);
      });
    }, REDRAW_MS);
    timer.unref();
    this.settling.add(timer);
  }

  /** Pipelines may be advanced by another process, so their ends are read from the table, not from events. */
  private pollPipelines(): void {
    const after = Number(this.messaging.cursors.get(PIPELINE_CURSOR) ?? Date.now());
    const ended = this.deps.pipelines.list({ statuses: ['done', 'failed'], limit: 20, offset: 0 }).pipelines.filter((p) => (p.finishedAt ?? 0) > after);
    if (!ended.length) return;
    this.messaging.cursors.set(PIPELINE_CURSOR, String(Math.max(...ended.map((p) => p.finishedAt ?? 0))));
    for (const p of ended.sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0))) {
      this.dispatch(pipelineNotice(p));
      this.messaging.journal.add(
        p.status === 'done' ? 'event' : 'alert',
        `Pipeline ${p.name} ${p.status}${p.error ? `: ${clip(p.error, 160)}` : ''}`,
        'notifier',
      );
    }
  }

  /** Live sessions and running pipelines whose budget crossed a level since it was last told (any process may have claimed it). */
  private pollBudgets(): void {
    const crossed = (id: string, level: number): boolean => {
      if (level <= Number(this.messaging.cursors.get(budgetCursor(id)) ?? 0)) return false;
      this.messaging.cursors.set(budgetCursor(id), String(level));
      return true;
    };
    const said = (name: string, level: number) => `${name}: ${level >= 100 ? 'budget used up, interrupted' : `${level} % of its budget used`}`;
    for (const s of this.deps.sessions.live()) {
      const level = s.budgetNotified ?? 0;
      if (!s.budget || !level || !crossed(s.id, level)) continue;
      this.dispatch(budgetNotice(s, s.budget, level));
      this.messaging.journal.add('alert', said(s.name, level), 'notifier');
    }
    // A pipeline may end within a poll of its level being claimed; older ended ones were told or are history.
    const recent = Date.now() - RECENT_PIPELINE_MS;
    for (const p of this.deps.pipelines.list({ statuses: ['running', 'done', 'failed'], limit: 100, offset: 0 }).pipelines) {
      if (p.status !== 'running' && (p.finishedAt ?? 0) < recent) continue;
      if (!p.spec.budget || !p.budgetNotified || !crossed(`pipeline.${p.id}`, p.budgetNotified)) continue;
      this.dispatch(pipelineBudgetNotice(p, p.spec.budget, p.budgetNotified));
      this.messaging.journal.add('alert', said(`Pipeline ${p.name}`, p.budgetNotified), 'notifier');
    }
  }

  /**
   * What the rate limit held back for this target, merged into one digest (and marked merged), to
   * go out ahead of the next notice or on its own; empty when nothing was held back. Each notice is
   * carried whole (an agent's reply may be long): the outbox splits the digest at the channel's limit.
   */
  private digest(target: Target): Rich {
    const held = heldBack(this.deps.db, target);
    if (!held.length) return [];
    markMerged(
      this.deps.db,
      held.map((h) => h.id),
    );
    const lines: Rich = held.flatMap((h) => [`\n\n• ${localTime(h.createdAt)} `, ...(h.payload?.rich ?? [h.text])]);
    return [{ i: `${held.length} notification${held.length === 1 ? '' : 's'} held back by the rate limit:` }, ...lines, '\n\n'];
  }

  /** Targets with held-back notices get them as a digest as soon as their rate allows one more message. */
  private flushDigests(): void {
    for (const sub of this.opts.subscriptions) {
      if (!heldBack(this.deps.db, sub).length || !this.rate.allow(targetKey(sub))) continue;
      const rich = this.digest(sub);
      this.messaging.outbox.enqueue({ channel: sub.channel, to: sub.to, kind: 'notification', rich: rich.slice(0, -1) });
    }
    this.messaging.outbox.kick();
  }

  /** Fans a notice out to every subscriber of its kind; returns the outbox rows. */
  dispatch(notice: Notice): number[] {
    if (!this.deps.config.get('notify.enabled')) return [];
    if (this.dedup.duplicate(notice.dedupKey)) return [];
    const rich = this.messaging.mask(notice.rich);
    const ids: number[] = [];
    for (const sub of this.opts.subscriptions) {
      if (!sub.events.has(notice.event) || !this.messaging.adapters.has(sub.channel)) continue;
      const key = targetKey(sub);
      // Prompts and questions block an agent until answered: they are never held back.
      if (!notice.actionable && !this.rate.allow(key)) {
        ids.push(this.messaging.outbox.enqueue({ channel: sub.channel, to: sub.to, kind: 'notification', rich, status: 'suppressed' }));
        continue;
      }
      ids.push(
        this.messaging.outbox.enqueue({
          channel: sub.channel,
          to: sub.to,
          kind: 'notification',
          rich: [...this.digest(sub), ...rich],
          buttons: notice.buttons,
          promptCode: notice.promptCode,
        }),
      );
    }
    this.messaging.outbox.kick();
    return ids;
  }
}
