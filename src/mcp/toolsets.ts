import { DEFAULT_TOOLSETS, TOOLSETS, TOOLSET_NAMES, TOOLSET_WORDS, type ToolsetName } from '../config/toolsets.js';
import { invalidInput } from '../errors.js';

/*
 * Named groups of MCP tools, so a host loads only what it uses: every host puts the whole tools/list
 * into the model's context, every conversation. A tool's toolset follows from its area (the name's
 * first word); integrations' tools belong to `integrations`. The CLI always has every command.
 * The names and the default set are data in src/config/toolsets.ts (the settings validate against them).
 */
export { DEFAULT_TOOLSETS, TOOLSETS, TOOLSET_NAMES, TOOLSET_WORDS, type ToolsetName };

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
