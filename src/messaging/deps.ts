/**
 * What messaging uses from the rest of Aegis, handed in by the composition root (src/app-core.ts):
 * config, the database, the event bus, the log, narrow views of the sessions, pipelines and
 * integrations (only the methods messaging calls), and the tools its chat commands run.
 */
import type { ChatTools } from './commands/chat-tools.js';
import type { Config } from '../config/load.js';
import type { Db } from '../db/open.js';
import type { EventBus } from '../events.js';
import type { Integrations } from '../integrations/index.js';
import type { PipelineService } from '../pipelines/index.js';
import type { SessionService } from '../sessions/index.js';
import type { Logger } from '../util/log.js';

/** Sessions as chat commands, notices and `ag serve` see them: stored rows, looked up or refreshed from tmux. */
export type MessagingSessions = Pick<SessionService, 'start' | 'get' | 'live' | 'resolve' | 'refreshLive' | 'fresh'>;

/** Pipelines for the status lines and finished-pipeline notices; `ag serve` advances them. */
export type MessagingPipelines = Pick<PipelineService, 'start' | 'list'>;

/** What the integrations add to messaging: channels, chat commands and secrets to mask (loaded once per process). */
export type MessagingIntegrations = Pick<Integrations, 'load'>;

/** Everything the messaging area uses. */
export interface MessagingDeps {
  config: Config;
  db: Db;
  events: EventBus;
  log: Logger;
  /** Aegis's version, named in the events forwarded to outbound webhooks. */
  version: string;
  sessions: MessagingSessions;
  pipelines: MessagingPipelines;
  integrations: MessagingIntegrations;
  /**
   * The tool calls chat commands make (src/tools/chat.ts), loaded on the first command: the interface
   * that started this process supplies them (AppOptions.chatTools), since messaging and the root sit below the tools.
   */
  chatTools: () => Promise<ChatTools>;
}
