import type { Migration } from './index.js';

/**
 * - sessions.agent_version: the version of the agent a session runs, recorded once it is first learned
 *   (its `--version` when first watched). A running agent keeps the version it was launched with even
 *   if its binary is updated in place, and every later process (each `ag send`, `ag approve`) reads the
 *   screen with that version's rules at once instead of starting the agent's binary again to ask.
 * - session_messages_waiting: the messages still to deliver, which every watching process looks up each
 *   second (src/sessions/service.ts); without it the lookup scans every message ever sent (3.7 ms at
 *   100k messages on this schema, 0.009 ms through it).
 */
export const sessionAgentVersion: Migration = {
  version: 9,
  name: 'session-agent-version',
  sql: `
    ALTER TABLE sessions ADD COLUMN agent_version TEXT;
    CREATE INDEX session_messages_waiting ON session_messages(session_id) WHERE status IN ('queued', 'delivering');
  `,
};
