import type { ChannelName, InboundMessage, StatusUpdate } from '../../channels/types.js';
import type { Db } from '../../db/open.js';
import { outboundByExternalId, type MessageStatus } from './messages.js';

/** An inbound message stored but never finished, as a newly started sender finds it. */
export interface Unfinished {
  id: number;
  message: InboundMessage;
  /** When it was received. */
  at: number;
  /** It was started (it may have acted, in part); otherwise it never began. */
  started: boolean;
  /** The process that took it in. */
  holder: string | null;
}

/**
 * The inbox: every inbound message is stored before anything runs, keyed by the service's own id,
 * so a message redelivered (Telegram after a restart, a Vonage or Slack retry, a replayed webhook)
 * is recognised and never runs twice. An inbound row names the process that runs it (claimed_by) and
 * counts its starts (attempts), so a sender started after a crash can tell what never began from
 * what may have half-run.
 */
export class Inbox {
  constructor(private readonly db: Db) {}

  /** Stores the message; returns its row id, or undefined when this (channel, externalId) was seen before. */
  record(m: InboundMessage, holder: string, at = Date.now()): number | undefined {
    const r = this.db
      .prepare(
        `INSERT INTO messages(channel, direction, external_id, peer, chat, kind, text, status, claimed_by, created_at, updated_at)
         VALUES (?, 'in', ?, ?, ?, ?, ?, 'received', ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(m.channel, m.externalId, m.sender, m.chat, m.callback ? 'callback' : 'command', m.text, holder, at, at);
    return r.changes ? Number(r.lastInsertRowid) : undefined;
  }

  /** The message begins to run: from now on it may have acted, so it is never run again. */
  started(id: number): void {
    this.db.prepare('UPDATE messages SET attempts = attempts + 1, updated_at = ? WHERE id = ?').run(Date.now(), id);
  }

  /** Inbound messages stored and not finished, oldest first. */
  unfinished(): Unfinished[] {
    const rows = this.db
      .prepare(
        `SELECT id, channel, external_id, peer, chat, kind, text, attempts, claimed_by, created_at FROM messages
         WHERE direction = 'in' AND status = 'received' ORDER BY id`,
      )
      .all() as {
      id: number;
      channel: string;
      external_id: string;
      peer: string;
      chat: string | null;
      kind: string;
      text: string;
      attempts: number;
      claimed_by: string | null;
      created_at: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      // A press run after a restart has no callback query left to answer: an empty id says so.
      message: {
        channel: r.channel as ChannelName,
        externalId: r.external_id,
        sender: r.peer,
        chat: r.chat ?? r.peer,
        text: r.text,
        ...(r.kind === 'callback' ? { callback: { id: '', data: r.text } } : {}),
      },
      at: r.created_at,
      started: r.attempts > 0,
      holder: r.claimed_by,
    }));
  }

  /** Takes an unfinished message over from the process `from` that took it in; false when another process took it first. */
  adopt(id: number, from: string | null, holder: string): boolean {
    return (
      this.db
        .prepare("UPDATE messages SET claimed_by = ?, updated_at = ? WHERE id = ? AND status = 'received' AND claimed_by IS ?")
        .run(holder, Date.now(), id, from).changes === 1
    );
  }

  finish(id: number, status: Extract<MessageStatus, 'handled' | 'ignored' | 'failed'>, error?: string): void {
    this.db.prepare('UPDATE messages SET status = ?, error = ?, updated_at = ? WHERE id = ?').run(status, error ?? null, Date.now(), id);
  }

  /**
   * Applies a delivery receipt to the outbound message it is about. Receipts can arrive out of order
   * (read before delivered); a status never moves backwards. Returns the row id and whether it now failed.
   */
  applyStatus(channel: string, s: StatusUpdate): { id: number; failed: boolean } | undefined {
    const row = outboundByExternalId(this.db, channel, s.externalId);
    if (!row) return undefined;
    // Already given up on (a fallback or alert took over): a late receipt changes nothing.
    if (row.status === 'failed' || row.status === 'dead') return { id: row.id, failed: false };
    const rank: Partial<Record<MessageStatus, number>> = { sending: 0, sent: 1, delivered: 2, read: 3 };
    if (s.status !== 'failed' && (rank[s.status] ?? 0) <= (rank[row.status] ?? 0)) return { id: row.id, failed: false };
    this.db
      .prepare('UPDATE messages SET status = ?, error = coalesce(?, error), updated_at = ? WHERE id = ?')
      .run(s.status, s.error ?? null, Date.now(), row.id);
    return { id: row.id, failed: s.status === 'failed' };
  }
}
