/**
 * What messaging uses from the rest of Aegis, handed in by the composition root (src/app-core.ts):
 * config, the database, the event bus, the log, narrow views of the sessions, pipelines and
 * integrations (only the methods messaging calls), and the tools its chat commands run.
 */
import type { ChannelAdapter } from '../channels/types.js';
import type { ChatTools } from './commands/chat-tools.js';
import type { Config } from '../config/load.js';
import type { Db } from '../db/open.js';
import type { EventBus } from '../events.js';
import type { ChatCommandSpec } from '../integrations/index.js';
import type { PipelineService } from '../pipelines/index.js';
import type { SessionService } from '../sessions/index.js';
import type { Logger } from '../util/log.js';

/** Sessions as chat commands, notices and `ag serve` see them: stored rows, looked up or refreshed from tmux. */
export type MessagingSessions = Pick<SessionService, 'start' | 'get' | 'live' | 'resolve' | 'refreshLive' | 'fresh'>;

/** Pipelines for the status lines and finished-pipeline notices; `ag serve` advances them. */
export type MessagingPipelines = Pick<PipelineService, 'start' | 'list'>;

/** What an integration's chat command is called with (src/integrations/types.ts ChatCommandContext has these and more). */
export interface IntegrationChatCall {
  text: string;
  args: string;
  match?: RegExpExecArray;
  sender: { channel: string; id: string };
  callTool(name: string, input?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** An integration's loaded chat command: its definition, the file it came from, its context and its secrets. */
export interface IntegrationChatCommand {
  command: ChatCommandSpec & {
    help: string;
    handler(call: IntegrationChatCall): string | Promise<string>;
  };
  file: string;
  /** The integration's context, handed to its handler with the call. */
  ctx: object;
  /** Its secret setting values: never echoed in a reply. */
  secrets: string[];
}

/** What the integrations add to messaging: channels, chat commands and secrets to mask (loaded once per process). */
export interface MessagingIntegrations {
  load(): Promise<{
    channels: readonly { integration: string; adapter: ChannelAdapter }[];
    commands: readonly IntegrationChatCommand[];
    secrets: readonly string[];
  }>;
}

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
