import type { Migration } from './index.js';

/**
 * Sessions: one row per agent session (the pane is the truth for what runs; this row is what we
 * remember about it), a persisted queue of messages waiting for the agent to be ready, and the
 * history of state changes (time in state, notifications, benchmarks).
 */
export const sessions: Migration = {
  version: 2,
  name: 'sessions',
  sql: `
    CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      agent TEXT NOT NULL,
      argv TEXT NOT NULL,
      work_dir TEXT NOT NULL,
      permission_mode TEXT NOT NULL,
      model TEXT,
      state TEXT NOT NULL,
      state_since INTEGER NOT NULL,
      last_activity INTEGER NOT NULL,
      dialog TEXT,
      last_assistant TEXT,
      tmux_window TEXT,
      tmux_pane TEXT,
      pane_pid INTEGER,
      agent_session_id TEXT,
      transcript_path TEXT,
      hooks_file TEXT,
      initial_prompt TEXT,
      prompt_delivered INTEGER NOT NULL DEFAULT 0,
      exit_status INTEGER,
      error TEXT,
      created_at INTEGER NOT NULL,
      ended_at INTEGER
    );
    CREATE INDEX sessions_state ON sessions(state);
    CREATE INDEX sessions_work_dir ON sessions(work_dir);

    CREATE TABLE session_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      text TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('queued', 'delivering', 'delivered', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      claimed_by TEXT,
      claimed_until INTEGER,
      error TEXT,
      created_at INTEGER NOT NULL,
      delivered_at INTEGER
    );
    CREATE INDEX session_messages_pending ON session_messages(session_id, status, id);

    CREATE TABLE session_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      at INTEGER NOT NULL,
      from_state TEXT,
      to_state TEXT NOT NULL,
      source TEXT NOT NULL,
      detail TEXT
    );
    CREATE INDEX session_events_session ON session_events(session_id, id);
  `,
};
