/**
 * The fake model's built-in behaviour: directives in the user's prompt decide what it answers, so a
 * test can make the real Claude Code reach any screen by typing one line.
 *
 *   <anything else>           text `ECHO: <prompt>` (newlines and Unicode kept)
 *   RUN <command>             Bash tool_use; then `RAN: <tool result>`
 *   WRITE <path> <content>    Write tool_use (Read first when the file exists); then `WROTE: <result>`
 *   EDIT <path> <old> <new>   Read, then Edit tool_use; then `EDITED: <result>`
 *   FETCH <url>               WebFetch tool_use; then `FETCHED: <result>`
 *   ASK                       AskUserQuestion (Red/Blue); then `ANSWER: <result>`
 *   PLAN                      (in plan mode: Write the plan file, then) ExitPlanMode; then `PLANNED: <result>`
 *   TOOL <name> <json>        any tool_use, e.g. an MCP tool `mcp__srv__tool`; then `RESULT <name>: <result>`
 *   QUESTION                  plain text ending in "Which file should I change?"
 *   FAIL400                   HTTP 400 with an Anthropic error body
 *   SLOW <ms> [rest]          the reply to `rest` (or the echo) streamed evenly over <ms>
 *   DELAY <ms> [rest]         nothing at all for <ms>, then the reply to `rest`
 *
 * Paths and the <old>/<new> of EDIT are single words, or JSON strings in double quotes when they hold
 * spaces: EDIT notes.md "old text" "new text".
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { AnalysedRequest, ToolResult } from './anthropic-request.js';
import type { ReplyBlock } from './anthropic-wire.js';

/** What the fake sends back for one request. */
export type Reply =
  | {
      type: 'message';
      content: ReplyBlock[];
      /** Spread the content's deltas evenly over this many ms (default: all at once). */
      streamMs?: number;
      /** Wait this long before answering at all (no headers, no events). */
      delayMs?: number;
    }
  | { type: 'error'; status: number; message: string; errorType?: string };

export const textReply = (text: string): Reply => ({ type: 'message', content: [{ type: 'text', text }] });
export const toolReply = (name: string, input: Record<string, unknown>): Reply => ({ type: 'message', content: [{ type: 'tool_use', name, input }] });
export const errorReply = (status: number, message: string): Reply => ({ type: 'error', status, message });

export const ASK_INPUT = {
  questions: [
    {
      question: 'Which colour should the button be?',
      header: 'Colour',
      options: [
        { label: 'Red', description: 'A red button' },
        { label: 'Blue', description: 'A blue button' },
      ],
      multiSelect: false,
    },
  ],
};

export const PLAN_TEXT = '# Plan: add a greeting\n\n1. Create `hello.txt` with a greeting.\n2. Print it with `cat hello.txt`.\n';

/** Text prefix of the reply that follows a tool's result, so a test can read back what came back. */
const RESULT_PREFIX: Record<string, string> = {
  Bash: 'RAN',
  Write: 'WROTE',
  Edit: 'EDITED',
  WebFetch: 'FETCHED',
  AskUserQuestion: 'ANSWER',
  ExitPlanMode: 'PLANNED',
};

/** Splits `text` into its first `count` words (JSON strings allowed) and the untouched rest. */
function takeWords(text: string, count: number): { words: string[]; rest: string } | undefined {
  const words: string[] = [];
  let rest = text;
  for (let i = 0; i < count; i++) {
    rest = rest.replace(/^\s+/, '');
    if (rest === '') return undefined;
    if (rest.startsWith('"')) {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      if (!m) return undefined;
      words.push(JSON.parse(m[0]) as string);
      rest = rest.slice(m[0].length);
    } else {
      const m = /^\S+/.exec(rest) as RegExpExecArray;
      words.push(m[0]);
      rest = rest.slice(m[0].length);
    }
  }
  return { words, rest: rest.replace(/^[ \t]/, '') };
}

function absolutePath(path: string, cwd: string | undefined): string {
  return isAbsolute(path) || cwd === undefined ? path : resolve(cwd, path);
}

/** A directive's steps: the tool calls to make one after the other (empty for a plain reply). */
interface Plan {
  steps: ReplyBlock[];
  /** The reply when nothing needs a tool. */
  text?: string;
  streamMs?: number;
  delayMs?: number;
  error?: { status: number; message: string };
}

