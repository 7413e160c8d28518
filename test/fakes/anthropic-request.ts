/**
 * Reads a Messages API request the way the fake needs it: which kind of call it is (title, aux,
 * main), what the user typed, which tool results came back and for which tool_use. The rules follow
 * what Claude Code 2.1.197 was seen sending (FINDINGS.md §3).
 */

/**
 * title: the session-title call of the first prompt; compact: the summary call of /compact (or of
 * auto-compaction); aux: any other call with < 3 tools or a haiku model; main: the agent's turn.
 */
export type CallKind = 'title' | 'compact' | 'aux' | 'main';

export interface ToolResult {
  toolUseId: string;
  /** The result's text (text blocks joined by newlines when the content is a block list). */
  content: string;
  isError: boolean;
  /** The tool_use this result answers, found in the earlier assistant messages. */
  toolName?: string;
  toolInput?: Record<string, unknown>;
}

export interface AnalysedRequest {
  kind: CallKind;
  model: string;
  stream: boolean;
  /**
   * "Primary working directory: <cwd>", when present: in the `system` field (2.1.197) or in a
   * role:"system" message (2.1.33x moved the environment block there).
   */
  cwd?: string;
  /**
   * What the user typed in this request: the last text block of the last user message, leaving out
   * `<system-reminder>` context and "[Request interrupted…]" markers. '' for a call that only
   * carries tool results. For the title call: the text inside `<session>…</session>`.
   */
  prompt: string;
  /** Prompts typed while Claude was busy, delivered as trailing role:"system" messages. */
  queuedPrompts: string[];
  /** tool_result blocks of the last user message. */
  toolResults: ToolResult[];
  /** The prompt that started the current turn (the last user message with prompt text). */
  turnPrompt: string;
  /** tool_use blocks the assistant sent since the turn started, oldest first. */
  turnToolUses: { id: string; name: string; input: Record<string, unknown> }[];
  /**
   * In plan mode, the file Claude Code wants the plan written to ("…create your plan at <path>
   * using the Write tool" / "A plan file already exists at <path>"); ExitPlanMode shows that file.
   */
  planFile?: string;
  /** `output_config.format.schema` when the reply must be JSON (the title call, the plan's name). */
  outputSchema?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const QUEUED_HEADER = 'The user sent a new message while you were working:\n';
const TITLE_SYSTEM = 'Generate a concise, sentence-case title';
/** How the compaction prompt of 2.1.197 starts; it then asks for an <analysis> and a <summary> block. */
const COMPACT_PROMPT = 'CRITICAL: Respond with TEXT ONLY. Do NOT call any tools.';

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function blocksOf(content: unknown): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isObject) : [];
}

function textOf(content: unknown): string {
  return blocksOf(content)
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n');
}

/** Context Claude Code adds around the prompt, which the user did not type. */
function isInjectedText(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('<system-reminder>') || t.startsWith('[Request interrupted by user');
}

/** The last typed text block of a user message, or '' when it holds none. */
export function promptOf(content: unknown): string {
  const texts = blocksOf(content)
    .filter((b) => b.type === 'text' && typeof b.text === 'string' && !isInjectedText(b.text as string))
    .map((b) => b.text as string);
  return texts.at(-1) ?? '';
}

function queuedPromptOf(message: Json): string | undefined {
  const text = textOf(message.content);
  const at = text.indexOf(QUEUED_HEADER);
  if (at < 0) return undefined;
  const rest = text.slice(at + QUEUED_HEADER.length);
  // The typed text is followed by a blank line and an "IMPORTANT: …" instruction to the model.
  const end = rest.search(/\n\nIMPORTANT:/);
  return end < 0 ? rest : rest.slice(0, end);
}

const PLAN_FILE = /(?:create your plan at|plan file already exists at) (\/\S+?\.md)\b/g;

function planFileOf(messages: Json[]): string | undefined {
  let found: string | undefined;
  for (const m of messages) {
    for (const match of textOf(m.content).matchAll(PLAN_FILE)) found = match[1];
  }
  return found;
}

function systemText(body: Json): string {
  return textOf(body.system);
}

function outputSchemaOf(body: Json): Json | undefined {
  const format = isObject(body.output_config) ? body.output_config.format : undefined;
  return isObject(format) && format.type === 'json_schema' && isObject(format.schema) ? format.schema : undefined;
}

function isTitleCall(body: Json): boolean {
  if (systemText(body).includes(TITLE_SYSTEM)) return true;
  const props = outputSchemaOf(body)?.properties;
  return isObject(props) && 'title' in props;
}

function kindOf(body: Json, model: string, prompt: string): CallKind {
  if (isTitleCall(body)) return 'title';
  if (prompt.startsWith(COMPACT_PROMPT) && prompt.includes('<summary>')) return 'compact';
  const tools = Array.isArray(body.tools) ? body.tools.length : 0;
  return tools < 3 || /haiku/i.test(model) ? 'aux' : 'main';
}

export function analyseRequest(body: Json): AnalysedRequest {
  const model = typeof body.model === 'string' ? body.model : '';
  const messages = Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
  const environment = [systemText(body), ...messages.filter((m) => m.role === 'system').map((m) => textOf(m.content))].join('\n');
  const cwd = /Primary working directory: (.+)/.exec(environment)?.[1]?.trim();

  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      lastUser = i;
      break;
    }
  }
  const queuedPrompts = messages
    .slice(lastUser + 1)
    .filter((m) => m.role === 'system')
    .map(queuedPromptOf)
    .filter((q): q is string => q !== undefined);

  const lastContent = messages[lastUser]?.content;
  let prompt = lastUser >= 0 ? promptOf(lastContent) : '';
  const kind = kindOf(body, model, prompt);
  if (kind === 'title') {
    const session = /<session>\n?([\s\S]*?)\n?<\/session>/.exec(textOf(lastContent));
    if (session?.[1] !== undefined) prompt = session[1];
  }

  let turnStart = -1;
  for (let i = lastUser; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === 'user' && promptOf(m.content) !== '') {
      turnStart = i;
      break;
    }
  }
  const turnPrompt = turnStart >= 0 ? promptOf(messages[turnStart]?.content) : '';
  const turnToolUses = messages
    .slice(Math.max(0, turnStart))
    .filter((m) => m.role === 'assistant')
    .flatMap((m) => blocksOf(m.content))
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: String(b.id), name: String(b.name), input: isObject(b.input) ? b.input : {} }));

  const toolResults: ToolResult[] = blocksOf(lastContent)
    .filter((b) => b.type === 'tool_result')
    .map((b) => {
      const id = String(b.tool_use_id);
      const use = turnToolUses.find((u) => u.id === id);
      return { toolUseId: id, content: textOf(b.content), isError: b.is_error === true, toolName: use?.name, toolInput: use?.input };
    });

  const planFile = planFileOf(messages);
  const outputSchema = outputSchemaOf(body);
  return { kind, model, stream: body.stream === true, cwd, prompt, queuedPrompts, toolResults, turnPrompt, turnToolUses, planFile, outputSchema };
}
