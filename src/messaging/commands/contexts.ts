import type { Db } from '../../db/open.js';

export interface SenderContext {
  currentSession?: string;
  lastIntent?: string;
}

/** How long after `reason <code>` the sender's next message is still taken as the reason. */
export const REASON_WAIT_MS = 5 * 60_000;

/** What a sender's last intent holds while their next message is awaited as the reason to reject a prompt. */
const AWAITING_REASON = /^reason:([0-9a-f]+)@(\d+)$/;

/** Per sender (channel + id): the session their `c:`, `input:` and `stop session` go to, and what they last asked. */
export class ContextStore {
  constructor(private readonly db: Db) {}

  get(channel: string, sender: string): SenderContext {
    const r = this.db.prepare('SELECT current_session, last_intent FROM message_contexts WHERE channel = ? AND sender = ?').get(channel, sender) as
      { current_session: string | null; last_intent: string | null } | undefined;
    return { currentSession: r?.current_session ?? undefined, lastIntent: r?.last_intent ?? undefined };
  }

  update(channel: string, sender: string, change: { currentSession?: string | null; lastIntent?: string }): void {
    const cur = this.get(channel, sender);
    const session = change.currentSession === undefined ? (cur.currentSession ?? null) : change.currentSession;
    this.db
      .prepare(
        `INSERT INTO message_contexts(channel, sender, current_session, last_intent, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(channel, sender) DO UPDATE SET current_session = excluded.current_session, last_intent = excluded.last_intent, updated_at = excluded.updated_at`,
      )
      .run(channel, sender, session, change.lastIntent ?? cur.lastIntent ?? null, Date.now());
  }

  /** After `reason <code>`: the sender's next message, if it comes soon, is the reason to reject that code's prompt. */
  awaitReason(channel: string, sender: string, code: string, at = Date.now()): void {
    this.update(channel, sender, { lastIntent: `reason:${code}@${at}` });
  }

  /** The code whose reason the sender's next message would be, and since when it is awaited. */
  pendingReason(channel: string, sender: string): { code: string; since: number } | undefined {
    const m = AWAITING_REASON.exec(this.get(channel, sender).lastIntent ?? '');
    return m ? { code: m[1]!, since: Number(m[2]) } : undefined;
  }
}
