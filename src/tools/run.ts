import * as z from 'zod';
import type { App } from '../app.js';
import { AegisError, invalidInput, toAegisError } from '../errors.js';
import { zodToAegisError } from '../util/zod-issues.js';
import type { DialogCheck } from '../sessions/index.js';
import type { AnyObject, Caller, ToolDef } from './define.js';

export interface CallOptions {
  caller: Caller;
  signal?: AbortSignal;
  progress?: (progress: number, total?: number, message?: string) => void;
  /** See ToolContext.expectDialog. */
  expectDialog?: DialogCheck;
}

/** Arrays and objects inside one argument, at most: deeper input would exhaust the stack of the (recursive) schema check. */
export const MAX_INPUT_DEPTH = 64;

/** The top-level field whose value nests deeper than `max`, found without recursion; undefined if none. */
function fieldNestedBeyond(input: unknown, max: number): string | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  for (const [field, value] of Object.entries(input)) {
    const stack: [unknown, number][] = [[value, 1]];
    while (stack.length) {
      const [v, depth] = stack.pop()!;
      if (v === null || typeof v !== 'object') continue;
      if (depth > max) return field;
      for (const child of Object.values(v)) stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/**
 * The one path every call takes, whatever its transport: validate the input against the tool's schema,
 * run guards, run the handler, check the output against its schema, and tell listeners how it went.
 */
export function callTool<I extends AnyObject, O extends AnyObject>(app: App, tool: ToolDef<I, O>, rawInput: unknown, opts: CallOptions): Promise<z.output<O>>;
/** A tool picked at run time (by name, from a list): its output is only known to be an object. */
export function callTool(app: App, tool: ToolDef, rawInput: unknown, opts: CallOptions): Promise<Record<string, unknown>>;
export async function callTool(app: App, tool: ToolDef, rawInput: unknown, opts: CallOptions): Promise<Record<string, unknown>> {
  const deep = fieldNestedBeyond(rawInput, MAX_INPUT_DEPTH);
  if (deep)
    throw invalidInput(
      deep,
      `${deep} is nested more than ${MAX_INPUT_DEPTH} levels deep`,
      `flatten ${deep}: no argument needs more than ${MAX_INPUT_DEPTH} levels of arrays and objects`,
    );
  const parsed = tool.input.safeParse(rawInput ?? {});
  if (!parsed.success) throw zodToAegisError(parsed.error);
  let input = parsed.data;

  // Integrations' before_tool_call hooks, registered as they load (App.toolGuards).
  for (const guard of app.toolGuards) {
    const outcome = await guard({ tool: tool.name, input, caller: opts.caller });
    if (outcome?.veto)
      throw new AegisError('vetoed', `${tool.name} was vetoed: ${outcome.veto} (${outcome.by})`, {
        fix: 'change the call or the integration hook that vetoed it',
      });
    if (outcome?.input !== undefined) {
      // Replaced arguments are held to the same schema as the caller's.
      const replaced = tool.input.safeParse(outcome.input);
      if (!replaced.success) {
        throw new AegisError(
          'internal',
          `${tool.name}: the arguments before_tool_call of ${outcome.by} put in place are invalid: ${z.prettifyError(replaced.error)}`,
          {
            fix: `fix the before_tool_call hook of ${outcome.by}: return { input } that matches ${tool.name}'s input schema`,
          },
        );
      }
      input = replaced.data;
    }
  }
  app.events.emit('before_tool_call', { tool: tool.name, input, caller: opts.caller });

  const started = performance.now();
  try {
    const output = await tool.handler(
      {
        app,
        caller: opts.caller,
        signal: opts.signal ?? new AbortController().signal,
        progress: opts.progress ?? (() => {}),
        expectDialog: opts.expectDialog,
      },
      input,
    );
    const checked = tool.output.safeParse(output);
    if (!checked.success) {
      throw new AegisError('internal', `${tool.name} produced output that does not match its schema: ${z.prettifyError(checked.error)}`);
    }
    app.events.emit('after_tool_call', { tool: tool.name, input, caller: opts.caller, durationMs: performance.now() - started, ok: true });
    return checked.data as Record<string, unknown>;
  } catch (err) {
    const error = toAegisError(err);
    app.events.emit('after_tool_call', {
      tool: tool.name,
      input,
      caller: opts.caller,
      durationMs: performance.now() - started,
      ok: false,
      error: error.message,
    });
    throw error;
  }
}
