/**
 * Numbered schema migrations, applied in order at open. A migration is never edited once released:
 * change the schema with a new number. Each area owns its files; this list only orders them.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Row-by-row work SQL cannot do (Unicode normalisation), run after `sql` in the same transaction. */
  run?: (db: Database.Database) => void;
}

import { core } from './001-core.js';
import { sessions } from './002-sessions.js';
import { pipelines } from './003-pipelines.js';
import { memory } from './004-memory.js';
import { knowledge } from './005-knowledge.js';
import { messaging } from './006-messaging.js';
import { worktreesUsage } from './007-worktrees-usage.js';
import { knowledgeLeanSearch } from './008-knowledge-lean-search.js';
import { sessionAgentVersion } from './009-session-agent-version.js';
import { messageParts } from './010-message-parts.js';
import { trustedFolders } from './011-trusted-folders.js';
import { unicodeNames } from './012-unicode-names.js';

export const MIGRATIONS: Migration[] = [
  core,
  sessions,
  pipelines,
  memory,
  knowledge,
  messaging,
  worktreesUsage,
  knowledgeLeanSearch,
  sessionAgentVersion,
  messageParts,
  trustedFolders,
  unicodeNames,
];
