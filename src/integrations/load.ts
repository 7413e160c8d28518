import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { Config } from '../config/load.js';
import { AegisError, toAegisError } from '../errors.js';
import type { FoundFolder } from '../config/integration-folders.js';
import { importIntegrationFile } from './import.js';
import { missingSettingsError, resolveSettings, type ResolvedSettings, type SettingReport } from './settings.js';
import { HOOK_NAMES, type ChannelFactory, type ChatCommand, type HookName, type IntegrationHooks, type IntegrationToolDef } from './types.js';

/** A part and the file it came from: every error and clash message names the file. */
export interface Sourced<T> {
  value: T;
  file: string;
}

/** An integration folder whose files all imported and validated. Nothing of it is active yet. */
export interface LoadedFolder extends FoundFolder {
  settings: ResolvedSettings;
  tools: Sourced<IntegrationToolDef>[];
  commands: Sourced<ChatCommand>[];
  channel?: Sourced<ChannelFactory>;
  hooks?: Sourced<IntegrationHooks>;
  skillFiles: string[];
}

export type LoadOutcome = { ok: true; folder: LoadedFolder } | { ok: false; error: AegisError; settings: SettingReport[] };

const CODE = /\.(js|mjs|ts|mts)$/;
const CHAT_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

const fail = (file: string, message: string, fix: string) => new AegisError('invalid_input', `${file}: ${message}`, { field: file, fix });

/** `channel.js`, `channel.ts`...: at most one file per part. */
function partFile(dir: string, part: 'channel' | 'commands' | 'hooks'): string | undefined {
  const found = readdirSync(dir).filter((f) => f.startsWith(`${part}.`) && CODE.test(f) && f.split('.').length === 2);
  if (found.length > 1)
    throw fail(join(dir, found[1]!), `${part} is defined by ${found.join(' and ')}`, `keep one of them (a compiled copy next to its source counts twice)`);
  return found[0] && join(dir, found[0]);
}

/** Code files in a subfolder, without helpers (`_*`) and type declarations. */
function filesIn(dir: string, sub: string, pattern: RegExp): string[] {
  const folder = join(dir, sub);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => pattern.test(f) && !f.startsWith('_') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(folder, f));
}

/** Every export of a module, arrays flattened, each value once. */
const exported = (mod: Record<string, unknown>): unknown[] => [...new Set(Object.values(mod).flatMap((v) => (Array.isArray(v) ? v : [v])))];

const isTool = (v: unknown): v is IntegrationToolDef => {
  const t = v as Partial<IntegrationToolDef> | null;
  return (
    !!t &&
    typeof t === 'object' &&
    typeof t.name === 'string' &&
    typeof t.handler === 'function' &&
    typeof (t.input as { safeParse?: unknown })?.safeParse === 'function'
  );
};

function toolsOf(mod: Record<string, unknown>, file: string, name: string): IntegrationToolDef[] {
  const tools = exported(mod).filter(isTool);
  if (!tools.length)
    throw fail(
      file,
      'exports no tool',
      'export default defineTool({...}) (import { defineTool, z } from "aegis-agents"); put helpers in files starting with _',
    );
  for (const tool of tools) {
    if (!tool.name.startsWith(`${name}_`))
      throw fail(file, `tool "${tool.name}" is not named after its integration`, `name it ${name}_<verb>, e.g. ${name}_${tool.name.split('_').pop()}`);
    // The MCP server lists every tool's JSON Schema: a schema that cannot convert would break tools/list for all.
    try {
      z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' });
      z.toJSONSchema(tool.output, { io: 'output', unrepresentable: 'any' });
    } catch (err) {
      throw fail(
        file,
        `tool ${tool.name} has a schema that cannot be described as JSON Schema: ${(err as Error).message}`,
        'build input and output with z from "aegis-agents" (z.object({...}))',
      );
    }
  }
  return tools;
}

function commandsOf(mod: Record<string, unknown>, file: string): ChatCommand[] {
  const commands = exported(mod).filter((v): v is ChatCommand => !!v && typeof v === 'object' && 'handler' in v && 'name' in v);
  if (!commands.length)
    throw fail(file, 'exports no chat command', 'export default [{ name: "deploy", help: "deploy <env> — ...", handler: (ctx) => "reply" }]');
  for (const c of commands) {
    if (typeof c.name !== 'string' || !CHAT_NAME.test(c.name))
      throw fail(file, `chat command name ${JSON.stringify(c.name)} is not usable`, 'use 1-32 lowercase letters, digits, _ or -, starting with a letter');
    if (typeof c.help !== 'string' || !c.help.trim())
      throw fail(file, `chat command ${c.name} has no help`, 'add help: "<usage> — what it does" (shown by the help command)');
    if (typeof c.handler !== 'function') throw fail(file, `chat command ${c.name}: handler is not a function`, 'write handler: (ctx) => "reply text"');
    if (c.pattern !== undefined && !(c.pattern instanceof RegExp))
      throw fail(file, `chat command ${c.name}: pattern is not a RegExp`, 'write pattern: /^deploy (\\w+)$/i, or leave it out to match the first word');
  }
  return commands;
}

