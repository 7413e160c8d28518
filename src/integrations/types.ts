import type { z } from 'zod';
import type { ChannelAdapter, CursorStore } from '../channels/types.js';
import type { AegisEventName, AegisEvents } from '../events.js';
import type { Logger } from '../util/log.js';

/**
 * An integration's settings as declared in its setup.json and resolved from the environment
 * (`AEGIS_<INTEGRATION>_<KEY>`) or `$AEGIS_HOME/config.json` (`integrations.<name>.<key>`): always
 * strings, undefined when unset.
 */
export type IntegrationSettings = Readonly<Record<string, string | undefined>>;

/**
 * What every function of an integration receives (README "Integrations"). Tool handlers get the
 * built-in tool context plus `integration` and `settings`; hooks, chat commands and the channel
 * factory get this: the integration's name, its settings and a logger. A chat command also gets
 * `callTool` (ChatCommandContext), the way to act on Aegis.
 */
export interface IntegrationContext {
  /** The integration's name (its folder name): the prefix of its tools, the name of its channel. */
  integration: string;
  settings: IntegrationSettings;
  /** The app's logger; each record carries the integration's name. */
  log: Logger;
}

/**
 * A tool from an integration's tools/ folder, made with `defineTool` from 'aegis-agents'
 * (src/tools/define.ts): the part the loader checks (name, schemas, a handler). The tools layer
 * (src/tools/registry.ts) serves it, its handler getting the built-in tool context plus `integration`
 * and `settings`; this area never calls it.
 */
export interface IntegrationToolDef {
  name: string;
  input: z.ZodObject<z.ZodRawShape>;
  output: z.ZodObject<z.ZodRawShape>;
  handler: (ctx: never, input: never) => Promise<unknown>;
}

/** Every lifecycle event a hooks file may subscribe to, one function per event. */
export const HOOK_NAMES = [
  'session_created',
  'session_state_changed',
  'session_turn_finished',
  'before_tool_call',
  'after_tool_call',
  'message_received',
  'message_sent',
  'pipeline_stage_done',
  'budget_notice',
] as const satisfies readonly AegisEventName[];
export type HookName = (typeof HOOK_NAMES)[number];
// A new event in AegisEvents must be added above: this line fails to compile until it is.
const everyEventIsAHook: Record<Exclude<AegisEventName, HookName>, never> = {};
void everyEventIsAHook;

/** What before_tool_call returns to stop a call; returning nothing lets the call go ahead. */
export interface Veto {
  veto: string;
}

/** What before_tool_call returns to let the call go ahead with other arguments (validated like the caller's). */
export interface Override {
  input: Record<string, unknown>;
}

/**
 * The shape of `hooks.js|ts`. Every hook but before_tool_call is fire-and-forget: it runs after the
 * event, never delays it, and its errors are logged. before_tool_call runs before the call and may
 * return `{ veto: 'reason' }` to stop it, or `{ input: {...} }` to override its arguments; later
 * integrations' hooks see the overridden input.
 */
export type IntegrationHooks = {
  [E in Exclude<HookName, 'before_tool_call'>]?: (event: AegisEvents[E], ctx: IntegrationContext) => unknown;
} & {
  before_tool_call?: (
    call: AegisEvents['before_tool_call'],
    ctx: IntegrationContext,
  ) => Veto | Override | void | undefined | Promise<Veto | Override | void | undefined>;
};

/** What a chat command's handler receives. */
export interface ChatCommandContext extends IntegrationContext {
  /** The whole message (a leading `/` and `@bot` removed). */
  text: string;
  /** The text after the command word. */
  args: string;
  /** The pattern's match, when the command has a pattern. */
  match?: RegExpExecArray;
  /** Who sent it: the channel and their id there. */
  sender: { channel: string; id: string };
  /** Calls any tool (built-in or integration) the way chat does: validated, guarded, hooked. */
  callTool(name: string, input?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * One chat command (`commands.js|ts`). Without a pattern it runs when the message's first word is
 * its name; with a pattern it runs when the pattern matches the message. Built-in commands are
 * parsed first, so an integration never takes over `approve` or `status`.
 */
export interface ChatCommand {
  /** 1-32 lowercase letters, digits, _ or -; unique across built-ins, operators and integrations. */
  name: string;
  /** One line for `help`, starting with the usage: "deploy <env> — deploy the main branch". Also the reply when the pattern does not match. */
  help: string;
  pattern?: RegExp;
  /** Returns the reply text. A throw becomes an error reply. */
  handler: (ctx: ChatCommandContext) => string | Promise<string>;
}

/**
 * What a channel factory receives: the integration context (for a built-in channel, `integration` is
 * the channel's name and its typed settings are read from the config) plus a place to keep a
 * poller's position across restarts (`cursors.get/set(key)`, keys are shared: prefix them with the name).
 */
export interface ChannelContext extends IntegrationContext {
  cursors: CursorStore;
}

/**
 * The default export of `channel.js|ts`, and the shape of every built-in channel too
 * (src/channels/builtin.ts): builds the adapter, named after its integration, from settings.
 * Keep it cheap: no network (check credentials in the adapter's probe()).
 */
export type ChannelFactory = (ctx: ChannelContext) => ChannelAdapter | Promise<ChannelAdapter>;
