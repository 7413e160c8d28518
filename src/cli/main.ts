import { Command } from 'commander';
// Every service of App (src/app-core.ts): the full CLI may run any tool.
import '../app.js';

import type { ToolDef } from '../tools/define.js';
import { builtinTools, loadTools } from '../tools/registry.js';
import { VERSION } from '../version.js';
import { addInitCommand } from './init-command.js';
import { addIntegrationsCommands } from './integrations-command.js';
import { addCompletionCommand, completeWords } from './completion.js';
import { groupHelp, helpManifest } from './help.js';
import { addPipelineCommands } from './pipeline-command.js';
import { CliExit, EXIT, exitCodeOf, LazyApp } from './program.js';
import { addToolCommands } from './tool-commands.js';
import { addServeCommand } from './serve-command.js';
import { addTrustCommands } from './trust-command.js';
import { DEFAULT_TOOLSETS, resolveToolsets, TOOLSETS } from '../mcp/toolsets.js';
import { addWatchCommand } from './watch/index.js';

function parseArgPairs(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliExit(EXIT.usage);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Commander's own usage errors start like ours (`ag: ...`), so every error reads the same. */
const OUTPUT = { outputError: (text: string, write: (s: string) => void) => write(text.replace(/^error: /, 'ag: ')) };

/** Builds the whole `ag` program. Tool commands come from the registry; the rest are listed here. */
export async function buildProgram(lazy: LazyApp, tools?: ToolDef[]): Promise<Command> {
  const program = new Command('ag')
    .description(
      'Aegis: run and drive coding agents (Claude Code, Codex, Gemini CLI, any shell) in tmux panes.\nEvery `ag <area> <verb>` is the MCP tool `<area>_<verb>`; add --json for machine output.',
    )
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(OUTPUT);

  program
    .command('mcp')
    .summary('serve MCP on stdio (what an MCP host runs)')
    .description(
      `serve the MCP protocol on stdio (what \`claude mcp add aegis -- npx ag mcp\` runs)\n\nToolsets (tools/list lists only these; default: ${DEFAULT_TOOLSETS.join(',')}):\n${Object.entries(
        TOOLSETS,
      )
        .map(([name, what]) => `  ${name.padEnd(13)} ${what}`)
        .join('\n')}`,
    )
    .option('--toolsets <list>', 'comma-separated toolsets to serve, or all / default (overrides config mcp.toolsets)')
    .action((opts: { toolsets?: string }) => serveMcp(lazy, opts.toolsets));

  program
    .command('prompt')
    .summary('print a rendered MCP prompt (no name: list them)')
    .description('print a rendered MCP prompt, e.g. ag prompt implement_issue --arg issue="Fix the flaky login test"')
    .argument('[name]', 'prompt name; omit to list them')
    .option('--arg <key=value>', 'a prompt argument (repeatable)', parseArgPairs, {})
    .action(async (name: string | undefined, opts: { arg: Record<string, string> }) => {
      const { findPrompt, loadPrompts, renderPrompt } = await import('../content/index.js');
      const { withSkillPrompts } = await import('../integrations/index.js');
      const prompts = await withSkillPrompts(lazy.get(), loadPrompts());
      if (!name) {
        for (const p of prompts) process.stdout.write(`${p.name.padEnd(18)} ${p.description}\n`);
        return;
      }
      process.stdout.write(`${renderPrompt(findPrompt(prompts, name), opts.arg)}\n`);
    });

  program
    .command('engine', { hidden: true })
    .description('watch sessions and deliver queued prompts in the background (started by the CLI when no MCP server is running)')
    .action(async () => {
      const { runEngine } = await import('../sessions/index.js');
      await runEngine(lazy.get());
    });

  addInitCommand(program);
  addServeCommand(program, lazy);
  // With a broken config.json the built-in commands are still listed (help, init, doctor work); an
  // integration's are not, and a command that needs the config reports the file's problem when run.
  const app = tools ? undefined : lazy.tryGet();
  addToolCommands(program, lazy, tools ?? (app ? await loadTools(app) : builtinTools()));
  addPipelineCommands(program, lazy);
  addIntegrationsCommands(program, lazy);
  addTrustCommands(program, lazy);
  addCompletionCommand(program);
  addWatchCommand(program, lazy);
  groupHelp(program);
  program.commands.forEach(exitOverrideDeep);
  return program;
}

function exitOverrideDeep(cmd: Command): void {
  cmd.exitOverride().configureOutput(OUTPUT);
  cmd.commands.forEach(exitOverrideDeep);
}

/** `ag mcp` is what every MCP host spawns: it skips building the CLI's commands, as it needs none of them. */
async function serveMcp(lazy: LazyApp, toolsetsFlag?: string): Promise<void> {
  const { serveStdio } = await import('../mcp/server.js');
  const app = lazy.get();
  const toolsets = toolsetsFlag === undefined ? resolveToolsets(app.config.get('mcp.toolsets'), 'mcp.toolsets') : resolveToolsets(toolsetsFlag.split(','));
  await serveStdio(app, await loadTools(app), toolsets);
}

/** `ag mcp` or `ag mcp --toolsets <list>` (also `--toolsets=<list>`): the toolsets flag, or null when argv is anything else. */
function mcpFastPath(args: string[]): { toolsets?: string } | null {
  if (args[0] !== 'mcp') return null;
  if (args.length === 1) return {};
  if (args.length === 3 && args[1] === '--toolsets') return { toolsets: args[2] };
  if (args.length === 2 && args[1]!.startsWith('--toolsets=')) return { toolsets: args[1]!.slice('--toolsets='.length) };
  return null;
}

export async function main(argv: string[]): Promise<number> {
  const lazy = new LazyApp();
  try {
    const mcp = mcpFastPath(argv.slice(2));
    if (mcp) {
      await serveMcp(lazy, mcp.toolsets);
      return EXIT.ok;
    }
    if (argv[2] === '__help-manifest') {
      // Hidden, for the build: every command's help with the built-in tools, which bin/ag prints
      // without loading the CLI when no integration can add commands (see helpManifest).
      process.stdout.write(`${JSON.stringify(helpManifest(await buildProgram(lazy, builtinTools())))}\n`);
      return EXIT.ok;
    }
    if (argv[2] === '__cli-manifest') {
      // Hidden, for the build: the tool commands bin/ag runs through src/cli/per-command.ts.
      const { cliManifest } = await import('./per-command.js');
      process.stdout.write(`${JSON.stringify(await cliManifest(await buildProgram(lazy, builtinTools())))}\n`);
      return EXIT.ok;
    }
    const program = await buildProgram(lazy);
    if (argv[2] === '__complete') {
      // Hidden, for the completion scripts: never parsed by commander, so `--` words stay words.
      const candidates = completeWords(program, lazy, argv.slice(3));
      if (candidates.length) process.stdout.write(`${candidates.join('\n')}\n`);
      return EXIT.ok;
    }
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    return exitCodeOf(err);
  } finally {
    await lazy.close();
  }
}
