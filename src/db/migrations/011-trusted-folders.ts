import type { Migration } from './index.js';

/**
 * trusted_folders: work folders the user trusted in an agent's own trust dialog (approved through
 * Aegis). Codex and Gemini CLI sessions run with a private home each, where a trust answer would
 * last one session only; later sessions in a folder listed here start with it trusted, and any other
 * folder shows the agent's dialog again (a trusted folder's own agent config may run code).
 */
export const trustedFolders: Migration = {
  version: 11,
  name: 'trusted-folders',
  sql: `
    CREATE TABLE trusted_folders (
      path TEXT PRIMARY KEY,
      trusted_at INTEGER NOT NULL
    );
  `,
};