function hooksOf(mod: Record<string, unknown>, file: string): IntegrationHooks {
  const fromDefault = mod.default && typeof mod.default === 'object' ? Object.entries(mod.default as Record<string, unknown>) : [];
  const named = Object.entries(mod).filter(([k, v]) => k !== 'default' && typeof v === 'function');
  const hooks: Partial<Record<HookName, unknown>> = {};
  for (const [key, fn] of [...fromDefault, ...named]) {
    if (!(HOOK_NAMES as readonly string[]).includes(key)) throw fail(file, `"${key}" is not a lifecycle hook`, `hooks are: ${HOOK_NAMES.join(', ')}`);
    if (typeof fn !== 'function') throw fail(file, `hook ${key} is not a function`, `write ${key}(event, ctx) { ... }`);
    if (hooks[key as HookName] && hooks[key as HookName] !== fn) throw fail(file, `hook ${key} is defined twice (default export and named export)`, 'keep one');
    hooks[key as HookName] = fn;
  }
  if (!Object.keys(hooks).length)
    throw fail(file, 'defines no hook', `export default { after_tool_call(event, ctx) { ... } }; hooks are: ${HOOK_NAMES.join(', ')}`);
  return hooks as IntegrationHooks;
}

function channelOf(mod: Record<string, unknown>, file: string): ChannelFactory {
  if (typeof mod.default !== 'function')
    throw fail(
      file,
      'has no default export that builds the channel',
      'export default (ctx) => ({ name: ctx.integration, maxLength, markup, send, isAllowed, describe })',
    );
  return mod.default as ChannelFactory;
}

/**
 * Loads one integration folder: settings first (an integration missing a required setting runs
 * none of its code), then every code file, each validated. Never throws: a failure comes back as
 * an error naming the file and the fix.
 */
export async function loadFolder(found: FoundFolder, env: NodeJS.ProcessEnv, config: Config): Promise<LoadOutcome> {
  let settingsReport: SettingReport[] = [];
  try {
    const { name, dir } = found;
    const settings = resolveSettings(name, dir, env, config);
    settingsReport = settings.report;
    if (settings.missing.length) throw missingSettingsError(name, dir, settings.missing, config.configFile);

    const files = { channel: partFile(dir, 'channel'), commands: partFile(dir, 'commands'), hooks: partFile(dir, 'hooks') };
    const toolFiles = filesIn(dir, 'tools', CODE);
    const skillFiles = filesIn(dir, 'skills', /\.md$/);
    if (!toolFiles.length && !skillFiles.length && !files.channel && !files.commands && !files.hooks) {
      throw new AegisError('invalid_input', `${dir} contributes nothing`, {
        field: dir,
        fix: 'add tools/*.js|ts, channel.js|ts, commands.js|ts, hooks.js|ts or skills/*.md',
      });
    }

    const tools: Sourced<IntegrationToolDef>[] = [];
    for (const file of toolFiles) for (const value of toolsOf(await importIntegrationFile(file), file, name)) tools.push({ value, file });
    const dup = tools.find((t, i) => tools.findIndex((u) => u.value.name === t.value.name) !== i);
    if (dup) throw fail(dup.file, `tool ${dup.value.name} is defined twice in this integration`, 'give each tool its own name');

    const folder: LoadedFolder = { ...found, settings, tools, commands: [], skillFiles };
    if (files.commands)
      folder.commands = commandsOf(await importIntegrationFile(files.commands), files.commands).map((value) => ({ value, file: files.commands! }));
    if (files.hooks) folder.hooks = { value: hooksOf(await importIntegrationFile(files.hooks), files.hooks), file: files.hooks };
    if (files.channel) folder.channel = { value: channelOf(await importIntegrationFile(files.channel), files.channel), file: files.channel };
    return { ok: true, folder };
  } catch (err) {
    return { ok: false, error: toAegisError(err), settings: settingsReport };
  }
}