function tool(name: string, input: Record<string, unknown>): ReplyBlock {
  return { type: 'tool_use', name, input };
}

/** Where the request stands: relative paths resolve against cwd; PLAN writes the plan file first. */
interface Context {
  cwd?: string;
  planFile?: string;
}

/** Turns a prompt into a plan. */
function planFor(prompt: string, ctx: Context): Plan {
  const { cwd } = ctx;
  const m = /^(RUN|WRITE|EDIT|FETCH|ASK|PLAN|TOOL|QUESTION|FAIL400|SLOW|DELAY)(?=\s|$)([\s\S]*)$/.exec(prompt.trimStart());
  const echo: Plan = { steps: [], text: `ECHO: ${prompt}` };
  if (!m) return echo;
  const word = m[1] as string;
  const args = (m[2] ?? '').replace(/^[ \t]/, '');
  switch (word) {
    case 'RUN':
      return args.trim() === '' ? echo : { steps: [tool('Bash', { command: args, description: 'Run the command the test asked for' })] };
    case 'WRITE': {
      const w = takeWords(args, 1);
      if (!w) return echo;
      const file_path = absolutePath(w.words[0] as string, cwd);
      // Claude's Write refuses to overwrite a file it has not read in this session.
      const read = existsSync(file_path) ? [tool('Read', { file_path })] : [];
      return { steps: [...read, tool('Write', { file_path, content: w.rest })] };
    }
    case 'EDIT': {
      const w = takeWords(args, 3);
      if (!w) return echo;
      const file_path = absolutePath(w.words[0] as string, cwd);
      // Claude's Edit refuses a file it has not read in this session, so read it first.
      const edit = tool('Edit', { file_path, old_string: w.words[1], new_string: w.words[2], replace_all: false });
      return { steps: [tool('Read', { file_path }), edit] };
    }
    case 'FETCH':
      return args.trim() === '' ? echo : { steps: [tool('WebFetch', { url: args.trim(), prompt: 'Summarise the page in one sentence.' })] };
    case 'ASK':
      return { steps: [tool('AskUserQuestion', ASK_INPUT)] };
    case 'PLAN': {
      // In plan mode, ExitPlanMode shows the plan file's text: write it first (allowed in plan mode).
      const write = ctx.planFile ? [tool('Write', { file_path: ctx.planFile, content: PLAN_TEXT })] : [];
      return { steps: [...write, tool('ExitPlanMode', { plan: PLAN_TEXT })] };
    }
    case 'TOOL': {
      const w = takeWords(args, 1);
      if (!w) return echo;
      let input: unknown = {};
      try {
        input = w.rest.trim() === '' ? {} : JSON.parse(w.rest);
      } catch {
        return { steps: [], text: `TOOL input is not JSON: ${w.rest}` };
      }
      return { steps: [tool(w.words[0] as string, input as Record<string, unknown>)] };
    }
    case 'QUESTION':
      return { steps: [], text: 'I can make that change. Which file should I change?' };
    case 'FAIL400':
      return { steps: [], error: { status: 400, message: 'fake bad request' } };
    default: {
      // SLOW / DELAY <ms> [rest]
      const t = /^\s*(\d+)\s*([\s\S]*)$/.exec(args);
      if (!t) return echo;
      const inner = (t[2] ?? '') === '' ? echo : planFor(t[2] as string, ctx);
      return word === 'SLOW' ? { ...inner, streamMs: Number(t[1]) } : { ...inner, delayMs: Number(t[1]) };
    }
  }
}

function stepKey(b: ReplyBlock): string {
  return b.type === 'tool_use' ? `${b.name}\0${JSON.stringify(b.input)}` : '';
}

function resultText(r: ToolResult): string {
  const prefix = RESULT_PREFIX[r.toolName ?? ''] ?? `RESULT ${r.toolName ?? 'unknown'}`;
  return `${prefix}: ${r.content}`;
}

function messageOf(plan: Plan, content: ReplyBlock[]): Reply {
  return { type: 'message', content, streamMs: plan.streamMs, delayMs: plan.delayMs };
}

