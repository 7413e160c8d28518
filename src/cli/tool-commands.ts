import type { Command } from 'commander';
import { cliPath, type ToolDef } from '../tools/define.js';
import { commandSpec } from './command-spec.js';
import { ALIAS_AREA } from './help.js';
import { toolCommand, type LazyApp } from './program.js';

/** One line per area in `ag --help`; an integration's area falls back to "<name> commands". */
const AREA_DESCRIPTIONS: Record<string, string> = {
  system: 'Aegis itself: health, doctor',
  session: 'agent sessions in tmux panes (also the core commands)',
  worktree: 'git worktrees of sessions: prune the clean ones',
  pipeline: 'pipelines: DAGs of sessions that pass results on',
  memory: 'shared key-value memory (namespace/key, scopes, TTL)',
  kg: 'knowledge graph: entities, relations, ranked search',
  message: 'messages sent and received on chat channels',
  channel: 'configured chat channels and their health',
  integrations: 'user integrations: list, scaffold',
};

/**
 * Builds `ag` from the tool registry: `ag <area> <verb>` for every tool, plus each tool's short
 * aliases at the top level. Commands that are not tools (mcp, init, prompt) are added by the caller.
 */
export function addToolCommands(program: Command, lazy: LazyApp, tools: ToolDef[]): void {
  const areas = new Map<string, Command>();
  for (const tool of tools) {
    const { area, verb } = cliPath(tool.name);
    let areaCmd = areas.get(area);
    if (!areaCmd) {
      areaCmd = program.command(area).description(AREA_DESCRIPTIONS[area] ?? `${area} commands`);
      areas.set(area, areaCmd);
    }
    const spec = commandSpec(tool);
    areaCmd.addCommand(toolCommand(lazy, tool, verb, spec));
    for (const alias of tool.cli?.aliases ?? []) {
      const cmd = toolCommand(lazy, tool, alias, spec);
      // Outside the session verbs an alias says what it stands for: `health` is Aegis's, not a session's.
      if (area !== 'session') cmd.summary(`${tool.title} (= ag ${area} ${verb})`);
      ALIAS_AREA.set(cmd, area);
      program.addCommand(cmd);
    }
  }
}
