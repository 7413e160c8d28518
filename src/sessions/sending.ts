/**
 * Sending: every prompt goes through the persisted queue, and the delivery loop types the head of a
 * session's queue (once, across processes) whenever the agent is ready for it.
 */
import { profileOf } from '../agents/registry.js';
import { AegisError } from '../errors.js';
import { settleWithin } from '../util/settle.js';
import { READY, type SendResult, type SessionCore } from './core.js';
import { DeliveryUnconfirmed, PromptDelivery } from './delivery.js';
import { settleObserved, untilObserved } from './observation-waits.js';
import type { Observation, SessionObserver } from './observer.js';
import type { QueuedMessage, SessionRecord } from './store.js';
import { checkText } from '../terminal/typed-text.js';

/** How long a send to a session the store shows ready waits for this process's reading to agree. */
const READY_CATCH_UP_MS = 2_000;
const CLAIM_TTL_MS = 20_000;
/** Pause before a failed delivery is attempted again. */
const RETRY_AFTER_MS = 1_000;
/** How often a send looks at the row of its message while another process types it. */
const ELSEWHERE_POLL_MS = 100;
/** How long a send waits for a watching process to take its message for a ready session (its queue sweep is 1 s). */
const PICKUP_MS = 3_000;
/** How long a send keeps following retries of its message before answering "queued" (MCP hosts wait 60 s). */
const FOLLOW_RETRIES_MS = 20_000;

export class SessionSender {
  /** Deliveries this process is typing now: by session (one at a time) and by message id. */
  private readonly delivering = new Map<string, Promise<SendResult>>();
  private readonly inflight = new Map<number, Promise<SendResult>>();
  /** Sends waiting for the next attempt at their message, by message id. */
  private readonly attemptWaiters = new Map<number, (attempt: Promise<SendResult>) => void>();
  private readonly delivery: PromptDelivery;

  constructor(private readonly core: SessionCore) {
    this.delivery = new PromptDelivery({
      tmux: core.tmux,
      log: core.deps.log,
      until: (o, p, t) => untilObserved(core.monitor, o, p, t),
      settle: (o, q, t) => settleObserved(core.monitor, o, q, t),
    });
  }

  /** Lets the messages being typed now finish and be recorded, for up to `ms`. */
  finishInflight(ms: number): Promise<void> {
    return settleWithin(this.inflight.values(), ms);
  }

  /**
   * Sends text as one prompt. It goes through the persisted queue either way: delivered now when the
   * agent is ready and nothing is ahead of it, otherwise kept (in order) until the agent is ready.
   */
  async send(ref: string, rawText: string): Promise<SendResult> {
    const s = this.core.resolve(ref);
    if (['exited', 'dead'].includes(s.state))
      throw new AegisError('conflict', `session ${s.name} has ${s.state}`, {
        field: 'id',
        fix: 'start a new session with session_create (its transcript stays readable with session_read)',
      });
    const text = checkText('text', rawText);
    const msg = this.core.store.enqueue(s.id, text, Date.now());
    // Observing may already start delivering the queue head (ours, when nothing is ahead of it).
    const obs = await this.core.observe(s);
    // A delivery of ours still confirming (e.g. the brief) must finish first; then, if the agent is
    // ready, this message goes now rather than waiting for the next screen change.
    const earlier = this.delivering.get(s.id);
    if (earlier && !this.inflight.has(msg.id)) await earlier;
    if (obs?.last) this.maybeDeliver(s.id, obs.last);
    if (obs && !this.inflight.has(msg.id) && this.readyInStore(s.id) && this.core.store.queued(s.id)[0]?.id === msg.id) {
      // The store says ready (this process wrote it, or another watcher did) but this process's own
      // reading is a redraw behind (seen right after a turn on a loaded machine): answering "queued"
      // to a send to an idle agent would be untrue a moment later, so its reading gets to catch up.
      await untilObserved(this.core.monitor, obs, () => this.inflight.has(msg.id) || this.core.store.message(msg.id)?.status !== 'queued', READY_CATCH_UP_MS);
    }
    const inflight = this.inflight.get(msg.id);
    if (inflight) return this.follow(msg.id, inflight);
    const elsewhere = await this.outcomeElsewhere(msg.id, Date.now() + FOLLOW_RETRIES_MS);
    if (elsewhere) return elsewhere;
    if (!this.core.running()) this.core.ensureWatcher();
    const ahead = this.core.store.queued(s.id).filter((m) => m.id < msg.id).length;
    return { status: 'queued', messageId: msg.id, position: ahead + 1 };
  }

  /**
   * The outcome of this process's attempts at a message, following a retry: an attempt that could not
   * confirm the prompt (a paste the agent dropped while busy) is tried again a second later, first
   * checking whether the agent took it after all. Answering "queued" to a send to a ready agent would
   * be untrue a moment later. Bounded: past FOLLOW_RETRIES_MS the answer is what is known then.
   */
  private async follow(messageId: number, attempt: Promise<SendResult>): Promise<SendResult> {
    const until = Date.now() + FOLLOW_RETRIES_MS;
    let result = await attempt;
    while (result.status === 'queued' && Date.now() < until) {
      const next = await this.nextAttempt(messageId, RETRY_AFTER_MS + READY_CATCH_UP_MS);
      if (!next) return (await this.outcomeElsewhere(messageId, until)) ?? result;
      result = await next.attempt;
    }
    return result;
  }

