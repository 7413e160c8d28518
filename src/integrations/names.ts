import { BUILTIN_CHANNELS } from '../channels/builtin.js';
import { SETTINGS } from '../config/settings.js';

/** An integration's name is its folder's name: it prefixes its tools (`<name>_<verb>`) and names its channel. */
export const INTEGRATION_NAME = /^[a-z][a-z0-9]*$/;

/** Top-level `ag` commands that are not tool areas (src/cli/main.ts); `integrations` is this module's. */
const CLI_COMMANDS = ['mcp', 'prompt', 'engine', 'init', 'serve', 'integrations', 'help'];

/** A built-in tool as the name check sees it, described by the tools layer (src/tools/registry.ts builtinToolNames). */
export interface BuiltinToolName {
  name: string;
  /** Its CLI area, `ag <area> ...`: `session` for session_create. */
  area: string;
  /** Its extra top-level commands (`create` for session_create). */
  aliases: readonly string[];
}

/**
 * Names the built-ins own, each with a description of the owner for the clash error: tool areas
 * (`ag session ...`), top-level commands and aliases, and channels. Built-ins load first, so an
 * integration with one of these names is refused.
 */
export function builtinNames(tools: readonly BuiltinToolName[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const c of CLI_COMMANDS) owners.set(c, `the built-in command \`ag ${c}\``);
  for (const c of BUILTIN_CHANNELS) owners.set(c.name, `the built-in ${c.name} channel (${c.source})`);
  for (const { name, area, aliases } of tools) {
    if (!owners.has(area)) owners.set(area, `the built-in ${area}_* tools`);
    for (const alias of aliases) owners.set(alias, `the built-in command \`ag ${alias}\` (${name})`);
  }
  return owners;
}

/** `apiToken` and `api_token` both become `API_TOKEN`. */
const upperSnake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** The environment variable of an integration setting: `AEGIS_<INTEGRATION>_<KEY>`. */
export const settingEnv = (integration: string, key: string): string => `AEGIS_${integration.toUpperCase()}_${upperSnake(key)}`;

/** Environment variables Aegis itself reads; an integration setting must not land on one (integration `tmux`, key `socket`). */
export const BUILTIN_ENV = new Set(['AEGIS_HOME', 'AEGIS_INTEGRATION_DIRS', ...SETTINGS.map((s) => s.env)]);
