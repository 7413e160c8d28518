import type { Db } from '../db/open.js';
import { invalidInput } from '../errors.js';
import { relevance, searchTerms, toMatchExpression } from '../db/fts-query.js';
import { canonicalName, checkVisible, MEMORY_KEY_CHARS } from '../util/names.js';
import { GLOBAL_SCOPE, normalizeScope } from './scope.js';

/** Memory holds small shared state; anything bigger belongs in a file whose path is remembered. */
export const MEMORY_LIMITS = {
  keyChars: MEMORY_KEY_CHARS,
  valueBytes: 64 * 1024,
  ttlSecondsMax: 10 * 365 * 24 * 3600,
  listPageMax: 500,
  searchMax: 100,
  /** Search results show a value whole up to this many characters, else a snippet around the match. */
  previewChars: 300,
} as const;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface MemoryEntry {
  key: string;
  scope: string;
  value: JsonValue;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

export interface MemoryListItem {
  key: string;
  updatedAt: string;
  expiresAt: string | null;
  value?: JsonValue;
}

export interface MemoryList {
  entries: MemoryListItem[];
  /** Live entries under the prefix in this scope, all pages together. */
  total: number;
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface MemorySearchHit {
  key: string;
  scope: string;
  /** The value whole when short, else a snippet around the matching words. */
  preview: string;
  truncated: boolean;
  score: number;
  updatedAt: string;
}

export interface SetOptions {
  key: string;
  value: JsonValue;
  scope?: string;
  ttlSeconds?: number;
}

export interface ListOptions {
  scope?: string;
  prefix?: string;
  withValues?: boolean;
  limit?: number;
  cursor?: string;
}

export interface SearchOptions {
  query: string;
  /** Omit to search every scope. */
  scope?: string;
  limit?: number;
}

interface Row {
  scope: string;
  key: string;
  kind: 'string' | 'json';
  value: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
}

/** Sorts after every key that starts with a given prefix (the highest code point). */
const AFTER_PREFIX = String.fromCodePoint(0x10ffff);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const decode = (row: Pick<Row, 'kind' | 'value'>): JsonValue => (row.kind === 'json' ? (JSON.parse(row.value) as JsonValue) : row.value);

/**
 * `namespace/key`: segments of visible characters, at least two, none empty. Returns the key in the
 * form it is stored and compared in (canonicalName), so every way of typing it names one entry.
 */
export function checkKey(given: string, field = 'key'): string {
  const example = 'use namespace/key, e.g. deploy/staging-url';
  if (!given) throw invalidInput(field, 'the key is empty', example);
  const key = canonicalName(given);
  if ([...key].length > MEMORY_LIMITS.keyChars) {
    throw invalidInput(
      field,
      `the key is ${[...key].length} characters; at most ${MEMORY_LIMITS.keyChars} are allowed`,
      'use a shorter key and put detail in the value',
    );
  }
  checkVisible(key, field, 'the key', example);
  if (/[\s\p{C}]/u.test(key)) throw invalidInput(field, `the key "${key}" contains spaces or control characters`, `${example} (no spaces)`);
  const segments = key.split('/');
  if (segments.length < 2 || segments.some((s) => s === '')) {
    throw invalidInput(field, `the key "${key}" is not of the form namespace/key`, example);
  }
  return key;
}

/** Half a UTF-16 surrogate pair: no UTF-8 form, so SQLite text would read it back as three U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/u;

/** JSON text of `value`; a number JSON cannot hold (JSON.parse reads 1e400 as Infinity) is refused, not stored as null. */
function toJson(value: JsonValue, field: string): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v))
      throw invalidInput(field, `the value holds ${v}, which JSON cannot store`, 'pass a number within ±1.8e308, or write it as a string');
    return v;
  });
}

/**
 * A value as stored: strings as they are, anything else as JSON text. A string holding a lone surrogate
 * is stored as JSON too, whose \u escape keeps it exactly.
 */
function encodeValue(value: JsonValue | undefined, field = 'value'): { kind: 'string' | 'json'; text: string } {
  if (value === undefined) throw invalidInput(field, 'no value given', 'pass a string or any JSON value');
  const encoded =
    typeof value === 'string' && !LONE_SURROGATE.test(value) ? { kind: 'string' as const, text: value } : { kind: 'json' as const, text: toJson(value, field) };
  const bytes = Buffer.byteLength(encoded.text, 'utf8');
  if (bytes > MEMORY_LIMITS.valueBytes) {
    throw invalidInput(
      field,
      `the value is ${bytes} bytes; memory holds at most ${MEMORY_LIMITS.valueBytes} bytes per key`,
      'store large content in a file and remember its path, or split it over several keys',
    );
  }
  return encoded;
}

function checkLimit(limit: number | undefined, fallback: number, max: number, field = 'limit'): number {
  const n = limit ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw invalidInput(field, `limit must be a whole number from 1 to ${max}`, `pass a limit between 1 and ${max}`);
  return n;
}

/**
 * Key-value memory shared by every process that opens the database. Each write is one IMMEDIATE
 * transaction (it takes the write lock up front, so a second process waits on the busy timeout
 * instead of failing mid-transaction); reads never see an expired entry.
 */
export class MemoryStore {
  constructor(
    private readonly db: Db,
    /** Milliseconds since the epoch; injectable so expiry can be tested without waiting. */
    private readonly now: () => number = Date.now,
  ) {}

