import type { Db } from '../../db/open.js';

export type JournalKind = 'note' | 'event' | 'alert';

export interface JournalEntry {
  id: number;
  day: string;
  at: number;
  kind: JournalKind;
  text: string;
  source?: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local calendar day of a time, YYYY-MM-DD: a journal day is the user's day, not UTC's. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export const localTime = (ms: number): string => {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** `today`, `yesterday`, `2026-03-12`, `03-12` or `12` (day of this month); undefined when unreadable. */
export function parseDay(arg: string | undefined, now = Date.now()): string | undefined {
  const a = (arg ?? 'today').trim().toLowerCase();
  if (a === 'today' || a === '') return localDay(now);
  if (a === 'yesterday') return localDay(now - 86_400_000);
  const today = localDay(now);
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(a))) return `${m[1]}-${pad(Number(m[2]))}-${pad(Number(m[3]))}`;
  if ((m = /^(\d{1,2})-(\d{1,2})$/.exec(a))) return `${today.slice(0, 4)}-${pad(Number(m[1]))}-${pad(Number(m[2]))}`;
  if ((m = /^(\d{1,2})$/.exec(a)) && Number(m[1]) >= 1 && Number(m[1]) <= 31) return `${today.slice(0, 7)}-${pad(Number(m[1]))}`;
  return undefined;
}

/** The daily log: what happened (sessions started and ended, approvals, alerts) and the user's notes. */
export class Journal {
  /** Called for every entry written in this process (mirrors entries to the journal channels). */
  listener?: (e: JournalEntry) => void;

  constructor(private readonly db: Db) {}

  add(kind: JournalKind, text: string, source?: string, at = Date.now()): JournalEntry {
    const day = localDay(at);
    const r = this.db.prepare('INSERT INTO journal_entries(day, at, kind, text, source) VALUES (?, ?, ?, ?, ?)').run(day, at, kind, text, source ?? null);
    const entry: JournalEntry = { id: Number(r.lastInsertRowid), day, at, kind, text, source };
    this.listener?.(entry);
    return entry;
  }

  day(day: string): JournalEntry[] {
    const rows = this.db.prepare('SELECT * FROM journal_entries WHERE day = ? ORDER BY id').all(day) as {
      id: number;
      day: string;
      at: number;
      kind: JournalKind;
      text: string;
      source: string | null;
    }[];
    return rows.map((r) => ({ id: r.id, day: r.day, at: r.at, kind: r.kind, text: r.text, source: r.source ?? undefined }));
  }
}
