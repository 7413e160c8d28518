import type { Migration } from './index.js';

/**
 * message_parts: the service's id for every part of an outbound message that went out in several
 * (a long text is split at the channel's limit). messages.external_id keeps only the last part's (the
 * one with the buttons); an edit must reach each part, and a delivery receipt for any part must find
 * its row. Rows go with their message (pruning).
 */
export const messageParts: Migration = {
  version: 10,
  name: 'message-parts',
  sql: `
    CREATE TABLE message_parts (
      message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      part INTEGER NOT NULL,
      channel TEXT NOT NULL,
      external_id TEXT NOT NULL,
      PRIMARY KEY (message_id, part)
    );
    CREATE INDEX message_parts_external ON message_parts(channel, external_id);
  `,
};
