import type { Migration } from './index.js';

/**
 * Many agents on one repository (issue 15): a session's git worktree ({path, branch, baseRef, repo} as
 * JSON), why it was stopped when Aegis stopped it (idle timeout), a session's budget (JSON {usd?,
 * tokens?}; a pipeline's is in its spec) and, for both, the share of it already announced (80, 100).
 */
export const worktreesUsage: Migration = {
  version: 7,
  name: 'worktrees-usage',
  sql: `
    ALTER TABLE sessions ADD COLUMN worktree TEXT;
    ALTER TABLE sessions ADD COLUMN stop_reason TEXT;
    ALTER TABLE sessions ADD COLUMN budget TEXT;
    ALTER TABLE sessions ADD COLUMN budget_notified INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE pipelines ADD COLUMN budget_notified INTEGER NOT NULL DEFAULT 0;
  `,
};
