import { randomInt } from 'node:crypto';
import type { Dialog, SessionState } from '../../agents/types.js';
import type { Db } from '../../db/open.js';

/** States in which a session waits for a person. */
export const WAITING_STATES: SessionState[] = ['permission_prompt', 'asking', 'plan'];

export interface CodeRecord {
  code: string;
  sessionId: string;
  kind: string;
  /** When the session entered the waiting state this code's dialog opened in (the session's stateSince). */
  openedAt: number;
  /** The dialog as last seen while open (details fill in as they arrive: a hook's absolute path, a full command). */
  dialog: Dialog;
  createdAt: number;
  closedAt?: number;
  /** How its prompt was answered ("approved on Telegram by tess at 14:02"), once it was. */
  resolution?: string;
}

/** What a code is minted for: one session's dialog, and since when the session shows it. */
export interface DialogInstance {
  sessionId: string;
  /** The session's stateSince: it changes whenever the session leaves the dialog and comes back. */
  openedAt: number;
  dialog: Dialog;
}

/** A shown text that may have been cut short on screen ("npm run bui…"): what is left to compare. */
const uncut = (s: string) => s.replace(/(…|\.\.\.)$/, '');
/** Screen readings may keep stray blanks around a detail (the real Edit dialog gives " notes.md"). */
const agrees = (a: string | undefined, b: string | undefined, same: (x: string, y: string) => boolean) =>
  a === undefined || b === undefined || a.trim() === b.trim() || same(a.trim(), b.trim());
const prefixed = (x: string, y: string) => y.startsWith(uncut(x)) || x.startsWith(uncut(y));
/** `notes.md` on screen, `/home/me/proj/notes.md` from the hook: one file seen two ways. */
const sameFile = (x: string, y: string) => x.endsWith(`/${y}`) || y.endsWith(`/${x}`) || prefixed(x, y);

/**
 * Whether `later` can be the same open dialog as `earlier`, seen again with more detail: same kind,
 * and every detail both name agrees (a relative path and its absolute form, a cut command and the whole
 * one). Details only ever fill in while a dialog is open; a different command or file is another dialog.
 */
export function sameDialog(earlier: Dialog, later: Dialog): boolean {
  return (
    earlier.kind === later.kind &&
    agrees(earlier.tool, later.tool, () => false) &&
    agrees(earlier.command, later.command, prefixed) &&
    agrees(earlier.file, later.file, sameFile) &&
    agrees(earlier.url, later.url, prefixed) &&
    (earlier.kind !== 'question' || agrees(earlier.question, later.question, prefixed))
  );
}

const HEX = '0123456789abcdef';
/** How long a code is not given out again after it was made. */
const RECENT_MS = 86_400_000;
/** Codes are typed on a phone keyboard: three hex characters while few are open. */
export const CODE_PATTERN = /^[0-9a-f]{3,4}$/i;

type Row = { code: string; session_id: string; kind: string; fingerprint: string; created_at: number; closed_at: number | null };
/**
 * A prompt that disappears and comes back this fast with the same content is one prompt seen twice
 * (a redraw: a loaded machine, a hook swapping details in), not a new one. The notifier does not notify
 * it again, and a press that lands while it is away waits this long before calling it gone.
 */
export const REDRAW_MS = 2_000;

/** The `fingerprint` column holds the instance: when its dialog opened and the dialog as last seen. */
const fromRow = (r: Row): CodeRecord => {
  const base = { code: r.code, sessionId: r.session_id, kind: r.kind, createdAt: r.created_at, closedAt: r.closed_at ?? undefined };
  if (!r.fingerprint.startsWith('{')) {
    // A code from before instances were kept (a bare hash): it names no instance any more, so it counts as closed.
    return { ...base, openedAt: -1, dialog: { kind: r.kind as Dialog['kind'], question: '', options: [] }, closedAt: r.closed_at ?? r.created_at };
  }
  const { openedAt, dialog, resolution } = JSON.parse(r.fingerprint) as { openedAt: number; dialog: Dialog; resolution?: string };
  return { ...base, openedAt, dialog, resolution };
};

/**
 * Short codes ("approve 3f2") that name one open dialog instance of one session: the dialog the session
 * entered its waiting state with at `openedAt`. The code stays valid while that dialog is open, whatever
 * details arrive later (the hook's absolute path for the screen's `notes.md`), and never answers another
 * dialog: once the session leaves it, or shows a dialog that disagrees with it, the code is dead
 * (an answer meant for "rm build/" can never approve "rm -rf ~").
 */
export class CodeStore {
  constructor(private readonly db: Db) {}

