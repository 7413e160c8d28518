import type { Button } from '../../channels/types.js';
import type { Rich } from '../../channels/format.js';
import type { Db } from '../../db/open.js';

/**
 * Rows of the `messages` table, which is both the inbox (direction 'in') and the outbox ('out').
 *
 * Inbound statuses: received → handled | ignored (sender not allowed) | failed (the command threw).
 * Outbound statuses: queued → sending → sent → delivered → read; on failure back to queued with a
 * later next_attempt_at; failed = given up on this target (a fallback took over); dead = the
 * dead-letter list (undeliverable anywhere); suppressed = held back by the rate limit, waiting for
 * the next digest; merged = went out inside a digest message (or, for an update, folded into the
 * notice it updates before that was sent).
 */
export type MessageDirection = 'in' | 'out';
export const OUTBOUND_KINDS = ['reply', 'notification', 'alert', 'journal', 'briefing', 'event', 'direct', 'update'] as const;
export type OutboundKind = (typeof OUTBOUND_KINDS)[number];
export const MESSAGE_STATUSES = [
  'received',
  'handled',
  'ignored',
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'dead',
  'suppressed',
  'merged',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** What an outbound row carries besides its plain text. */
export interface OutboundPayload {
  rich: Rich;
  buttons?: Button[][];
  imageUrl?: string;
  fileUrl?: string;
  /** Outbound webhooks: the event name. */
  event?: string;
  /** Parts of a long message already delivered: a retry resumes after them instead of repeating them. */
  sentParts?: number;
  /** Escalation: 1 = the subscriber's own channel, 2 = the fallback channel. */
  strike?: number;
  /** The row this one stands in for (a fallback copy). */
  origin?: number;
  /** A copy went to the fallback channel while this row keeps retrying its own. */
  fallbackSent?: boolean;
  /** A prompt's notice: the code it offers, so the notice can be updated once the prompt is answered. */
  promptCode?: string;
  /** kind 'update': the row whose message this one edits in place (or follows up, where the channel cannot edit). */
  updates?: number;
  /** kind 'update', on a channel that cannot edit: the follow-up message sent instead. */
  followUp?: Rich;
  /** WhatsApp: an approved template message (the invitation sent when the 24-hour window is closed). */
  template?: { name: string; locale: string; parameters: string[] };
  /** WhatsApp: held until the person writes (their 24-hour window was closed). */
  awaitingReply?: boolean;
  /** When retries started over (a resend): the retry horizon counts from here, else from created_at. */
  retrySince?: number;
}

export interface MessageRecord {
  id: number;
  channel: string;
  direction: MessageDirection;
  externalId?: string;
  peer: string;
  chat?: string;
  kind: string;
  text: string;
  payload?: OutboundPayload;
  status: MessageStatus;
  attempts: number;
  nextAttemptAt?: number;
  error?: string;
  replyTo?: number;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: number;
  channel: string;
  direction: MessageDirection;
  external_id: string | null;
  peer: string;
  chat: string | null;
  kind: string;
  text: string;
  payload: string | null;
  status: MessageStatus;
  attempts: number;
  next_attempt_at: number | null;
  error: string | null;
  reply_to: number | null;
  created_at: number;
  updated_at: number;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export function fromRow(r: Row): MessageRecord {
  return {
    id: r.id,
    channel: r.channel,
    direction: r.direction,
    externalId: opt(r.external_id),
    peer: r.peer,
    chat: opt(r.chat),
    kind: r.kind,
    text: r.text,
    payload: r.payload ? (JSON.parse(r.payload) as OutboundPayload) : undefined,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: opt(r.next_attempt_at),
    error: opt(r.error),
    replyTo: opt(r.reply_to),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface ListFilter {
  channel?: string;
  direction?: MessageDirection;
  status?: MessageStatus[];
  kind?: string;
  since?: number;
  limit: number;
  offset: number;
}

export function getMessage(db: Db, id: number): MessageRecord | undefined {
  const r = db.prepare('SELECT * FROM messages WHERE id = ?').get(id) as Row | undefined;
  return r ? fromRow(r) : undefined;
}

/** One part of a message split at the channel's limit went out: the service's id for it. */
export function recordPart(db: Db, row: { id: number; channel: string }, part: number, externalId: string): void {
  db.prepare('INSERT OR REPLACE INTO message_parts(message_id, part, channel, external_id) VALUES (?, ?, ?, ?)').run(row.id, part, row.channel, externalId);
}

/** The service's ids of a message's parts, in order (empty for a message sent before they were kept). */
export function partIds(db: Db, id: number): string[] {
  return (db.prepare('SELECT external_id FROM message_parts WHERE message_id = ? ORDER BY part').all(id) as { external_id: string }[]).map(
    (r) => r.external_id,
  );
}

/** The outbound row one of whose parts the service knows by this id (a delivery receipt names one part). */
export function outboundByExternalId(db: Db, channel: string, externalId: string): { id: number; status: MessageStatus } | undefined {
  return db
    .prepare(
      `SELECT id, status FROM messages WHERE channel = ? AND direction = 'out'
         AND (external_id = ? OR id IN (SELECT message_id FROM message_parts WHERE channel = ? AND external_id = ?))
       ORDER BY id DESC LIMIT 1`,
    )
    .get(channel, externalId, channel, externalId) as { id: number; status: MessageStatus } | undefined;
}

/** Newest first, with the total count so a caller can page without guessing. */
export function listMessages(db: Db, f: ListFilter): { messages: MessageRecord[]; total: number } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.channel) (where.push('channel = ?'), args.push(f.channel));
  if (f.direction) (where.push('direction = ?'), args.push(f.direction));
  if (f.kind) (where.push('kind = ?'), args.push(f.kind));
  if (f.status?.length) (where.push(`status IN (${f.status.map(() => '?').join(',')})`), args.push(...f.status));
  if (f.since !== undefined) (where.push('created_at >= ?'), args.push(f.since));
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT count(*) AS n FROM messages ${clause}`).get(...args) as { n: number }).n;
  const rows = db.prepare(`SELECT * FROM messages ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, f.limit, f.offset) as Row[];
  return { messages: rows.map(fromRow), total };
}

/** Notifications the rate limit held back for one target, oldest first. */
export function heldBack(db: Db, target: { channel: string; to: string }): MessageRecord[] {
  const rows = db
    .prepare("SELECT * FROM messages WHERE direction = 'out' AND status = 'suppressed' AND channel = ? AND peer = ? ORDER BY id")
    .all(target.channel, target.to) as Row[];
  return rows.map(fromRow);
}

/** These held-back rows went out inside a digest. */
export function markMerged(db: Db, ids: number[]): void {
  const stmt = db.prepare("UPDATE messages SET status = 'merged', updated_at = ? WHERE id = ? AND status = 'suppressed'");
  const now = Date.now();
  db.transaction(() => ids.forEach((id) => stmt.run(now, id)))();
}

/** Per channel: last inbound and outbound time and how many outbound messages are stuck or dead. */
export function channelActivity(db: Db, channel: string): { lastIn?: number; lastOut?: number; pending: number; dead: number; lastError?: string } {
  const r = db
    .prepare(
      `SELECT
         max(CASE WHEN direction = 'in' THEN created_at END) AS last_in,
         max(CASE WHEN direction = 'out' AND status IN ('sent', 'delivered', 'read') THEN updated_at END) AS last_out,
         sum(CASE WHEN direction = 'out' AND status IN ('queued', 'sending') THEN 1 ELSE 0 END) AS pending,
         sum(CASE WHEN direction = 'out' AND status = 'dead' THEN 1 ELSE 0 END) AS dead
       FROM messages WHERE channel = ?`,
    )
    .get(channel) as { last_in: number | null; last_out: number | null; pending: number | null; dead: number | null };
  const err = db
    .prepare("SELECT error FROM messages WHERE channel = ? AND direction = 'out' AND error IS NOT NULL ORDER BY updated_at DESC LIMIT 1")
    .get(channel) as { error: string } | undefined;
  return { lastIn: opt(r.last_in), lastOut: opt(r.last_out), pending: r.pending ?? 0, dead: r.dead ?? 0, lastError: err?.error };
}

/** Outbound rows given up on: the dead-letter list, and rows a fallback channel took over. */
export const GIVEN_UP: MessageStatus[] = ['dead', 'failed'];

/** Statuses nothing will change any more: the rows retention may delete. Queued, sending and received rows are never pruned. */
const FINISHED = ['handled', 'ignored', 'failed', 'sent', 'delivered', 'read', 'dead', 'suppressed', 'merged'] as const satisfies readonly MessageStatus[];

/**
 * Deletes finished messages last touched before `before`, and delivered event-webhook rows (one per
 * lifecycle event and URL: by far the most numerous) before `eventsBefore`. Returns how many went.
 */
export function pruneMessages(db: Db, before: number, eventsBefore: number): number {
  const finished = FINISHED.map(() => '?').join(',');
  const old = db.prepare(`DELETE FROM messages WHERE status IN (${finished}) AND updated_at < ?`).run(...FINISHED, before).changes;
  const events = db.prepare("DELETE FROM messages WHERE kind = 'event' AND status IN ('sent', 'delivered') AND updated_at < ?").run(eventsBefore).changes;
  return old + events;
}
