import { statSync } from 'node:fs';
import * as z from 'zod';
import { latestSchemaVersion, schemaVersion } from '../db/open.js';
import { areaCounts, runDoctor } from '../system/index.js';
import { tmuxServerRunning } from '../tmux/command.js';
import { defineTool } from './define.js';

function fileSize(path: string): number {
  try {
    // WAL mode keeps recent writes in the -wal file; both make up the database's size on disk.
    return statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
  } catch {
    return 0;
  }
}

const systemHealth = defineTool({
  name: 'system_health',
  title: 'Aegis health',
  description:
    'Quick health of this Aegis process and its data: version, uptime, database path/size/schema version, whether the tmux server holding agent panes runs, and record counts per area (sessions, pipelines, memory, knowledge, messages). Cheap (no process is started; counts are kept until the data changes): call it first when something seems off, then system_doctor.',
  input: z.object({}),
  output: z.object({
    version: z.string(),
    uptimeSeconds: z.number(),
    home: z.string(),
    database: z.object({ path: z.string(), sizeBytes: z.number(), schemaVersion: z.number(), latestSchemaVersion: z.number() }),
    tmux: z.object({ socket: z.string(), serverRunning: z.boolean() }),
    counts: z.record(z.string(), z.number()),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { aliases: ['health'] },
  handler: async ({ app }) => {
    const socket = app.config.get('tmux.socket');
    const db = app.db;
    return {
      version: app.version,
      uptimeSeconds: Math.round(process.uptime() * 10) / 10,
      home: app.config.home,
      database: { path: app.dbPath, sizeBytes: fileSize(app.dbPath), schemaVersion: schemaVersion(db), latestSchemaVersion: latestSchemaVersion() },
      tmux: { socket, serverRunning: await tmuxServerRunning({ command: app.config.get('tmux.command'), socket }) },
      counts: areaCounts(db),
    };
  },
});

const checkSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  required: z.boolean(),
  detail: z.string(),
  fix: z.string().optional(),
  agentVersion: z.string().optional().describe('Agent checks: the installed version'),
  rules: z.string().optional().describe("Agent checks: the screen rule set that version gets ('activity' = state from pane activity only)"),
  rulesExact: z.boolean().optional().describe('Agent checks: the rule set was verified on this very version'),
});

const systemDoctor = defineTool({
  name: 'system_doctor',
  title: 'Diagnose Aegis',
  description:
    'Full diagnosis of the machine Aegis runs on: Node version, tmux (>= 3.2), agent CLIs on PATH (claude, codex, gemini) with versions, database open/writable/migrated, every config value and where it came from (secrets masked), which messaging channels are configured (built-in and from integrations) and whether an `ag serve` is running for them, each integration with its settings, and an MCP self-test. Each failed check carries the fix. `ok` is false when a required check failed.',
  input: z.object({}),
  output: z.object({ ok: z.boolean(), checks: z.array(checkSchema) }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: {
    aliases: ['doctor'],
    anyConfig: true,
    render: ({ ok, checks }) =>
      [
        ...checks.map((c) => {
          const mark = c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn';
          const [first, ...rest] = c.detail.split('\n');
          const lines = [`${mark}  ${c.name.padEnd(16)} ${first}`, ...rest.map((l) => `${' '.repeat(23)}${l}`)];
          if (!c.ok && c.fix) lines.push(`${' '.repeat(23)}fix: ${c.fix}`);
          return lines.join('\n');
        }),
        '',
        ok ? 'All required checks passed.' : 'Some required checks failed; see the fixes above.',
      ].join('\n'),
  },
  handler: async ({ app }) => {
    const checks = await runDoctor(app);
    return { ok: checks.every((c) => c.ok || !c.required), checks };
  },
});

export const systemTools = [systemHealth, systemDoctor];
