import { createHash, randomInt } from 'node:crypto';
import type { Dialog } from '../agents/types.js';
import type { Db } from '../db/open.js';

export interface CodeRecord {
  code: string;
  sessionId: string;
  kind: string;
  fingerprint: string;
  createdAt: number;
  closedAt?: number;
}

/** What makes one dialog this dialog: a new prompt (another command, another file) gets a new code. */
export function dialogFingerprint(d: Dialog): string {
  const basis = JSON.stringify([d.kind, d.title, d.question, d.tool, d.command, d.file, d.url, d.options.map((o) => o.label)]);
  return createHash('sha256').update(basis).digest('hex').slice(0, 16);
}

const HEX = '0123456789abcdef';
/** Codes are typed on a phone keyboard: three hex characters while few are open. */
export const CODE_PATTERN = /^[0-9a-f]{3,4}$/i;

/**
 * Short codes ("approve 3f2") that name one open dialog of one session. A code stays bound to the
 * dialog it was made for: once the session shows another dialog, the old code no longer approves
 * anything (an answer meant for "rm build/" can never approve "rm -rf ~").
 */
export class CodeStore {
  constructor(private readonly db: Db) {}

  /** The open code for this session's dialog, made now if it has none (closing its older codes). */
  forDialog(sessionId: string, dialog: Dialog, at = Date.now()): { code: string; created: boolean } {
    const fingerprint = dialogFingerprint(dialog);
    return this.db.transaction(() => {
      const open = this.db.prepare('SELECT code, fingerprint FROM message_codes WHERE session_id = ? AND closed_at IS NULL').all(sessionId) as { code: string; fingerprint: string }[];
      const same = open.find((c) => c.fingerprint === fingerprint);
      if (same) return { code: same.code, created: false };
      this.db.prepare('UPDATE message_codes SET closed_at = ? WHERE session_id = ? AND closed_at IS NULL').run(at, sessionId);
      const code = this.mint();
      this.db
        .prepare('INSERT OR REPLACE INTO message_codes(code, session_id, kind, fingerprint, created_at, closed_at) VALUES (?, ?, ?, ?, ?, NULL)')
        .run(code, sessionId, dialog.kind, fingerprint, at);
      return { code, created: true };
    }).immediate();
  }

  /** A fresh code, unused by any open dialog (closed ones are recycled, oldest history first). */
  private mint(): string {
    const openCount = (this.db.prepare('SELECT count(*) AS n FROM message_codes WHERE closed_at IS NULL').get() as { n: number }).n;
    const length = openCount < 1_000 ? 3 : 4;
    for (;;) {
      const code = Array.from({ length }, () => HEX[randomInt(16)]).join('');
      const taken = this.db.prepare('SELECT 1 FROM message_codes WHERE code = ? AND closed_at IS NULL').get(code);
      if (!taken) return code;
    }
  }

  get(code: string): CodeRecord | undefined {
    const r = this.db.prepare('SELECT * FROM message_codes WHERE code = ?').get(code.toLowerCase()) as
      | { code: string; session_id: string; kind: string; fingerprint: string; created_at: number; closed_at: number | null }
      | undefined;
    return r ? { code: r.code, sessionId: r.session_id, kind: r.kind, fingerprint: r.fingerprint, createdAt: r.created_at, closedAt: r.closed_at ?? undefined } : undefined;
  }

  /** The dialog was answered (or the session moved on): its code stops working. */
  close(sessionId: string, at = Date.now()): void {
    this.db.prepare('UPDATE message_codes SET closed_at = ? WHERE session_id = ? AND closed_at IS NULL').run(at, sessionId);
  }
}
