/**
 * The public entry point (`import { defineTool, z } from 'aegis-agents'`): what integrations and
 * embedding programs may rely on. Everything else is internal.
 */
export { z } from 'zod';
export { defineTool, type ToolDef, type ToolContext, type ToolAnnotations } from './tools/define.js';
export { AegisError, invalidInput, notFound } from './errors.js';
export type { AegisEvents, AegisEventName } from './events.js';
export type { SessionState, Dialog } from './agents/types.js';
export { defineHooks, defineChatCommands, defineChannel } from './integrations/index.js';
export type {
  IntegrationContext,
  IntegrationSettings,
  IntegrationHooks,
  Veto,
  Override,
  ChatCommand,
  ChatCommandContext,
  ChannelContext,
  ChannelFactory,
} from './integrations/index.js';
export type {
  ChannelAdapter,
  ChannelDescription,
  Delivery,
  InboundMessage,
  OutboundMessage,
  PollResult,
  StatusUpdate,
  WebhookRequest,
  WebhookOutcome,
  WebhookRoute,
} from './channels/types.js';
export { ChannelError } from './channels/types.js';
export { VERSION } from './version.js';
