import { Command, CommanderError } from 'commander';
import { App } from '../app.js';
import { AegisError, describeError, toAegisError } from '../errors.js';
import { cliPath, type ToolDef } from '../tools/define.js';
import { callTool } from '../tools/run.js';
import { ALIAS_AREA } from './help.js';
import { addSchemaOptions, collectInput, flagFor } from './options.js';
import { renderDefault } from './render.js';

/** Exit codes: 0 ok, 1 the call failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** One App per CLI run, built on first use so `ag --help` never opens the database. */
export class LazyApp {
  private app?: App;
  get(): App {
    this.app ??= new App();
    return this.app;
  }
  /** The App, or undefined when config.json is broken: building `ag`'s commands must not need it. */
  tryGet(): App | undefined {
    try {
      return this.get();
    } catch {
      return undefined;
    }
  }
  /** An App that starts whatever config.json holds, its problems recorded (for a tool that diagnoses them). */
  getTolerant(): App {
    this.app ??= new App({ tolerantConfig: true });
    return this.app;
  }
  async close(): Promise<void> {
    await this.app?.close();
  }
}

function cliError(tool: ToolDef, err: unknown): AegisError {
  const e = toAegisError(err);
  // Only a field of the tool's input is a flag or argument; config.json and the like keep their names.
  if (!e.field || !(e.field.split('.')[0]! in tool.input.shape)) return e;
  // Name the flag a person types, not the schema's field name.
  const flag = flagFor(tool, e.field);
  const message = e.message.replace(new RegExp(`\\b${e.field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g'), flag);
  return new AegisError(e.code, message, { field: flag, fix: e.fix?.replace(e.field, flag) });
}

/** Runs one tool from the command line and prints the result; throws CliExit with the exit code. */
async function runFromCli(lazy: LazyApp, tool: ToolDef, input: Record<string, unknown>, json: boolean): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const app = tool.cli?.anyConfig ? lazy.getTolerant() : lazy.get();
    const output = await callTool(app, tool, input, { caller: 'cli', signal: controller.signal });
    process.stdout.write(`${json ? JSON.stringify(output, null, 2) : (tool.cli?.render ?? renderDefault)(output as never)}\n`);
    if (output.ok === false) throw new CliExit(EXIT.failure);
  } catch (err) {
    if (err instanceof CliExit) throw err;
    const e = cliError(tool, err);
    if (json) process.stdout.write(`${JSON.stringify({ error: e.toJSON() }, null, 2)}\n`);
    process.stderr.write(`ag: ${describeError(e)}\n`);
    throw new CliExit(e.isUsage ? EXIT.usage : EXIT.failure);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function toolCommand(lazy: LazyApp, tool: ToolDef, name: string): Command {
  const cmd = new Command(name).summary(tool.title).description(`${tool.title}\n\n${tool.description}`).option('--json', 'print the result as JSON');
  const positional = addSchemaOptions(cmd, tool);
  cmd.action(async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const opts = command.opts();
    await runFromCli(lazy, tool, collectInput(positional, args.slice(0, positional.length), opts), !!opts.json);
  });
  return cmd;
}

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
    areaCmd.addCommand(toolCommand(lazy, tool, verb));
    for (const alias of tool.cli?.aliases ?? []) {
      const cmd = toolCommand(lazy, tool, alias);
      // Outside the session verbs an alias says what it stands for: `health` is Aegis's, not a session's.
      if (area !== 'session') cmd.summary(`${tool.title} (= ag ${area} ${verb})`);
      ALIAS_AREA.set(cmd, area);
      program.addCommand(cmd);
    }
  }
}

/** Commander reports bad usage by throwing; map that to exit 2 and everything else to its code. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliExit) return err.code;
  if (err instanceof CommanderError) {
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? EXIT.ok : EXIT.usage;
  }
  process.stderr.write(`ag: ${describeError(err)}\n`);
  return err instanceof AegisError && err.isUsage ? EXIT.usage : EXIT.failure;
}
