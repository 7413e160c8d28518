import type { Migration } from './index.js';

/**
 * Key-value memory. `id` is an explicit INTEGER PRIMARY KEY so the external-content FTS index can
 * point at it (an implicit rowid may be renumbered by VACUUM). Values are stored as text: the string
 * itself, or serialized JSON when `kind` is 'json'. Expired rows stay until the next write purges them;
 * every read filters them out.
 */
export const memory: Migration = {
  version: 4,
  name: 'memory',
  sql: `
    CREATE TABLE memory_entries (
      id INTEGER PRIMARY KEY,
      scope TEXT NOT NULL,
      key TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('string', 'json')),
      value TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      expires_at INTEGER,
      UNIQUE (scope, key)
    );
    CREATE INDEX memory_entries_expiry ON memory_entries(expires_at) WHERE expires_at IS NOT NULL;

    CREATE VIRTUAL TABLE memory_fts USING fts5(
      key, value,
      content = 'memory_entries', content_rowid = 'id',
      tokenize = 'porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER memory_entries_ai AFTER INSERT ON memory_entries BEGIN
      INSERT INTO memory_fts(rowid, key, value) VALUES (new.id, new.key, new.value);
    END;
    CREATE TRIGGER memory_entries_ad AFTER DELETE ON memory_entries BEGIN
      INSERT INTO memory_fts(memory_fts, rowid, key, value) VALUES ('delete', old.id, old.key, old.value);
    END;
    CREATE TRIGGER memory_entries_au AFTER UPDATE OF key, value ON memory_entries BEGIN
      INSERT INTO memory_fts(memory_fts, rowid, key, value) VALUES ('delete', old.id, old.key, old.value);
      INSERT INTO memory_fts(rowid, key, value) VALUES (new.id, new.key, new.value);
    END;
  `,
};
