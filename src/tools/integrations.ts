import * as z from 'zod';
import { defineTool } from './define.js';
import { describeRecord } from '../integrations/index.js';

const settingOut = z.object({
  key: z.string(),
  env: z.string().describe('Environment variable that sets it'),
  configKey: z.string().describe('Key in $AEGIS_HOME/config.json that sets it'),
  description: z.string(),
  required: z.boolean(),
  secret: z.boolean(),
  source: z.enum(['env', 'config', 'default', 'unset']),
  shown: z.string().optional().describe('The value; secrets masked to their last 4 characters'),
});

/** `integrations_list` (`ag integrations list`): what loaded, what did not and why, and each integration's settings. */
export const integrationsList = defineTool({
  name: 'integrations_list',
  title: 'List integrations',
  description:
    'Lists the integrations in $AEGIS_HOME/integrations and AEGIS_INTEGRATION_DIRS (folders adding tools, a channel, chat commands, hooks, skills). Each: status (loaded; failed = broken code, bad export or missing required setting; refused = name or chat command clashes), error and fix, what it adds, and its settings with their source (secrets masked).',
  input: z.object({}),
  output: z.object({
    integrations: z.array(
      z.object({
        name: z.string(),
        dir: z.string(),
        status: z.enum(['loaded', 'failed', 'refused']),
        description: z.string().optional(),
        error: z.string().optional(),
        fix: z.string().optional(),
        tools: z.array(z.string()),
        channel: z.string().optional(),
        commands: z.array(z.string()).describe('Chat commands'),
        hooks: z.array(z.string()),
        skills: z.array(z.string()).describe('Skill documents (MCP resources; "(prompt x)" when also a prompt)'),
        settings: z.array(settingOut),
        problems: z.array(z.string()).describe('Problems that did not stop it loading'),
      }),
    ),
    searched: z.array(z.string()).describe('Folders searched, in load order'),
    problems: z.array(z.string()).describe('Searched folders that are missing or unreadable'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: {
    render: ({ integrations, searched, problems }) =>
      [
        ...integrations.flatMap((r) => [`${r.name.padEnd(16)} ${r.status}`, ...describeRecord(r).map((l) => `  ${l}`)]),
        integrations.length ? '' : 'No integrations found. Create one with `ag integrations new <name>`.',
        `Searched: ${searched.join(', ')}`,
        ...problems.map((p) => `Problem: ${p}`),
      ].join('\n'),
  },
  handler: async ({ app }) => {
    const set = await app.integrations.load();
    return { integrations: set.records, searched: set.searched, problems: set.problems };
  },
});
