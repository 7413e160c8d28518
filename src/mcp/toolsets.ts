import { invalidInput } from '../errors.js';

/**
 * Named groups of MCP tools, so a host loads only what it uses: every host puts the whole tools/list
 * into the model's context, every conversation. A tool's toolset follows from its area (the name's
 * first word); integrations' tools belong to `integrations`. The CLI always has every command.
 */
export const TOOLSETS = {
  system: 'health and diagnosis of Aegis itself (system_*)',
  sessions: 'agent sessions in tmux panes: create, send, wait, approve, diff, merge (session_*, worktree_prune)',
  pipelines: 'DAGs of sessions that pass results on (pipeline_*)',
  memory: 'shared key-value memory (memory_*)',
  knowledge: 'knowledge graph: entities, relations, search, import (kg_*)',
  messaging: 'chat channels and their messages (message_*, channel_*)',
  integrations: "integrations_list and every integration's own tools",
} as const;

export type ToolsetName = keyof typeof TOOLSETS;

export const TOOLSET_NAMES = Object.keys(TOOLSETS) as ToolsetName[];

/** What `ag mcp` serves when neither --toolsets nor mcp.toolsets says otherwise: the everyday surface. */
export const DEFAULT_TOOLSETS: ToolsetName[] = ['system', 'sessions', 'memory', 'integrations'];

/** Words accepted besides the names: `all` (every toolset) and `default` (DEFAULT_TOOLSETS). */
export const TOOLSET_WORDS = [...TOOLSET_NAMES, 'all', 'default'] as const;

const AREA_TOOLSET: Record<string, ToolsetName> = {
  system: 'system',
  session: 'sessions',
  pipeline: 'pipelines',
  memory: 'memory',
  kg: 'knowledge',
  message: 'messaging',
  channel: 'messaging',
  worktree: 'sessions',
};

/** The toolset a tool belongs to; any area Aegis does not define is an integration's. */
export function toolsetOf(toolName: string): ToolsetName {
  return AREA_TOOLSET[toolName.split('_')[0]!] ?? 'integrations';
}

/**
 * Resolves what a user asked for (`sessions,memory`, `all`, `default,knowledge`) to toolset names.
 * An unknown word is refused with the known ones, never ignored: a typo would silently hide tools.
 */
export function resolveToolsets(requested: readonly string[], field = '--toolsets'): Set<ToolsetName> {
  const words = requested.map((w) => w.trim()).filter(Boolean);
  const picked = new Set<ToolsetName>();
  for (const word of words.length ? words : ['default']) {
    if (word === 'all') TOOLSET_NAMES.forEach((n) => picked.add(n));
    else if (word === 'default') DEFAULT_TOOLSETS.forEach((n) => picked.add(n));
    else if (word in TOOLSETS) picked.add(word as ToolsetName);
    else {
      throw invalidInput(
        field,
        `${field}: unknown toolset "${word.slice(0, 64)}"; known: ${TOOLSET_WORDS.join(', ')}`,
        `name toolsets from: ${TOOLSET_WORDS.join(', ')} (comma-separated), e.g. sessions,memory`,
      );
    }
  }
  return picked;
}
