import type { z } from 'zod';
import type { App } from '../app.js';
import type { DialogCheck } from '../sessions/index.js';

/** MCP tool annotations: hints for the calling host, never relied on for safety. */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** Where a call came from; handlers rarely care, hooks and logs do. */
export type Caller = 'mcp' | 'cli' | 'chat' | 'internal';

/** What a handler receives besides its input: the app's services plus per-call plumbing. */
export interface ToolContext {
  app: App;
  caller: Caller;
  /** Aborted when the caller goes away (MCP cancellation, Ctrl-C). */
  signal: AbortSignal;
  /** Reports progress of a long call (MCP progress notifications; a no-op on the CLI). */
  progress(progress: number, total?: number, message?: string): void;
  /**
   * Chat only, never from the input schema: the dialog a chat code names. session_approve, _reject and
   * _answer press nothing unless the session still shows it.
   */
  expectDialog?: DialogCheck;
  /** An integration's tools only: the integration's name. */
  integration?: string;
  /** An integration's tools only: its settings from setup.json (always strings; undefined when unset). */
  settings?: Readonly<Record<string, string | undefined>>;
}

export type AnyObject = z.ZodObject<z.ZodRawShape>;

/** How the CLI presents a tool, beyond what the schema says. All optional. */
export interface CliHints<O> {
  /** Input keys taken as positional arguments, in order (`ag create "brief"`). */
  positional?: string[];
  /** Extra top-level command names (`create` for `session_create`). */
  aliases?: string[];
  /** Runs even when config.json is broken (the problems are in app.config.problems): `ag doctor`. */
  anyConfig?: boolean;
  /**
   * An input key naming the folder to work in, which on the command line defaults to the current
   * directory: a person types `ag create "Fix the tests"` in the project (a model over MCP names it).
   */
  cwdDefault?: string;
  /** Human rendering of the result; defaults to a table or key/value list. */
  render?: (output: O) => string;
  /** Whether a result reports that the command did not do its job (exit status 1, as `ok: false` does). */
  failed?: (output: O) => boolean;
}

export interface ToolDef<I extends AnyObject = AnyObject, O extends AnyObject = AnyObject> {
  /** snake_case `<area>_<verb>`; the CLI command is `ag <area> <verb-with-dashes>`. */
  name: string;
  title: string;
  /** Written for the model that calls the tool: what it does, when to use it, what comes back. */
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  cli?: CliHints<z.infer<O>>;
  handler: (ctx: ToolContext, input: z.infer<I>) => Promise<z.infer<O>>;
}

const TOOL_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;

/** Declares a tool. The one way to add a capability: MCP and the CLI both pick it up from the registry. */
export function defineTool<I extends AnyObject, O extends AnyObject>(def: ToolDef<I, O>): ToolDef<I, O> {
  if (!TOOL_NAME.test(def.name)) {
    throw new Error(`tool name "${def.name}" must be snake_case <area>_<verb>, e.g. session_create`);
  }
  if (!def.description.trim()) throw new Error(`tool ${def.name} needs a description`);
  // An argument the tool does not know (a misspelt `permisionMode`) is refused by name, never dropped unseen.
  return { ...def, input: def.input.strict() as unknown as I };
}

/** Splits `session_batch_create` into area `session` and verb `batch-create`. */
export function cliPath(name: string): { area: string; verb: string } {
  const [area, ...rest] = name.split('_');
  return { area: area!, verb: rest.join('-') };
}
