import { Command, CommanderError } from 'commander';
import { loadServices, type App, type ServiceName } from '../app-core.js';
import { discover } from '../config/integration-folders.js';
import type { ToolDef } from '../tools/define.js';
import type { CommandSpec } from './command-spec.js';
import { EXIT, exitCodeOf, LazyApp, TOOL_COMMANDS, toolCommand } from './program.js';

/**
 * Runs one built-in tool command while loading only that tool's module (and the services it uses),
 * never the whole CLI: a one-shot command's cost is mostly the code it loads. bin/ag comes here, through
 * the bundle of the command's group (dist/per-command/<group>.cjs), when dist/cli-manifest.json names the
 * command; the full CLI (src/cli/main.ts) answers everything else, and also this command whenever it
 * would not behave the same here (see runCommand).
 */

const ALL_SERVICES: ServiceName[] = ['sessions', 'pipelines', 'messaging', 'integrations'];

/**
 * The built-in tools by module, each reached by its own dynamic import (the build gives each its own
 * chunk), with the App services its code uses (src/app-core.ts: each pulls in its area, e.g. tmux and
 * agents for sessions, channels for messaging); memory and knowledge use none.
 * test/unit/per-command-services.test.ts checks each list against the code the module reaches.
 */
export const TOOL_GROUPS: Record<string, { load: () => Promise<ToolDef[]>; services: ServiceName[] }> = {
  system: { load: async () => (await import('../tools/system.js')).systemTools, services: ALL_SERVICES },
  sessions: { load: async () => (await import('../tools/sessions.js')).sessionTools, services: ['sessions'] },
  worktrees: { load: async () => (await import('../tools/worktrees.js')).worktreeTools, services: ['sessions'] },
  pipelines: { load: async () => (await import('../tools/pipelines.js')).pipelineTools, services: ['sessions', 'pipelines'] },
  memory: { load: async () => (await import('../tools/memory.js')).memoryTools, services: [] },
  knowledge: { load: async () => (await import('../tools/knowledge.js')).knowledgeTools, services: [] },
  messaging: { load: async () => (await import('../tools/messaging.js')).messagingTools, services: ALL_SERVICES },
};

/**
 * The modules each App service brings in through the composition root's dynamic imports (src/app-core.ts,
 * src/cli/program.ts), relative to src/ as built: bin/bundle-per-command.mjs leaves those of the services a
 * group does not load out of that group's bundle (dist/per-command/<group>.cjs).
 */
export const SERVICE_IMPORTS: Record<ServiceName, string[]> = {
  sessions: ['sessions/index.js'],
  pipelines: ['pipelines/index.js'],
  messaging: ['messaging/index.js', 'tools/chat.js'],
  integrations: ['integrations/index.js', 'tools/registry.js'],
};

/** What the build stores for one command path (`"memory get"`, or an alias such as `"list"`). */
export interface CommandEntry {
  /** The command words: `["memory", "get"]` or `["list"]`. */
  path: string[];
  tool: string;
  group: string;
  spec: CommandSpec;
}

/**
 * dist/cli-manifest.json: every command path of the full `ag` (built-in tools only) that resolves to a
 * tool command the per-command path can run, found by walking the built program, so a path resolves to
 * the same tool here as in commander. `doctor` (any config) stays with the full CLI.
 */
export async function cliManifest(program: Command): Promise<Record<string, CommandEntry>> {
  const groupOf = new Map<string, string>();
  for (const [group, { load }] of Object.entries(TOOL_GROUPS)) for (const tool of await load()) groupOf.set(tool.name, group);
  const manifest: Record<string, CommandEntry> = {};
  const add = (cmd: Command, path: string[]): void => {
    const key = path.join(' ');
    const made = TOOL_COMMANDS.get(cmd);
    // Commander runs the first command of a name, so a later one of the same name is never reached.
    if (key in manifest || !made || made.tool.cli?.anyConfig || !groupOf.has(made.tool.name)) return;
    manifest[key] = { path, tool: made.tool.name, group: groupOf.get(made.tool.name)!, spec: made.spec };
  };
  const seen = new Set<string>();
  for (const top of program.commands) {
    if (seen.has(top.name())) continue;
    seen.add(top.name());
    add(top, [top.name()]);
    for (const sub of top.commands) add(sub, [top.name(), sub.name()]);
  }
  return manifest;
}

/**
 * Whether the full CLI would run this command exactly as here: it loads integrations before building
 * its commands (Integrations.loadAll), which can add tools, guards, warnings and event webhooks. With no
 * integration folder, no folder problem and no webhook, that load does nothing.
 */
function fullCliAddsNothing(app: App): boolean {
  const found = discover(app.config.home, app.env);
  return found.folders.length === 0 && found.problems.length === 0 && app.config.get('hooks.webhookUrls').length === 0;
}

/** Commander's output while parsing goes nowhere: on any usage error the full CLI parses again and prints it. */
const SILENT = { writeOut: () => {}, writeErr: () => {}, outputError: () => {} };

/**
 * Runs `entry`'s command from `argv` and returns the exit code, or undefined (having printed nothing and
 * changed nothing) when the full CLI must answer: a help flag, a command line commander rejects (its
 * error, did-you-mean and exit code come from the full CLI), a config the App cannot start with, or
 * integrations or webhooks that the full CLI would load.
 */
export async function runCommand(argv: string[], entry: CommandEntry): Promise<number | undefined> {
  const group = TOOL_GROUPS[entry.group];
  if (!group || argv.some((a) => a === '-h' || a === '--help')) return undefined;
  const lazy = new LazyApp();
  try {
    const app = lazy.tryGet();
    if (!app || !fullCliAddsNothing(app)) return undefined;
    await loadServices(group.services);
    const tool = (await group.load()).find((t) => t.name === entry.tool);
    if (!tool) return undefined;
    const program = new Command('ag').exitOverride().configureOutput(SILENT);
    let parent = program;
    for (const word of entry.path.slice(0, -1)) parent = parent.command(word).exitOverride().configureOutput(SILENT);
    parent.addCommand(toolCommand(lazy, tool, entry.path.at(-1)!, entry.spec).exitOverride().configureOutput(SILENT));
    try {
      await program.parseAsync(argv);
    } catch (err) {
      if (err instanceof CommanderError) return undefined;
      return exitCodeOf(err);
    }
    return EXIT.ok;
  } finally {
    await lazy.close();
  }
}
