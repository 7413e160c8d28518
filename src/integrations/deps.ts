import type { CursorStore } from '../channels/types.js';
import type { Config } from '../config/load.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../util/log.js';
import type { ChatGrammar } from './commands.js';
import type { ToolGuard } from './guard.js';
import type { BuiltinToolName } from './names.js';

/**
 * Everything the integrations area uses, handed in by the composition root (src/app-core.ts). What
 * belongs to the layers above (the built-in tools, the tool guards) and to messaging (the chat grammar,
 * cursors, event webhooks) comes as functions, each called only when a loaded integration needs it.
 */
export interface IntegrationDeps {
  config: Config;
  env: NodeJS.ProcessEnv;
  log: Logger;
  events: Pick<EventBus, 'on'>;
  /** The built-in tools' names and CLI aliases, which an integration must not take (read only when an integration folder exists). */
  builtinTools: () => Promise<readonly BuiltinToolName[]>;
  /** The chat grammar, which an integration's chat command must not take over (read only when one has chat commands). */
  chatGrammar: () => Promise<ChatGrammar>;
  /** Makes a before_tool_call hook a guard of every tool call this process makes. */
  addToolGuard: (guard: ToolGuard) => void;
  /** Where an integration channel's poller keeps its position across restarts. */
  cursors: () => Promise<CursorStore>;
  /** Starts forwarding the lifecycle events this process originates to the event webhooks (AEGIS_HOOK_WEBHOOK_URLS). */
  forwardOriginEvents: () => Promise<void>;
  onClose: (fn: () => void | Promise<void>) => void;
}
