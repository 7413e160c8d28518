import type { InboundMessage, StatusUpdate } from '../../channels/types.js';
import type { Db } from '../../db/open.js';
import { outboundByExternalId, type MessageStatus } from './messages.js';

/**
 * The inbox: every inbound message is stored before anything runs, keyed by the service's own id,
 * so a message redelivered (Telegram after a restart, a Vonage or Slack retry, a replayed webhook)
 * is recognised and never runs twice.
 */
export class Inbox {
  constructor(private readonly db: Db) {}

  /** Stores the message; returns its row id, or undefined when this (channel, externalId) was seen before. */
  record(m: InboundMessage, at = Date.now()): number | undefined {
    const r = this.db
      .prepare(
        `INSERT INTO messages(channel, direction, external_id, peer, chat, kind, text, status, created_at, updated_at)
         VALUES (?, 'in', ?, ?, ?, ?, ?, 'received', ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(m.channel, m.externalId, m.sender, m.chat, m.callback ? 'callback' : 'command', m.text, at, at);
    return r.changes ? Number(r.lastInsertRowid) : undefined;
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