  /** The open code for this dialog instance, made now if it has none (closing the session's older codes). */
  forDialog(instance: DialogInstance, at = Date.now()): { code: string; created: boolean } {
    return this.db
      .transaction(() => {
        const open = this.openFor(instance.sessionId);
        const same = open.find((c) => this.matches(c, instance));
        if (same) {
          this.remember(same.code, instance);
          return { code: same.code, created: false };
        }
        this.db.prepare('UPDATE message_codes SET closed_at = ? WHERE session_id = ? AND closed_at IS NULL').run(at, instance.sessionId);
        const code = this.mint(at);
        this.db
          .prepare('INSERT OR REPLACE INTO message_codes(code, session_id, kind, fingerprint, created_at, closed_at) VALUES (?, ?, ?, ?, ?, NULL)')
          .run(code, instance.sessionId, instance.dialog.kind, JSON.stringify({ openedAt: instance.openedAt, dialog: instance.dialog }), at);
        return { code, created: true };
      })
      .immediate();
  }

  /**
   * Whether `code` still names the dialog the session shows now; if so the record follows the newer
   * details. A code that no longer does is closed here.
   */
  stillOpen(code: string, instance: DialogInstance | undefined, at = Date.now()): boolean {
    const c = this.get(code);
    if (!c || c.closedAt !== undefined) return false;
    if (instance && this.matches(c, instance)) {
      this.remember(c.code, instance);
      return true;
    }
    this.db.prepare('UPDATE message_codes SET closed_at = ? WHERE code = ? AND closed_at IS NULL').run(at, c.code);
    return false;
  }

  /**
   * The session came back to the same dialog after a redraw too short to be an answer (it left the
   * waiting state for a moment): the open code follows it to its new `openedAt`. False when the session
   * has no open code that agrees with the dialog.
   */
  carryOver(instance: DialogInstance): string | undefined {
    const c = this.openFor(instance.sessionId).find((r) => sameDialog(r.dialog, instance.dialog));
    if (!c) return undefined;
    this.remember(c.code, instance);
    return c.code;
  }

  private matches(c: CodeRecord, instance: DialogInstance): boolean {
    return c.sessionId === instance.sessionId && c.openedAt === instance.openedAt && sameDialog(c.dialog, instance.dialog);
  }

  private remember(code: string, instance: DialogInstance): void {
    this.db
      .prepare('UPDATE message_codes SET fingerprint = ? WHERE code = ?')
      .run(JSON.stringify({ openedAt: instance.openedAt, dialog: instance.dialog }), code);
  }

  private openFor(sessionId: string): CodeRecord[] {
    return (this.db.prepare('SELECT * FROM message_codes WHERE session_id = ? AND closed_at IS NULL').all(sessionId) as Row[]).map(fromRow);
  }

  /**
   * A fresh code: not open, and not given out in the last day, so a late press of an old notice's
   * button finds its own answered prompt ("already answered"), never a new prompt that reused the code.
   */
  private mint(at: number): string {
    const since = at - RECENT_MS;
    const busy = (code: string) => !!this.db.prepare('SELECT 1 FROM message_codes WHERE code = ? AND (closed_at IS NULL OR created_at > ?)').get(code, since);
    const used = (this.db.prepare('SELECT count(*) AS n FROM message_codes WHERE closed_at IS NULL OR created_at > ?').get(since) as { n: number }).n;
    const length = used < 1_000 ? 3 : 4;
    for (;;) {
      const code = Array.from({ length }, () => HEX[randomInt(16)]).join('');
      if (!busy(code)) return code;
    }
  }

  get(code: string): CodeRecord | undefined {
    const r = this.db.prepare('SELECT * FROM message_codes WHERE code = ?').get(code.toLowerCase()) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /**
   * The prompt of `code` was answered: the code closes and remembers how, for a late press. False
   * when its answer was already recorded (the first word on it stands).
   */
  resolve(code: string, resolution: string, at = Date.now()): boolean {
    return this.db
      .transaction(() => {
        const c = this.get(code);
        if (!c || c.resolution !== undefined || c.openedAt < 0) return false;
        this.db
          .prepare('UPDATE message_codes SET closed_at = coalesce(closed_at, ?), fingerprint = ? WHERE code = ?')
          .run(at, JSON.stringify({ openedAt: c.openedAt, dialog: c.dialog, resolution }), c.code);
        return true;
      })
      .immediate();
  }

  /** The dialog was answered (or the session moved on): its code stops working. */
  close(sessionId: string, at = Date.now()): void {
    this.db.prepare('UPDATE message_codes SET closed_at = ? WHERE session_id = ? AND closed_at IS NULL').run(at, sessionId);
  }
}

/** The dialog instance a session shows now, if it waits on one (a plain-text question has none). */
export function openDialog(s: { id: string; state: SessionState; stateSince: number; dialog?: Dialog }): DialogInstance | undefined {
  return s.dialog && s.dialog.kind !== 'setup' && WAITING_STATES.includes(s.state) ? { sessionId: s.id, openedAt: s.stateSince, dialog: s.dialog } : undefined;
}
