/**
 * The names of the MCP toolsets and which ones `ag mcp` serves by default: data that the settings
 * (`mcp.toolsets`) validate against and that src/mcp/toolsets.ts resolves, kept here so the config
 * layer need not know the MCP interface.
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
