import { Command, CommanderError } from 'commander';
import { App } from '../app-core.js';
import { AegisError, describeError, toAegisError } from '../errors.js';
import type { ToolDef } from '../tools/define.js';
import { callTool } from '../tools/run.js';
import type { CommandSpec } from './command-spec.js';
import { addSchemaOptions, collectInput, flagFor } from './options.js';
import { renderDefault, terminalSafe } from '../render/text.js';

/** Exit codes: 0 ok, 1 the call failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** The tools chat commands run (`ag serve`, message_handle), loaded on the first chat command. */
const chatTools = async (app: App) => (await import('../tools/chat.js')).chatTools(app);

/**
 * One App per CLI run, built on first use so `ag --help` never opens the database. Its services are the
 * ones src/app.ts provides: the full CLI imports that module, the per-command path only when a tool needs them.
 */
/** The built-in tools' names for the integrations' clash check, loaded only when an integration exists. */
const builtinToolNames = async () => (await import('../tools/registry.js')).builtinToolNames();

export class LazyApp {
  private app?: App;
  get(): App {
    this.app ??= new App({ builtinToolNames, chatTools });
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
    this.app ??= new App({ tolerantConfig: true, builtinToolNames, chatTools });
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
  // As a whole word only: the field `agent` is not the start of `agents.claude.command` in a fix.
  const field = new RegExp(`\\b${e.field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g');
  return new AegisError(e.code, e.message.replace(field, flag), { field: flag, fix: e.fix?.replace(field, flag) });
}

/** Runs one tool from the command line and prints the result; throws CliExit with the exit code. */
async function runFromCli(lazy: LazyApp, tool: ToolDef, input: Record<string, unknown>, json: boolean): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const app = tool.cli?.anyConfig ? lazy.getTolerant() : lazy.get();
    const output = await callTool(app, tool, input, { caller: 'cli', signal: controller.signal });
    process.stdout.write(`${json ? JSON.stringify(output, null, 2) : (tool.cli?.render ?? renderDefault)(terminalSafe(output) as never)}\n`);
    if (output.ok === false || tool.cli?.failed?.(output as never)) throw new CliExit(EXIT.failure);
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

/** The tool and arguments of each command toolCommand made (the build's manifest is read from them). */
export const TOOL_COMMANDS = new WeakMap<Command, { tool: ToolDef; spec: CommandSpec }>();

/** The command `name` that runs `tool`, its arguments and flags from `spec` (commandSpec of the tool). */
export function toolCommand(lazy: LazyApp, tool: ToolDef, name: string, spec: CommandSpec): Command {
  const cmd = new Command(name).summary(tool.title).description(`${tool.title}\n\n${tool.description}`).option('--json', 'print the result as JSON');
  const positional = addSchemaOptions(cmd, spec, tool.cli?.cwdDefault);
  cmd.action(async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const opts = command.opts();
    await runFromCli(lazy, tool, collectInput(positional, args.slice(0, positional.length), opts), !!opts.json);
  });
  TOOL_COMMANDS.set(cmd, { tool, spec });
  return cmd;
}

/** A command's failure as `ag: <message>` and its fix on stderr; exits 2 for bad usage, else 1. */
export function failCli(err: unknown): never {
  const e = toAegisError(err);
  process.stderr.write(`ag: ${describeError(e)}\n`);
  throw new CliExit(e.isUsage ? EXIT.usage : EXIT.failure);
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
