import type { Migration } from './index.js';

/**
 * The version of the agent a session runs, recorded once it is first learned (its `--version` when
 * first watched). A running agent keeps the version it was launched with even if its binary is
 * updated in place, and every later process (each `ag send`, `ag approve`) reads the screen with that
 * version's rules at once instead of starting the agent's binary again to ask.
 */
export const sessionAgentVersion: Migration = {
  version: 9,
  name: 'session-agent-version',
  sql: `ALTER TABLE sessions ADD COLUMN agent_version TEXT;`,
};
