/**
 * Every setting Aegis reads, assembled in one list in the order README's configuration table and
 * `ag doctor` show them, and the types `config.get(key)` derives from it. The settings themselves
 * are declared per area in settings/*.ts; the two below stay here because they belong to no area
 * (`mcp.toolsets` validates against the toolset names in ./toolsets.ts, `log.level` is for every process).
 */
import * as z from 'zod';
import { DEFAULT_TOOLSETS, TOOLSET_WORDS } from './toolsets.js';
import { CHANNEL_SETTINGS } from './settings/channels.js';
import { list, setting } from './settings/define.js';
import { MESSAGING_SETTINGS } from './settings/messaging.js';
import { SESSION_SETTINGS } from './settings/sessions.js';

export const SETTINGS = [
  ...SESSION_SETTINGS,
  setting({
    key: 'mcp.toolsets',
    env: 'AEGIS_MCP_TOOLSETS',
    schema: list.pipe(z.array(z.enum(TOOLSET_WORDS))),
    default: ['default'],
    description: `tool groups \`ag mcp\` serves (comma-separated; \`ag mcp --toolsets\` overrides): ${TOOLSET_WORDS.join(', ')}; default = ${DEFAULT_TOOLSETS.join(', ')}`,
  }),
  setting({
    key: 'log.level',
    env: 'AEGIS_LOG_LEVEL',
    schema: z.enum(['debug', 'info', 'warn', 'error', 'silent']),
    default: 'warn',
    description: 'log level (logs go to stderr and $AEGIS_HOME/logs)',
  }),
  ...CHANNEL_SETTINGS,
  ...MESSAGING_SETTINGS,
] as const;

type AnySetting = (typeof SETTINGS)[number];
/** Every key `config.get` accepts. */
export type SettingKey = AnySetting['key'];
type SpecOf<K extends SettingKey> = Extract<AnySetting, { key: K }>;
/** A setting's value: its schema's output, or undefined when it has no default and is not set. */
export type SettingValue<K extends SettingKey> =
  SpecOf<K> extends { schema: infer S extends z.ZodType; hasDefault: infer H } ? (H extends true ? z.output<S> : z.output<S> | undefined) : never;
