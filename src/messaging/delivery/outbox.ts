import { renderChunks, plainText, type Rich } from '../../channels/format.js';
import { ChannelError, type Attached, type Button, type ChannelAdapter, type ChannelName } from '../../channels/types.js';
import type { Db } from '../../db/open.js';
import type { Logger } from '../../util/log.js';
import { fromRow, getMessage, partIds, recordPart, type MessageRecord, type OutboundKind, type OutboundPayload } from './messages.js';
import { holderGone } from '../../db/lease.js';
import { targetKey, type Target } from './targets.js';

export interface EnqueueInput {
  channel: ChannelName;
  to: string;
  kind: OutboundKind;
  rich: Rich;
  buttons?: Button[][];
  imageUrl?: string;
  fileUrl?: string;
  event?: string;
  replyTo?: number;
  strike?: number;
  origin?: number;
  promptCode?: string;
  updates?: number;
  followUp?: Rich;
  template?: OutboundPayload['template'];
  /** 'suppressed' stores a message the rate limit held back, for the record, without sending it. */
  status?: 'queued' | 'suppressed';
}

export interface OutboxDeps {
  db: Db;
  adapters: Map<ChannelName, ChannelAdapter>;
  log: Logger;
  /** Who claims rows: one id per process. */
  holder: string;
  fallback?: Target;
  alerts: Target[];
  webhookMaxAttempts: number;
  /** How retries are spaced and how long they go on (messaging.retry*). */
  retry: RetryPolicy;
  /**
   * Before giving up on a message: may hold it instead (WhatsApp's closed 24-hour window: it waits for
   * the person to write). True when it did.
   */
  hold?(row: MessageRecord, error: string): boolean;
  /** Third strike also writes here. */
  journal(text: string): void;
  onSent(row: MessageRecord): void;
}

/**
 * What a send threw, as a ChannelError. Recognized by shape, not class: an integration's copy may
 * come from another module instance. Anything else is taken as worth retrying.
 */
function asChannelError(err: unknown): ChannelError {
  const e = err as Partial<ChannelError> | null;
  if (err instanceof ChannelError || (e?.name === 'ChannelError' && typeof e.retryable === 'boolean')) return err as ChannelError;
  return new ChannelError(e?.message ?? String(err), true);
}

/** Failed attempts on the subscriber's own channel before a copy also goes to the fallback channel. */
export const ATTEMPTS_PER_TARGET = 3;
const CLAIM_MS = 120_000;
const TICK_MS = 1_000;

/** An outbound row this process may claim now (two parameters: now, now). */
const CLAIMABLE = `direction = 'out' AND coalesce(next_attempt_at, 0) <= ? AND (status = 'queued' OR (status = 'sending' AND claimed_until < ?))`;
/**
 * An earlier row to the same target (`earlier`, against the row in `messages`) is not sent yet. A
 * WhatsApp row parked until the person writes holds nothing back: the template that invites them must
 * get through (and when they write, every parked row is due again, in order).
 */
const UNSENT_BEFORE = `earlier.direction = 'out' AND earlier.channel = messages.channel AND earlier.peer = messages.peer
  AND earlier.id < messages.id AND earlier.status IN ('queued', 'sending') AND coalesce(json_extract(earlier.payload, '$.awaitingReply'), 0) = 0`;
const HELD_BACK = `EXISTS (SELECT 1 FROM messages AS earlier WHERE ${UNSENT_BEFORE})`;

export interface RetryPolicy {
  /** First retry delay; doubles per attempt. */
  baseMs: number;
  /** Longest delay between two attempts. */
  capMs: number;
  /** Retries stop this long after the message was queued (or resent). */
  horizonMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1_000, capMs: 300_000, horizonMs: 24 * 3_600_000 };

/**
 * Exponential backoff with jitter: attempt n waits between half and all of base·2^(n-1) (capped),
 * so many failed deliveries do not retry in lockstep against a service that just came back.
 */
