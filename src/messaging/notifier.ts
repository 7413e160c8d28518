import type { Dialog, SessionState } from '../agents/types.js';
import type { App } from '../app.js';
import { targetKey, type Subscription } from './targets.js';
import { clip } from './present.js';
import { deadNotice, permissionNotice, pickerNotice, pipelineNotice, stalledNotice, turnNotice, type Notice } from './notices.js';
import { Deduper, RateLimiter } from './rate-limit.js';
import type { MessagingService } from './service.js';
import { WAITING_STATES } from './waiting.js';

export interface NotifierOptions {
  subscriptions: Subscription[];
  ratePerMinute: number;
  dedupMs: number;
}

/**
 * A prompt that disappears and comes back this fast with the same content is one prompt seen twice
 * (a redraw), not a new one: it is not notified again.
 */
const FLAP_MS = 2_000;
const PIPELINE_POLL_MS = 2_000;
const PIPELINE_CURSOR = 'notify.pipelines.after';

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
  private readonly held = new Map<string, number>();
  /** Per session: the prompt code last notified and when (the store's state time) the session left that prompt. */
  private readonly prompts = new Map<string, { code: string; leftAt?: number }>();
  private pipelineTimer?: NodeJS.Timeout;

  constructor(
    private readonly app: App,
    private readonly messaging: MessagingService,
    private readonly opts: NotifierOptions,
  ) {
    this.dedup = new Deduper(opts.dedupMs);
    this.rate = new RateLimiter(opts.ratePerMinute);
  }

  start(): void {
    const ev = this.app.events;
    this.unsubscribe.push(
      ev.on('session_state_changed', (e) => this.guard(() => this.onState(e.sessionId, e.from as SessionState, e.to as SessionState, e.detail as Dialog | undefined))),
      ev.on('session_turn_finished', (e) => this.guard(() => this.onTurn(e.sessionId, e.message))),
    );
    if (!this.messaging.cursors.get(PIPELINE_CURSOR)) this.messaging.cursors.set(PIPELINE_CURSOR, String(Date.now()));
    this.pipelineTimer = setInterval(() => this.guard(() => this.pollPipelines()), PIPELINE_POLL_MS);
    this.pipelineTimer.unref();
  }

  stop(): void {
    clearInterval(this.pipelineTimer);
    while (this.unsubscribe.length) this.unsubscribe.pop()!();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.app.log.warn('notification failed', { error: (err as Error).message });
    }
  }

  private onState(sessionId: string, from: SessionState, to: SessionState, detail?: Dialog): void {
    const s = this.app.sessions.store.get(sessionId);
    if (!s) return;
    if (WAITING_STATES.includes(from) && !WAITING_STATES.includes(to)) {
      const p = this.prompts.get(sessionId);
      if (p) p.leftAt = s.stateSince;
    }
    const dialog = detail ?? s.dialog;
    if ((to === 'permission_prompt' || to === 'plan' || to === 'asking') && dialog && dialog.kind !== 'setup') {
      const instance = { sessionId, openedAt: s.stateSince, dialog };
      const last = this.prompts.get(sessionId);
      // Back on the same prompt after a redraw too short to be an answer: the same prompt, its code carried over, not notified again.
      if (last?.leftAt !== undefined && s.stateSince - last.leftAt < FLAP_MS && this.messaging.codes.carryOver(instance) === last.code) {
        this.prompts.set(sessionId, { code: last.code });
        return;
      }
      const { code } = this.messaging.codes.forDialog(instance);
      if (last?.code === code && last.leftAt === undefined) return;
      this.prompts.set(sessionId, { code });
      this.dispatch(dialog.kind === 'question' ? pickerNotice(s, dialog, code) : permissionNotice(s, dialog, code));
      return;
    }
    if (to === 'stalled') {
      this.dispatch(stalledNotice(s, this.app.config.get<number>('sessions.stallSeconds')));
      this.messaging.journal.add('event', `${s.name} stalled`, 'notifier');
    } else if (to === 'dead') {
      this.dispatch(deadNotice(s));
      this.messaging.journal.add('alert', `${s.name} died`, 'notifier');
    }
  }

  private onTurn(sessionId: string, message?: string): void {
    const s = this.app.sessions.store.get(sessionId);
    if (!s) return;
    const asking = s.state === 'asking' || /\?\s*$/.test(message ?? '');
    this.dispatch(turnNotice(s, message ?? s.lastAssistant, asking));
    this.messaging.journal.add('event', `${s.name} finished a turn: ${clip(message ?? '', 100)}`, 'notifier');
  }

  /** Pipelines may be advanced by another process, so their ends are read from the table, not from events. */
  private pollPipelines(): void {
    const after = Number(this.messaging.cursors.get(PIPELINE_CURSOR) ?? Date.now());
    const ended = this.app.pipelines.list({ statuses: ['done', 'failed'], limit: 20, offset: 0 }).pipelines.filter((p) => (p.finishedAt ?? 0) > after);
    if (!ended.length) return;
    this.messaging.cursors.set(PIPELINE_CURSOR, String(Math.max(...ended.map((p) => p.finishedAt ?? 0))));
    for (const p of ended.sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0))) {
      this.dispatch(pipelineNotice(p));
      this.messaging.journal.add(p.status === 'done' ? 'event' : 'alert', `Pipeline ${p.name} ${p.status}${p.error ? `: ${clip(p.error, 160)}` : ''}`, 'notifier');
    }
  }

  /** Fans a notice out to every subscriber of its kind; returns the outbox rows. */
  dispatch(notice: Notice): number[] {
    if (!this.app.config.get<boolean>('notify.enabled')) return [];
    if (this.dedup.duplicate(notice.dedupKey)) return [];
    const rich = this.messaging.mask(notice.rich);
    const ids: number[] = [];
    for (const sub of this.opts.subscriptions) {
      if (!sub.events.has(notice.event) || !this.messaging.adapters.has(sub.channel)) continue;
      const key = targetKey(sub);
      // Prompts and questions block an agent until answered: they are never held back.
      if (!notice.actionable && !this.rate.allow(key)) {
        this.held.set(key, (this.held.get(key) ?? 0) + 1);
        ids.push(this.messaging.outbox.enqueue({ channel: sub.channel, to: sub.to, kind: 'notification', rich, status: 'suppressed' }));
        continue;
      }
      const heldBack = this.held.get(key) ?? 0;
      this.held.delete(key);
      const note = heldBack ? [{ i: `(${heldBack} earlier notification${heldBack === 1 ? ' was' : 's were'} held back by the rate limit; message_list shows them)` }, '\n'] : [];
      ids.push(this.messaging.outbox.enqueue({ channel: sub.channel, to: sub.to, kind: 'notification', rich: [...note, ...rich], buttons: notice.buttons }));
    }
    this.messaging.outbox.kick();
    return ids;
  }
}
