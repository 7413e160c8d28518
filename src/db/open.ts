import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { AegisError } from '../errors.js';
import { ensurePrivateFile, mkdirPrivate, PRIVATE_FILE, tighten } from '../util/private-files.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type Db = Database.Database;

/**
 * better-sqlite3 is a CommonJS package: required, it loads in about half the CPU time an ES import of
 * it takes (Node's ESM loader parses CommonJS to find its exports), and every CLI command opens the database.
 */
const requireCjs = createRequire(import.meta.url);
const Sqlite = requireCjs('better-sqlite3') as typeof Database;

/**
 * Opens (creating if needed) the one Aegis database: WAL so readers never block the writer, a busy
 * timeout so a second process waits instead of failing with "database is locked", foreign keys on.
 */
export function openDatabase(file: string, migrations: Migration[] = MIGRATIONS): Db {
  mkdirPrivate(dirname(file));
  let db: Db;
  try {
    // SQLite creates the -wal and -shm files with the database file's mode: a 0600 file keeps all
    // three private. Those of an older Aegis (0644) are tightened.
    ensurePrivateFile(file);
    for (const companion of [`${file}-wal`, `${file}-shm`]) tighten(companion, PRIVATE_FILE);
    db = new Sqlite(file, { timeout: 10_000 });
  } catch (err) {
    throw new AegisError('unavailable', `cannot open database ${file}: ${(err as Error).message}`, {
      fix: `check that ${dirname(file)} is writable, or point AEGIS_HOME elsewhere`,
      cause: err,
    });
  }
  whileBusy(() => db.pragma('journal_mode = WAL'));
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  whileBusy(() => migrate(db, migrations));
  return db;
}

/** How long opening waits for another process that holds the file while it sets it up. */
const OPEN_BUSY_MS = 10_000;
const BUSY_PAUSE_MS = 20;

/**
 * SQLite answers SQLITE_BUSY at once, without calling the busy handler, when two processes turn a new
 * file to WAL together (one holds the lock that changes the journal mode). Seen in the two-writer test:
 * "database is locked" from the journal_mode pragma. Such a step is retried until the deadline.
 */
function whileBusy<T>(step: () => T): T {
  const deadline = Date.now() + OPEN_BUSY_MS;
  for (;;) {
    try {
      return step();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BUSY_PAUSE_MS);
    }
  }
}

/** The highest migration applied to this database (0 for a new file). */
export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, each in its own IMMEDIATE
 * transaction so that two processes opening a fresh file at once cannot both apply the same step.
 * Applied steps are tracked by version, not by a high-water mark, so areas can add numbers freely.
 */
export function migrate(db: Db, migrations: Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    if (applied.has(m.version)) continue;
    const apply = db.transaction(() => {
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version)) return;
      db.exec(m.sql);
      m.run?.(db);
      db.prepare('INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    });
    apply.immediate();
  }
}

export const latestSchemaVersion = (migrations: Migration[] = MIGRATIONS): number => migrations.reduce((max, m) => Math.max(max, m.version), 0);