/** The reply to a fresh prompt: the plan's first tool call, or its text. */
function replyToPrompt(prompt: string, ctx: Context): Reply {
  const plan = planFor(prompt, ctx);
  if (plan.error) return { type: 'error', ...plan.error };
  const first = plan.steps[0];
  return messageOf(plan, first ? [first] : [{ type: 'text', text: plan.text ?? '' }]);
}

/**
 * The reply after tool results came back: the turn's next step when the last one succeeded, else
 * the text that reports the result. A prompt queued while the tool ran is answered in the same
 * message when the turn ends here (Claude Code delivers it only once).
 */
function replyToResults(req: AnalysedRequest): Reply {
  const plan = planFor(req.turnPrompt, req);
  const last = req.toolResults.at(-1) as ToolResult;
  const lastUse = req.turnToolUses.at(-1);
  // The plan is re-made from the turn's prompt; the step after the one just answered comes next.
  const done = lastUse ? plan.steps.findIndex((s) => stepKey(s) === stepKey({ type: 'tool_use', name: lastUse.name, input: lastUse.input })) : -1;
  const next = done >= 0 ? plan.steps[done + 1] : undefined;
  if (next && !last.isError) return messageOf({ steps: [], streamMs: plan.streamMs }, [next]);
  const content: ReplyBlock[] = req.toolResults.map((r) => ({ type: 'text', text: resultText(r) }));
  for (const queued of req.queuedPrompts) {
    const r = replyToPrompt(queued, req);
    if (r.type === 'message') content.push(...r.content);
  }
  return messageOf({ steps: [], streamMs: plan.streamMs }, content);
}

function titleOf(prompt: string): string {
  const words = prompt.replace(/\s+/g, ' ').trim().split(' ').slice(0, 6).join(' ');
  const title = words === '' ? 'Untitled session' : words;
  return title.charAt(0).toUpperCase() + title.slice(1);
}

function kebabOf(prompt: string): string {
  const words =
    prompt
      .replace(/<\/?[\w-]+>/g, ' ')
      .toLowerCase()
      .match(/[a-z0-9]+/g)
      ?.slice(0, 3) ?? [];
  return ['fake', ...words].join('-');
}

/**
 * A value that satisfies a JSON schema of the kind Claude Code asks for (flat objects of strings):
 * `title` gets a sentence-case title, other strings a kebab-case name, built from the prompt.
 */
function valueFor(schema: unknown, key: string, prompt: string): unknown {
  const s = (typeof schema === 'object' && schema !== null ? schema : {}) as Record<string, unknown>;
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valueFor(v, k, prompt)]));
    }
    case 'array':
      return [];
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return key === 'title' ? titleOf(prompt) : kebabOf(prompt);
  }
}

export const COMPACT_SUMMARY =
  '<analysis>\nThe fake model summarises nothing.\n</analysis>\n\n<summary>\n1. Primary Request and Intent:\n   Compacted by the fake Anthropic API.\n</summary>';

/**
 * The summary for /compact. `/compact SLOW <ms>` (its custom instructions) streams it slowly, so the
 * compacting screen can be seen.
 */
function compactReply(prompt: string): Reply {
  const extra = /Additional Instructions:\n([\s\S]*?)(?:\n\n|$)/.exec(prompt)?.[1] ?? '';
  const slow = /^SLOW\s+(\d+)/.exec(extra.trim());
  return { type: 'message', content: [{ type: 'text', text: COMPACT_SUMMARY }], streamMs: slow ? Number(slow[1]) : undefined };
}

/** The built-in answer to any Messages call. */
export function builtInReply(req: AnalysedRequest): Reply {
  if (req.kind === 'compact') return compactReply(req.prompt);
  // Calls that want JSON (the session title, a plan's kebab-case name) get JSON that fits the schema.
  if (req.outputSchema) return textReply(JSON.stringify(valueFor(req.outputSchema, '', req.prompt)));
  if (req.kind === 'title') return textReply(JSON.stringify({ title: titleOf(req.prompt) }));
  // Aux calls (small model, few tools: e.g. WebFetch's page summary) get a short plain answer.
  if (req.kind === 'aux') return textReply(`AUX: ${req.prompt.slice(0, 200)}`);
  if (req.prompt === '' && req.toolResults.length > 0) return replyToResults(req);
  if (req.prompt === '' && req.queuedPrompts.length > 0) return replyToPrompt(req.queuedPrompts.join('\n'), req);
  return replyToPrompt(req.prompt, req);
}