export function backoffMs(attempt: number, random: () => number = Math.random, policy: Pick<RetryPolicy, 'baseMs' | 'capMs'> = DEFAULT_RETRY): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(40, Math.max(0, attempt - 1)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * How long the text of the part that carries a photo or file may be: a caption, where the channel keeps
 * those shorter than a message, less the room the channel's link to it takes. Undefined without one.
 */
function attachmentPartLimit(adapter: ChannelAdapter, attached: Attached): number | undefined {
  if (!attached.imageUrl && !attached.fileUrl) return undefined;
  // A link longer than a message leaves no room: one character goes, and the service says what is wrong.
  return Math.max(1, (adapter.captionMaxLength ?? adapter.maxLength) - (adapter.linkRoom?.(attached) ?? 0));
}

/**
 * The outbox: messages are stored first, then sent by whichever process claims them (a claim is an
 * UPDATE that only one process can win), so a restart loses nothing and nothing is sent twice.
 * Each target gets its rows strictly in id order (the oldest unsent one holds back the rest); targets
 * go in parallel. Long texts go out in parts; a retry resumes after the parts already delivered.
 * Failures escalate in three strikes: retries with backoff on the same channel (up to the retry
 * horizon), then the fallback channel, then an alert to every alerts channel naming the target it was
 * meant for and a journal entry, and the message goes to the dead-letter list, from which it can be
 * resent.
 */
export class Outbox {
  private timer?: NodeJS.Timeout;
  private kicked = false;
  private readonly busy = new Map<string, Promise<void>>();

  constructor(private readonly deps: OutboxDeps) {}

  enqueue(input: EnqueueInput, at = Date.now()): number {
    const payload: OutboundPayload = {
      rich: input.rich,
      buttons: input.buttons,
      imageUrl: input.imageUrl,
      fileUrl: input.fileUrl,
      event: input.event,
      strike: input.strike,
      origin: input.origin,
      promptCode: input.promptCode,
      updates: input.updates,
      followUp: input.followUp,
      template: input.template,
    };
    // An update of a notice still waiting to go out is folded into it now: it cannot overtake the notice.
    const folded = input.kind === 'update' && input.updates !== undefined && this.fold(input.rich, input.updates);
    const r = this.deps.db
      .prepare(
        `INSERT INTO messages(channel, direction, peer, kind, text, payload, status, next_attempt_at, reply_to, created_at, updated_at)
         VALUES (?, 'out', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.channel,
        input.to,
        input.kind,
        plainText(input.rich),
        JSON.stringify(payload),
        folded ? 'merged' : (input.status ?? 'queued'),
        at,
        input.replyTo ?? null,
        at,
        at,
      );
    return Number(r.lastInsertRowid);
  }

  /** Long-lived sender: picks up due retries and rows other processes queued. */
  start(): void {
    this.releaseOrphans();
    this.timer ??= setInterval(() => this.kick(), TICK_MS);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.busy.values()]);
  }

  /**
   * Sends what is due now, soon (coalesced: many enqueues in one tick make one pass). Only in the
   * process that started the outbox (`ag serve`); elsewhere rows wait for it, or for sendNow.
   */
  kick(): void {
    if (!this.timer || this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      if (this.timer) this.drain(); // not when stopped in between (the database may be closed by now)
    });
  }

  /** Sends these rows now in this process (message_send without a running `ag serve`), and waits. */
  async sendNow(ids: number[]): Promise<void> {
    for (const id of ids) {
      const row = getMessage(this.deps.db, id);
      if (!row) continue;
      const target: Target = { channel: row.channel, to: row.peer };
      // Earlier rows to the same target go first: those this process is sending now, then those due.
      // One still waiting for its retry holds this one back (the sender sends it after that one).
      await Promise.allSettled([this.busy.get(targetKey(target))]);
      await this.runTarget(target, id);
      this.noteWaitingBehind(id);
    }
  }

  /** A row left untried behind an earlier one to its target says why (what message_send reports back). */
  private noteWaitingBehind(id: number): void {
    const ahead = this.deps.db
      .prepare(
        `SELECT earlier.id AS id, earlier.error AS error FROM messages JOIN messages AS earlier ON ${UNSENT_BEFORE}
         WHERE messages.id = ? AND messages.status = 'queued' AND messages.attempts = 0 ORDER BY earlier.id LIMIT 1`,
      )
      .get(id) as { id: number; error: string | null } | undefined;
    if (!ahead) return;
    const why = `waiting behind message ${ahead.id} to the same chat, which goes first${ahead.error ? ` (its last try: ${ahead.error})` : ''}`;
    this.deps.db.prepare("UPDATE messages SET error = ? WHERE id = ? AND status = 'queued' AND attempts = 0").run(why, id);
  }

  /** Waits until every target this process is sending to is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.busy.size) await Promise.allSettled([...this.busy.values()]);
  }

  /**
   * Rows a killed process was sending (claimed, never finished) go back to the queue at once rather
   * than after the claim expires: their holder is no longer running.
   */
  private releaseOrphans(): void {
    const claimed = this.deps.db
      .prepare("SELECT DISTINCT claimed_by FROM messages WHERE direction = 'out' AND status = 'sending' AND claimed_by IS NOT NULL")
      .all() as { claimed_by: string }[];
    for (const { claimed_by: holder } of claimed) {
      if (holder === this.deps.holder || !holderGone(holder)) continue;
      const n = this.deps.db
        .prepare("UPDATE messages SET status = 'queued', claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE status = 'sending' AND claimed_by = ?")
        .run(Date.now(), holder).changes;
      this.deps.log.info('re-queued messages a stopped process was sending', { holder, count: n });
    }
  }

  /**
   * Puts dead letters (and messages given up on one channel) back in the queue, with a fresh retry
   * horizon. Returns the rows re-queued; rows that are not given-up outbound messages are skipped.
   */
  resend(ids: number[]): number[] {
    const now = Date.now();
    const done: number[] = [];
    for (const id of ids) {
      const row = getMessage(this.deps.db, id);
      if (!row || row.direction !== 'out' || !['dead', 'failed'].includes(row.status)) continue;
      const payload: OutboundPayload = { ...row.payload!, retrySince: now, fallbackSent: undefined };
      this.deps.db
        .prepare(
          "UPDATE messages SET status = 'queued', attempts = 0, next_attempt_at = ?, error = NULL, payload = ?, claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ?",
        )
        .run(now, JSON.stringify(payload), now, id);
      done.push(id);
    }
    this.kick();
    return done;
  }

  /**
   * Each target's next row, when it is due: the oldest unsent row of a target holds back every later
   * one, so a chat gets its messages in the order they were queued even when one waits for a retry.
   */
  private due(now: number, target?: Target): MessageRecord[] {
    const where = target ? 'AND channel = ? AND peer = ?' : '';
    const rows = this.deps.db
      .prepare(`SELECT * FROM messages WHERE ${CLAIMABLE} AND NOT ${HELD_BACK} ${where} ORDER BY id LIMIT ?`)
      .all(now, now, ...(target ? [target.channel, target.to] : []), target ? 1 : 200) as Parameters<typeof fromRow>[0][];
    return rows.map(fromRow);
  }

  /** One pass: every target with something due gets a sender; each target's messages go in order, targets in parallel. */
  private drain(): void {
    for (const row of this.due(Date.now())) {
      const target: Target = { channel: row.channel, to: row.peer };
      const key = targetKey(target);
      if (this.busy.has(key)) continue;
      const run = this.runTarget(target).finally(() => this.busy.delete(key));
      this.busy.set(key, run);
    }
  }

  /** Sends the target's rows in order while they are due, up to row `upTo`. */
  private async runTarget(target: Target, upTo = Number.MAX_SAFE_INTEGER): Promise<void> {
    for (;;) {
      const next = this.due(Date.now(), target)[0];
      if (!next || next.id > upTo) return;
      const row = this.claim(next.id);
      // Another process took it: that one sends this target's rows now.
      if (!row) return;
      await this.deliver(row);
    }
  }

  /**
   * The claim is one UPDATE, and it checks that no earlier row to the same target is unsent, so two
   * processes (ag serve and a message_send) cannot send a target's rows at once or out of order.
   */
  private claim(id: number): MessageRecord | undefined {
    const now = Date.now();
    const r = this.deps.db
      .prepare(`UPDATE messages SET status = 'sending', claimed_by = ?, claimed_until = ?, updated_at = ? WHERE id = ? AND ${CLAIMABLE} AND NOT ${HELD_BACK}`)
      .run(this.deps.holder, now + CLAIM_MS, now, id, now, now);
    return r.changes ? getMessage(this.deps.db, id) : undefined;
  }

  /**
   * An update of a notice that has not gone out yet (waiting for a retry, or held): the notice goes out
   * already updated, once, without its buttons. Checked and written in one write transaction, so a
   * sender claiming the notice meanwhile either sends the new text or leaves the update to edit it.
   */
  private fold(rich: Rich, originalId: number): boolean {
    const db = this.deps.db;
    return db
      .transaction(() => {
        const original = getMessage(db, originalId);
        if (original?.status !== 'queued' || original.payload?.sentParts) return false;
        db.prepare('UPDATE messages SET payload = ?, text = ?, updated_at = ? WHERE id = ?').run(
          JSON.stringify({ ...original.payload, rich, buttons: undefined }),
          plainText(rich),
          Date.now(),
          original.id,
        );
        return true;
      })
      .immediate();
  }

  private async deliver(row: MessageRecord): Promise<void> {
    const adapter = this.deps.adapters.get(row.channel);
    if (!adapter) return this.fail(row, new ChannelError(`channel ${row.channel} is not configured`, false));
    const p = row.payload!;
    if (row.kind === 'update' && p.updates !== undefined) {
      // Held (WhatsApp, until the person writes) after this update was queued: it goes out updated.
      if (this.fold(p.rich, p.updates)) return this.finish(row, 'merged');
      const original = getMessage(this.deps.db, p.updates);
      if (original?.externalId && adapter.edit) {
        try {
          await this.editParts(adapter, original, p.rich);
        } catch (err) {
          return this.fail(row, err);
        }
        return this.finish(row, 'sent');
      }
      // No edit on this channel (WhatsApp, a Slack incoming webhook): the update goes out as a message of its own.
      if (p.followUp) return this.deliver({ ...row, kind: 'notification', payload: { ...p, rich: p.followUp, updates: undefined } });
      return this.finish(row, 'merged');
    }
    const parts = renderChunks(p.rich, adapter.markup, adapter.maxLength, attachmentPartLimit(adapter, p));
    const resumed = p.sentParts ?? 0;
    let done = resumed;
    try {
      for (; done < parts.length; done++) {
        const last = done === parts.length - 1;
        const d = await adapter.send({
          to: row.peer,
          text: parts[done]!,
          buttons: last ? p.buttons : undefined,
          imageUrl: done === 0 ? p.imageUrl : undefined,
          fileUrl: done === 0 ? p.fileUrl : undefined,
          clientRef: String(row.id),
          // created_at too: another Aegis database posting with the same bot has its own row ids.
          dedupKey: `${row.id}.${done}.${row.createdAt.toString(36)}`,
          // The part the last failed try stopped at.
          triedBefore: row.attempts > 0 && done === resumed,
          event: p.event,
          template: p.template,
        });
        this.deps.db.transaction(() => {
          this.deps.db
            .prepare('UPDATE messages SET payload = ?, external_id = coalesce(?, external_id), updated_at = ? WHERE id = ?')
            .run(JSON.stringify({ ...p, sentParts: done + 1 }), d.externalId ?? null, Date.now(), row.id);
          if (d.externalId) recordPart(this.deps.db, row, done, d.externalId);
        })();
      }
    } catch (err) {
      return this.fail({ ...row, payload: { ...p, sentParts: done } }, err);
    }
    this.deps.db
      .prepare(
        "UPDATE messages SET status = 'sent', attempts = attempts + 1, error = NULL, claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ?",
      )
      .run(Date.now(), row.id);
    this.deps.onSent(row);
  }

  /**
   * Edits a sent message in place with `rich`. Split in parts, each part gets its own chunk of the new
   * text where that changed, and the last part (the one with the buttons) gets the new text's last
   * chunk, which ends with what the update added (how the prompt was answered). When the new text
   * needs more parts than went out, the chunks between are left out: the message keeps its beginning,
   * and its buttons give way to the end.
   */
  private async editParts(adapter: ChannelAdapter, original: MessageRecord, rich: Rich): Promise<void> {
    const kept = partIds(this.deps.db, original.id);
    // Sent before every part's id was kept: only the last part's is known.
    const ids = kept.length ? kept : [original.externalId!];
    const attached: Attached = { imageUrl: original.payload?.imageUrl, fileUrl: original.payload?.fileUrl };
    // Cut as it was sent.
    const carrying = attachmentPartLimit(adapter, attached);
    const next = renderChunks(rich, adapter.markup, adapter.maxLength, carrying);
    const shown = renderChunks(original.payload?.rich ?? [original.text], adapter.markup, adapter.maxLength, carrying);
    for (let i = 0; i < ids.length; i++) {
      const last = i === ids.length - 1;
      // The part that went out with the photo or file: edited as such (a caption on Telegram, the link kept elsewhere).
      const first = kept.length ? i === 0 : shown.length === 1;
      // The attachment's part that is also the last ends with what the update added, cut to that part's length.
      const end = first && carrying ? renderChunks(rich, adapter.markup, carrying).at(-1) : next.at(-1);
      const text = last ? end : i < next.length - 1 ? next[i] : undefined;
      if (text === undefined || (!last && text === shown[i])) continue;
      await adapter.edit!(original.peer, ids[i]!, text, first ? attached : undefined);
    }
  }

  /**
   * A failed send. What can succeed later (5xx, 429, unreachable) is retried with backoff until the
   * retry horizon, across restarts; after a few tries a copy also goes to the fallback channel, if
   * one is set, while the original keeps trying. What cannot (unknown chat, blocked bot, bad
   * credentials) is given up on at once, with the service's reason.
   */
  private finish(row: MessageRecord, status: 'sent' | 'merged'): void {
    this.deps.db
      .prepare('UPDATE messages SET status = ?, attempts = attempts + 1, error = NULL, claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ?')
      .run(status, Date.now(), row.id);
  }

  private fail(row: MessageRecord, err: unknown): void {
    const e = asChannelError(err);
    const now = Date.now();
    const attempts = row.attempts + 1;
    const p = row.payload!;
    this.deps.log.warn('message send failed', { id: row.id, channel: row.channel, attempt: attempts, retryable: e.retryable, error: e.message });
    const since = p.retrySince ?? row.createdAt;
    const within = row.kind === 'event' ? attempts < this.deps.webhookMaxAttempts : now - since < this.deps.retry.horizonMs;
    if (e.retryable && within) {
      const wait = Math.max(backoffMs(attempts, Math.random, this.deps.retry), e.opts?.retryAfterMs ?? 0);
      const copy = attempts >= ATTEMPTS_PER_TARGET && !p.fallbackSent && this.fallbackFor(row);
      const payload: OutboundPayload = { ...p, fallbackSent: p.fallbackSent || copy || undefined };
      this.deps.db
        .prepare(
          "UPDATE messages SET status = 'queued', attempts = ?, next_attempt_at = ?, error = ?, payload = ?, claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ?",
        )
        .run(attempts, now + wait, e.message, JSON.stringify(payload), now, row.id);
      if (copy) this.toFallback(row, `still trying: ${e.message}`);
      return;
    }
    this.deps.db.prepare('UPDATE messages SET attempts = ?, error = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?').run(attempts, e.message, row.id);
    this.giveUp(row, e.retryable ? `${e.message} (still failing after ${attempts} attempts)` : e.message);
  }

  /** The fallback target for a first-strike message meant for a person, when one is set and differs. */
  private fallbackFor(row: MessageRecord): boolean {
    const fallback = this.deps.fallback;
    if (!fallback || ['event', 'alert'].includes(row.kind) || (row.payload?.strike ?? 1) !== 1) return false;
    return targetKey(fallback) !== `${row.channel}:${row.peer}` && this.deps.adapters.has(fallback.channel);
  }

  private toFallback(row: MessageRecord, why: string): void {
    const fallback = this.deps.fallback!;
    this.enqueue({
      channel: fallback.channel,
      to: fallback.to,
      kind: row.kind as OutboundKind,
      rich: [{ i: `(${row.channel} did not take this: ${why})` }, '\n', ...(row.payload?.rich ?? [row.text])],
      buttons: row.payload?.buttons,
      strike: 2,
      origin: row.payload?.origin ?? row.id,
    });
    this.kick();
  }

  /**
   * This target will not take the message. Webhook deliveries and alerts go to the dead-letter list;
   * anything meant for a person gets its second strike (the fallback channel), then its third (alerts
   * everywhere and a journal entry). Also called when a delivery receipt says the message failed.
   */
  giveUp(row: MessageRecord, error: string): void {
    if (this.deps.hold?.(row, error)) return;
    const setStatus = (status: 'failed' | 'dead') =>
      this.deps.db.prepare('UPDATE messages SET status = ?, updated_at = ? WHERE id = ?').run(status, Date.now(), row.id);
    if (row.kind === 'event') {
      setStatus('dead');
      this.deps.log.warn('webhook delivery moved to the dead-letter list', { id: row.id, error });
      return;
    }
    if (row.kind === 'alert') {
      setStatus('dead');
      this.deps.journal(`Alert to ${row.channel}:${row.peer} could not be delivered: ${error}`);
      return;
    }
    const strike = row.payload?.strike ?? 1;
    if (this.fallbackFor(row)) {
      setStatus('failed');
      if (!row.payload?.fallbackSent) this.toFallback(row, error);
      return;
    }
    setStatus('dead');
    // Name the target the message was meant for, not the fallback that also failed.
    const origin = row.payload?.origin !== undefined ? getMessage(this.deps.db, row.payload.origin) : undefined;
    const meant = origin ? `${origin.channel}:${origin.peer}` : `${row.channel}:${row.peer}`;
    const also = strike > 1 ? ` nor to the fallback ${row.channel}:${row.peer}` : '';
    const summary = `Could not deliver a ${row.kind} to ${meant}${also}: ${error}. It said: ${(origin ?? row).text.slice(0, 200)}`;
    for (const alert of this.deps.alerts) {
      if (targetKey(alert) === `${row.channel}:${row.peer}`) continue;
      this.enqueue({ channel: alert.channel, to: alert.to, kind: 'alert', rich: ['⚠️ ', { b: 'Aegis alert' }, '\n', summary] });
    }
    this.deps.journal(summary);
    this.kick();
  }
}