  set(opts: SetOptions): MemoryEntry & { created: boolean } {
    const key = checkKey(opts.key);
    const scope = normalizeScope(opts.scope ?? GLOBAL_SCOPE);
    const { kind, text } = encodeValue(opts.value);
    const ttl = opts.ttlSeconds;
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > MEMORY_LIMITS.ttlSecondsMax)) {
      throw invalidInput(
        'ttlSeconds',
        `ttlSeconds must be a whole number from 1 to ${MEMORY_LIMITS.ttlSecondsMax}`,
        'omit ttlSeconds to keep the entry until deleted',
      );
    }
    const write = this.db.transaction(() => {
      const now = this.now();
      this.purgeExpired(now);
      const existed = this.db.prepare('SELECT 1 FROM memory_entries WHERE scope = ? AND key = ?').get(scope, key) !== undefined;
      const row = this.db
        .prepare(
          `INSERT INTO memory_entries(scope, key, kind, value, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(scope, key) DO UPDATE SET kind = excluded.kind, value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at
           RETURNING scope, key, kind, value, created_at, updated_at, expires_at`,
        )
        .get(scope, key, kind, text, now, now, ttl === undefined ? null : now + ttl * 1000) as Row;
      return { ...toEntry(row), created: !existed };
    });
    return write.immediate();
  }

  get(key: string, scope: string = GLOBAL_SCOPE): MemoryEntry | undefined {
    const row = this.db
      .prepare(
        'SELECT scope, key, kind, value, created_at, updated_at, expires_at FROM memory_entries WHERE scope = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)',
      )
      .get(normalizeScope(scope), checkKey(key), this.now()) as Row | undefined;
    return row && toEntry(row);
  }

  /** True when a live entry was deleted. */
  delete(key: string, scope: string = GLOBAL_SCOPE): boolean {
    const k = checkKey(key);
    const s = normalizeScope(scope);
    const remove = this.db.transaction(() => {
      const now = this.now();
      const live =
        this.db.prepare('SELECT 1 FROM memory_entries WHERE scope = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)').get(s, k, now) !== undefined;
      this.db.prepare('DELETE FROM memory_entries WHERE scope = ? AND key = ?').run(s, k);
      this.purgeExpired(now);
      return live;
    });
    return remove.immediate();
  }

  /** Keys (and optionally values) under a key prefix, in key order, a page at a time. */
  list(opts: ListOptions = {}): MemoryList {
    const scope = normalizeScope(opts.scope ?? GLOBAL_SCOPE);
    const prefix = canonicalName(opts.prefix ?? '');
    const limit = checkLimit(opts.limit, 50, MEMORY_LIMITS.listPageMax);
    const now = this.now();
    const range = 'scope = ? AND key >= ? AND key < ? AND (expires_at IS NULL OR expires_at > ?)';
    const read = this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT scope, key, kind, value, created_at, updated_at, expires_at FROM memory_entries WHERE ${range} AND key > ? ORDER BY key LIMIT ?`)
        .all(scope, prefix, prefix + AFTER_PREFIX, now, opts.cursor ?? '', limit + 1) as Row[];
      const total = (this.db.prepare(`SELECT count(*) AS n FROM memory_entries WHERE ${range}`).get(scope, prefix, prefix + AFTER_PREFIX, now) as { n: number })
        .n;
      return { rows, total };
    });
    const { rows, total } = read();
    const page = rows.slice(0, limit);
    return {
      entries: page.map((r) => ({
        key: r.key,
        updatedAt: iso(r.updated_at)!,
        expiresAt: iso(r.expires_at),
        ...(opts.withValues ? { value: decode(r) } : {}),
      })),
      total,
      ...(rows.length > limit ? { nextCursor: page[page.length - 1]!.key } : {}),
    };
  }

  /** Ranked full-text search over keys and values; every word must match, `word*` is a prefix. */
  search(opts: SearchOptions): MemorySearchHit[] {
    const match = toMatchExpression(searchTerms(opts.query));
    const limit = checkLimit(opts.limit, 20, MEMORY_LIMITS.searchMax);
    const scope = opts.scope === undefined ? undefined : normalizeScope(opts.scope);
    const rows = this.db
      .prepare(
        `SELECT m.key, m.scope, m.value, m.updated_at, bm25(memory_fts, 2.0, 1.0) AS score,
                snippet(memory_fts, 1, '', '', '…', 24) AS snip
         FROM memory_fts JOIN memory_entries m ON m.id = memory_fts.rowid
         WHERE memory_fts MATCH ? AND (m.expires_at IS NULL OR m.expires_at > ?) ${scope === undefined ? '' : 'AND m.scope = ?'}
         ORDER BY score LIMIT ?`,
      )
      .all(...[match, this.now(), ...(scope === undefined ? [] : [scope]), limit]) as (Pick<Row, 'key' | 'scope' | 'value' | 'updated_at'> & {
      score: number;
      snip: string;
    })[];
    return rows.map((r) => {
      const short = r.value.length <= MEMORY_LIMITS.previewChars;
      return {
        key: r.key,
        scope: r.scope,
        preview: short ? r.value : r.snip,
        truncated: !short,
        score: relevance(r.score),
        updatedAt: iso(r.updated_at)!,
      };
    });
  }

  private purgeExpired(now: number): void {
    this.db.prepare('DELETE FROM memory_entries WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now);
  }
}

function toEntry(row: Row): MemoryEntry {
  return {
    key: row.key,
    scope: row.scope,
    value: decode(row),
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    expiresAt: iso(row.expires_at),
  };
}
