import type { Migration } from './index.js';

/** Leases: rows that let exactly one process do a job (advance a pipeline, send notifications). */
export const core: Migration = {
  version: 1,
  name: 'core',
  sql: `
    CREATE TABLE leases (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    );
  `,
};
