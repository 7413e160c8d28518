/**
 * Numbered schema migrations, applied in order at open. A migration is never edited once released:
 * change the schema with a new number. Each area owns its files; this list only orders them.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
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
];
