import { phoneDigits, WINDOW_CLOSED } from '../../channels/whatsapp.js';
import type { Config } from '../../config/load.js';
import type { Db } from '../../db/open.js';
import { fromRow, type MessageRecord, type OutboundPayload } from './messages.js';
import type { Outbox } from './outbox.js';

/**
 * WhatsApp's 24-hour window: a person who has not written for a day cannot be sent free-form
 * messages. When WhatsApp refuses one for that reason, the message is held (not given up on), the
 * configured approved template invites the person back (once while messages wait), and when they
 * write, everything held for them goes out in order. Without a template the refusal is an ordinary
 * failure (fallback, alerts), its reason naming the window.
 */
export class WhatsAppWindow {
  constructor(
    private readonly db: Db,
    private readonly outbox: () => Outbox,
    private readonly config: Config,
  ) {}

  /** For Outbox.giveUp: holds `row` when WhatsApp refused it for the closed window and a template is set. */
  hold(row: MessageRecord, error: string): boolean {
    const name = this.config.get('channels.vonage.templateName');
    if (row.channel !== 'whatsapp' || !error.startsWith(WINDOW_CLOSED) || !name || row.payload?.template) return false;
    const now = Date.now();
    const horizonMs = this.config.get('messaging.retryHorizonHours') * 3_600_000;
    const payload: OutboundPayload = { ...row.payload!, awaitingReply: true, sentParts: 0 };
    this.db
      .prepare(
        "UPDATE messages SET status = 'queued', next_attempt_at = ?, payload = ?, error = ?, claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ?",
      )
      .run(now + horizonMs, JSON.stringify(payload), `waiting for ${row.peer} to write: ${error}`, now, row.id);
    if (!this.invited(row.peer)) {
      this.outbox().enqueue({
        channel: 'whatsapp',
        to: row.peer,
        kind: 'notification',
        rich: [`(WhatsApp template ${name})`],
        template: { name, locale: this.config.get('channels.vonage.templateLocale'), parameters: this.config.get('channels.vonage.templateParameters') },
      });
      this.outbox().kick();
    }
    return true;
  }

  /** The person wrote: the window is open again, and what was held for them is due now. */
  reopen(sender: string): number {
    const held = this.waiting().filter((r) => phoneDigits(r.peer) === phoneDigits(sender));
    const now = Date.now();
    for (const r of held) {
      this.db
        .prepare("UPDATE messages SET next_attempt_at = ?, payload = ?, updated_at = ? WHERE id = ? AND status = 'queued'")
        .run(now, JSON.stringify({ ...r.payload, awaitingReply: undefined }), now, r.id);
    }
    if (held.length) this.outbox().kick();
    return held.length;
  }

  private waiting(): MessageRecord[] {
    const rows = this.db
      .prepare(
        "SELECT * FROM messages WHERE direction = 'out' AND channel = 'whatsapp' AND status = 'queued' AND json_extract(payload, '$.awaitingReply') = 1 ORDER BY id",
      )
      .all() as Parameters<typeof fromRow>[0][];
    return rows.map(fromRow);
  }

  /** Whether an invitation went (or waits to go) to this number since it last wrote: one is enough. */
  private invited(peer: string): boolean {
    const digits = phoneDigits(peer);
    const wrote = this.db.prepare("SELECT max(created_at) AS at FROM messages WHERE direction = 'in' AND channel = 'whatsapp' AND peer = ?").get(digits) as {
      at: number | null;
    };
    const invites = this.db
      .prepare(
        "SELECT peer FROM messages WHERE direction = 'out' AND channel = 'whatsapp' AND json_extract(payload, '$.template.name') IS NOT NULL AND status NOT IN ('dead', 'failed') AND created_at > ?",
      )
      .all(wrote.at ?? 0) as { peer: string }[];
    return invites.some((r) => phoneDigits(r.peer) === digits);
  }
}
