import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { AegisError, invalidInput } from '../errors.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { mkdirPrivate } from '../util/private-files.js';

/** What `ag init` writes into a new `$AEGIS_HOME/config.json`: the settings people change most. */
const STARTER_CONFIG = {
  tmux: { socket: 'aegis' },
  sessions: { stallSeconds: 300, defaultPermissionMode: 'default' },
  pipelines: { maxConcurrent: 4 },
  channels: {},
};

export type WriteOutcome = 'created' | 'kept' | 'overwritten' | 'merged';

export function writeStarterConfig(configFile: string, force: boolean): WriteOutcome {
  const exists = existsSync(configFile);
  if (exists && !force) return 'kept';
  mkdirPrivate(dirname(configFile));
  writeFileSync(configFile, `${JSON.stringify(STARTER_CONFIG, null, 2)}\n`, { mode: 0o600 });
  return exists ? 'overwritten' : 'created';
}

/** The server entry every MCP host config uses for Aegis. */
export const MCP_SERVER_ENTRY = { command: 'npx', args: ['ag', 'mcp'] };

/** Adds (or updates) `mcpServers.aegis` in a project's `.mcp.json`, keeping every other server. */
export function mergeMcpJson(projectDir: string): { file: string; outcome: WriteOutcome } {
  const file = join(projectDir, '.mcp.json');
  let data: { mcpServers?: Record<string, unknown> } = {};
  const exists = existsSync(file);
  if (exists) {
    try {
      data = JSON.parse(readFileSync(file, 'utf8')) as typeof data;
    } catch (err) {
      throw new AegisError('invalid_input', `${file} is not valid JSON: ${(err as Error).message}`, {
        field: '.mcp.json',
        fix: `fix or remove ${file}, then run ag init again`,
      });
    }
  }
  data.mcpServers = { ...(data.mcpServers ?? {}), aegis: MCP_SERVER_ENTRY };
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return { file, outcome: exists ? 'merged' : 'created' };
}

export const HOST_ONE_LINERS = [
  'Claude Code:  claude mcp add aegis -- npx ag mcp',
  'Cursor:       add to ~/.cursor/mcp.json (or .cursor/mcp.json):  {"mcpServers":{"aegis":{"command":"npx","args":["ag","mcp"]}}}',
  'Windsurf:     add to ~/.codeium/windsurf/mcp_config.json:      {"mcpServers":{"aegis":{"command":"npx","args":["ag","mcp"]}}}',
];

const TEMPLATES_DIR = join(PACKAGE_ROOT, 'resources', 'templates');

export interface TemplateInfo {
  name: string;
  description: string;
  files: string[];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * Starter files for Claude Code: each folder in resources/templates/ mirrors the `.claude/` tree it
 * adds (agents/, commands/, skills/), and its `template.json` holds a one-line description.
 */
export function listTemplates(): TemplateInfo[] {
  return readdirSync(TEMPLATES_DIR)
    .sort()
    .map((name) => {
      const dir = join(TEMPLATES_DIR, name);
      const meta = JSON.parse(readFileSync(join(dir, 'template.json'), 'utf8')) as { description: string };
      const files = filesUnder(dir)
        .map((f) => relative(dir, f))
        .filter((f) => f !== 'template.json');
      return { name, description: meta.description, files: files.map((f) => join('.claude', f)) };
    });
}

export function scaffoldTemplate(name: string, projectDir: string, force: boolean): { file: string; outcome: WriteOutcome }[] {
  const template = listTemplates().find((t) => t.name === name);
  if (!template)
    throw invalidInput(
      '--from-template',
      `no template named "${name}"`,
      `run \`ag init --list-templates\`; known: ${listTemplates()
        .map((t) => t.name)
        .join(', ')}`,
    );
  return template.files.map((rel) => {
    const source = join(TEMPLATES_DIR, name, relative('.claude', rel));
    const target = join(projectDir, rel);
    const exists = existsSync(target);
    if (exists && !force) return { file: target, outcome: 'kept' as const };
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, readFileSync(source));
    return { file: target, outcome: exists ? ('overwritten' as const) : ('created' as const) };
  });
}
