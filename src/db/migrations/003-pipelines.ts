import type { Migration } from './index.js';

/**
 * Pipelines: a DAG of agent sessions. `pipelines.spec` holds the validated definition as JSON (the
 * plan never changes once created); `pipeline_stages` the progress of each stage; `pipeline_attempts`
 * one row per session started for a stage. An attempt row is claimed (status 'starting', with the
 * session name it will use) in the same transaction that moves its stage to 'running', and gets its
 * session id right after the session exists: a runner resuming after a crash finds the claim and
 * adopts the session by name instead of starting a second one.
 */
export const pipelines: Migration = {
  version: 3,
  name: 'pipelines',
  sql: `
    CREATE TABLE pipelines (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      session_prefix TEXT NOT NULL UNIQUE,
      work_dir TEXT NOT NULL,
      on_failure TEXT NOT NULL CHECK (on_failure IN ('stop', 'continue')),
      max_concurrent INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
      spec TEXT NOT NULL,
      error TEXT,
      created_at INTEGER NOT NULL,
      finished_at INTEGER
    );
    CREATE INDEX pipelines_status ON pipelines(status);
    CREATE INDEX pipelines_name ON pipelines(name, created_at);

    CREATE TABLE pipeline_stages (
      pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      position INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'skipped', 'cancelled')),
      attempts INTEGER NOT NULL DEFAULT 0,
      session_id TEXT,
      output TEXT,
      files TEXT,
      error TEXT,
      started_at INTEGER,
      finished_at INTEGER,
      PRIMARY KEY (pipeline_id, name)
    );

    CREATE TABLE pipeline_attempts (
      pipeline_id TEXT NOT NULL,
      stage TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      session_name TEXT NOT NULL,
      prompt TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('starting', 'running', 'done', 'failed', 'cancelled')),
      claimed_by TEXT NOT NULL,
      session_id TEXT,
      message_id INTEGER,
      error TEXT,
      created_at INTEGER NOT NULL,
      session_created_at INTEGER,
      finished_at INTEGER,
      PRIMARY KEY (pipeline_id, stage, attempt),
      FOREIGN KEY (pipeline_id, stage) REFERENCES pipeline_stages(pipeline_id, name) ON DELETE CASCADE
    );
    CREATE INDEX pipeline_attempts_session ON pipeline_attempts(session_id);
    CREATE INDEX pipeline_attempts_active ON pipeline_attempts(status) WHERE status IN ('starting', 'running');
  `,
};