  /** The next attempt this process starts at a message within `ms`, else undefined. */
  private nextAttempt(messageId: number, ms: number): Promise<{ attempt: Promise<SendResult> } | undefined> {
    const started = this.inflight.get(messageId);
    if (started) return Promise.resolve({ attempt: started });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.attemptWaiters.delete(messageId);
        resolve(undefined);
      }, ms);
      this.attemptWaiters.set(messageId, (attempt) => {
        clearTimeout(timer);
        resolve({ attempt });
      });
    });
  }

  /**
   * The outcome of a delivery another process (ag engine, ag mcp) took on: it claims a ready session's
   * queue head on its own observations, so it may type a message before the process that queued it,
   * and retries it a second later when it could not confirm it. Its confirmed result is in the
   * message's row; answering "queued" meanwhile would be untrue a moment later. Followed until
   * `deadline`; undefined while nobody has taken the message, or when it is still pending then.
   */
  private async outcomeElsewhere(messageId: number, deadline: number): Promise<SendResult | undefined> {
    // A watching process looks at queues every QUEUE_SWEEP_MS: a message for a ready session is taken soon.
    const pickupBy = Date.now() + PICKUP_MS;
    const ready = (m: QueuedMessage) => Date.now() < pickupBy && this.readyInStore(m.sessionId) && this.core.watcherAlive();
    const taken = (m: QueuedMessage | undefined) => !!m && (m.status === 'delivering' || (m.status === 'queued' && (m.attempts > 0 || ready(m))));
    let m = this.core.store.message(messageId);
    while (taken(m) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, ELSEWHERE_POLL_MS));
      m = this.core.store.message(messageId);
    }
    if (m?.status === 'delivered') return { status: 'delivered', messageId };
    if (m?.status === 'failed') return { status: 'failed', messageId, error: m.error };
    return undefined;
  }

  private readyInStore(sessionId: string): boolean {
    const stored = this.core.store.get(sessionId);
    return !!stored && READY.includes(stored.state) && !stored.dialog;
  }

  private isReady(o: Observation): boolean {
    if (!READY.includes(o.state) || o.dialog) return false;
    return !o.reading.queued.length;
  }

  /** Delivery loop: whenever a watched session is ready, the next queued message goes (once, across processes). */
  maybeDeliver(sessionId: string, o: Observation): void {
    if (this.delivering.has(sessionId) || !this.isReady(o)) return;
    const obs = this.core.monitor.observer(sessionId);
    const s = this.core.store.get(sessionId);
    if (!obs || !s) return;
    const claimed = this.core.store.claimNext(sessionId, this.core.holder, Date.now(), CLAIM_TTL_MS);
    if (!claimed) return;
    const delivery = this.deliverClaimed(s, obs, claimed).finally(() => {
      this.delivering.delete(sessionId);
      this.inflight.delete(claimed.id);
    });
    this.delivering.set(sessionId, delivery);
    this.inflight.set(claimed.id, delivery);
    this.attemptWaiters.get(claimed.id)?.(delivery);
    this.attemptWaiters.delete(claimed.id);
  }

  private async deliverClaimed(s: SessionRecord, obs: SessionObserver, msg: QueuedMessage): Promise<SendResult> {
    try {
      await this.delivery.deliver(s, obs, profileOf(s.agent), msg);
      this.delivery.forget(msg.id);
      this.core.store.finishMessage(msg.id, true, Date.now());
      if (msg.text === s.initialPrompt) this.core.store.update(s.id, { promptDelivered: true });
      return { status: 'delivered', messageId: msg.id };
    } catch (err) {
      const error = (err as Error).message;
      const final = msg.attempts >= 3 || err instanceof DeliveryUnconfirmed;
      if (final) this.delivery.forget(msg.id);
      try {
        if (final) this.core.store.finishMessage(msg.id, false, Date.now(), error);
        else this.core.store.releaseMessage(msg.id);
      } catch {
        // The app closed under us (past STOP_WAIT_MS): the claim expires and a watching process retries.
      }
      this.core.deps.log.warn('delivery failed', { session: s.id, attempt: msg.attempts, error });
      // Deliveries start on screen changes; a pane that shows nothing new would leave the message
      // queued for ever, so the next attempt is also started after a pause.
      if (!final) setTimeout(() => this.retryDelivery(s.id), RETRY_AFTER_MS).unref();
      return { status: final ? 'failed' : 'queued', messageId: msg.id, error };
    }
  }

  private retryDelivery(sessionId: string): void {
    // After stop() nothing is watched any more, so nothing is retried here.
    const o = this.core.monitor.observer(sessionId)?.last;
    if (o) this.maybeDeliver(sessionId, o);
  }
}
