import type { Migration } from './index.js';

/**
 * Messaging. `messages` is both the inbox and the outbox:
 * - inbound rows are unique per (channel, external_id) (Telegram update_id, Vonage message_uuid,
 *   Slack event_id, Discord message id), so a replayed or redelivered message is processed once;
 * - outbound rows are claimed (claimed_by/claimed_until) by the one process that sends them, retried
 *   at next_attempt_at with backoff, and keep their delivery status (sent, delivered, read, failed,
 *   dead = the dead-letter list), so nothing is lost or sent twice across restarts.
 * `message_codes` are the short codes ("approve 3f2") that name one open dialog of one session;
 * `message_contexts` remember per sender the current session; `messaging_cursors` hold poll cursors
 * and once-a-day markers; `journal_entries` is the daily log.
 */
export const messaging: Migration = {
  version: 6,
  name: 'messaging',
  sql: `
    CREATE TABLE messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      channel TEXT NOT NULL,
      direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
      external_id TEXT,
      peer TEXT NOT NULL,
      chat TEXT,
      kind TEXT NOT NULL,
      text TEXT NOT NULL,
      payload TEXT,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER,
      claimed_by TEXT,
      claimed_until INTEGER,
      error TEXT,
      reply_to INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX messages_inbound_once ON messages(channel, external_id) WHERE direction = 'in';
    CREATE INDEX messages_outbox_due ON messages(status, next_attempt_at) WHERE direction = 'out';
    CREATE INDEX messages_outbound_external ON messages(channel, external_id) WHERE direction = 'out';
    CREATE INDEX messages_by_time ON messages(created_at);

    CREATE TABLE message_codes (
      code TEXT PRIMARY KEY,
      session_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      closed_at INTEGER
    );
    CREATE INDEX message_codes_session ON message_codes(session_id, closed_at);

    CREATE TABLE message_contexts (
      channel TEXT NOT NULL,
      sender TEXT NOT NULL,
      current_session TEXT,
      last_intent TEXT,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (channel, sender)
    );

    CREATE TABLE messaging_cursors (
      name TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );

    CREATE TABLE journal_entries (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      day TEXT NOT NULL,
      at INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('note', 'event', 'alert')),
      text TEXT NOT NULL,
      source TEXT
    );
    CREATE INDEX journal_entries_day ON journal_entries(day, id);
  `,
};
