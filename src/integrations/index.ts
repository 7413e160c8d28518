/** The integrations area's front door: everything other code uses from src/integrations/. */

export { type ChatCommandIntent, type ChatCommandSpec, matchChatCommand } from './chat-match.js';
export { defineChannel, defineChatCommands, defineHooks } from './define.js';
export { scaffoldIntegration } from './scaffold.js';
export { type ToolGuard } from './guard.js';
export { type IntegrationTool, Integrations } from './host.js';
export { type BuiltinToolName } from './names.js';
export { describeRecord } from './report.js';
export { skillResources, withSkillPrompts } from './skills.js';
export {
  type ChannelContext,
  type ChannelFactory,
  type ChatCommand,
  type ChatCommandContext,
  type IntegrationContext,
  type IntegrationHooks,
  type IntegrationSettings,
  type Override,
  type Veto,
} from './types.js';
