/**
 * What one line of a Claude Code 2.1.197 JSONL transcript means for the conversation.
 * Pure functions: a parsed line in, turns (or a bookkeeping effect) out. The reader
 * (transcript.ts) decides the order, numbering and everything derived from many records.
 * Record shapes: /work/shared/fixtures/claude-code-2.1.197/FINDINGS.md §5.
 */

export const TURN_ROLES = ['user', 'assistant', 'tool_call', 'tool_result', 'error', 'system'] as const;
export type TurnRole = (typeof TURN_ROLES)[number];

/** One entry of the conversation as the reader shows it. */
export interface Turn {
  /** The record's uuid; a record that yields several turns gives the later ones `<uuid>:<n>`. */
  id: string;
  role: TurnRole;
  /** ISO timestamp of the record. */
  at: string;
  text?: string;
  tool?: { name: string; id: string; input: Record<string, unknown> };
  result?: { toolUseId: string; content: string; isError: boolean };
  /** API message id (`msg_…`): the text and tool_use records of one reply share it. */
  messageId?: string;
  /** An interrupt marker, or the partial text of a reply the user interrupted. */
  interrupted?: boolean;
}

/** A line that parsed as a JSON object, with the fields that place it in the conversation. */
export interface TranscriptEntry {
  /** Byte offset of the line in the file: file order, and the id of a record without uuid. */
  offset: number;
  uuid?: string;
  parentUuid: string | null;
  record: Record<string, unknown>;
}

/** What applying one entry does. */
export type EntryEffect =
  | { kind: 'turns'; turns: Turn[]; stopReason?: string }
  /** `system/turn_duration`: Claude Code finished handling a prompt. */
  | { kind: 'turn_end' }
  /** `custom-title` is what the user named the session (/rename); it outranks the generated `ai-title`. */
  | { kind: 'title'; source: 'custom' | 'ai'; title: string }
  | { kind: 'none' };

/** Parses one line; `undefined` when it is not a JSON object (a torn or garbage line). */
export function parseEntry(line: string, offset: number): TranscriptEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const uuid = str(value.uuid);
  return { offset, uuid, parentUuid: str(value.parentUuid) ?? null, record: value };
}

const INTERRUPT_MARKER = /^\[Request interrupted by user( for tool use)?\]$/;
const SYSTEM_REMINDER = /^<system-reminder>[\s\S]*<\/system-reminder>$/;
/** Claude Code's `toolUseResult` when the user answered a permission prompt with No. */
const REJECTED_TOOL_USE = 'User rejected tool use';
/** `message.model` of messages Claude Code made up itself (API errors, interrupted streams). */
const SYNTHETIC_MODEL = '<synthetic>';

export function entryEffect(entry: TranscriptEntry): EntryEffect {
  const r = entry.record;
  // Sub-agent conversations are not the session's own conversation.
  if (r.isSidechain === true) return { kind: 'none' };
  switch (r.type) {
    case 'user':
      return { kind: 'turns', turns: userTurns(entry) };
    case 'assistant':
      return assistantEffect(entry);
    case 'attachment':
      return { kind: 'turns', turns: queuedPromptTurns(entry) };
    case 'system':
      return r.subtype === 'turn_duration' ? { kind: 'turn_end' } : { kind: 'none' };
    case 'custom-title':
      return typeof r.customTitle === 'string' ? { kind: 'title', source: 'custom', title: r.customTitle } : { kind: 'none' };
    case 'ai-title':
      return typeof r.aiTitle === 'string' ? { kind: 'title', source: 'ai', title: r.aiTitle } : { kind: 'none' };
    default:
      // mode, permission-mode, last-prompt, file-history-snapshot, queue-operation, tag, …: bookkeeping.
      return { kind: 'none' };
  }
}

function userTurns(entry: TranscriptEntry): Turn[] {
  const r = entry.record;
  // isMeta records are context Claude Code adds for the model (caveats, command output), not typed text.
  if (r.isMeta === true) return [];
  const content = isObject(r.message) ? r.message.content : undefined;
  const at = timestampOf(r);
  const out = new TurnList(entry);

  const texts: string[] = [];
  const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];
  for (const block of blocks) {
    if (!isObject(block)) continue;
    if (block.type === 'tool_result') {
      const isError = block.is_error === true || r.toolUseResult === REJECTED_TOOL_USE;
      out.push({ role: 'tool_result', at, result: { toolUseId: str(block.tool_use_id) ?? '', content: flattenContent(block.content), isError } });
    } else if (block.type === 'text' && typeof block.text === 'string') {
      const text = block.text.trim();
      if (text === '' || SYSTEM_REMINDER.test(text)) continue;
      texts.push(block.text);
    } else if (block.type === 'image') {
      texts.push('[image]');
    }
  }
  if (texts.length > 0) {
    const text = texts.join('\n\n');
    if (texts.length === 1 && INTERRUPT_MARKER.test(text.trim())) {
      out.push({ role: 'system', at, text: text.trim(), interrupted: true });
    } else if (r.isCompactSummary === true || isNonHumanOrigin(r.origin)) {
      out.push({ role: 'system', at, text });
    } else {
      out.push({ role: 'user', at, text });
    }
  }
  return out.turns;
}

/** A prompt typed while the agent was busy reaches the model as a `queued_command` attachment. */
function queuedPromptTurns(entry: TranscriptEntry): Turn[] {
  const a = entry.record.attachment;
  if (!isObject(a) || a.type !== 'queued_command' || typeof a.prompt !== 'string') return [];
  const role = isNonHumanOrigin(a.origin) ? 'system' : 'user';
  return new TurnList(entry).push({ role, at: timestampOf(entry.record), text: a.prompt }).turns;
}

function assistantEffect(entry: TranscriptEntry): EntryEffect {
  const r = entry.record;
  const message = isObject(r.message) ? r.message : {};
  const at = timestampOf(r);
  const messageId = str(message.id);
  const apiError = r.isApiErrorMessage === true;
  // Claude Code keeps the partial text of a stream the user interrupted as a <synthetic> message.
  const cutShort = !apiError && message.model === SYNTHETIC_MODEL;
  const out = new TurnList(entry);
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') {
      if (block.text.trim() === '') continue;
      if (apiError) out.push({ role: 'error', at, text: block.text, messageId });
      else out.push({ role: 'assistant', at, text: block.text, messageId, ...(cutShort ? { interrupted: true } : {}) });
    } else if (block.type === 'tool_use') {
      const input = isObject(block.input) ? block.input : {};
      out.push({ role: 'tool_call', at, tool: { name: str(block.name) ?? '', id: str(block.id) ?? '', input }, messageId });
    }
    // thinking, redacted_thinking and server-side tool blocks are not part of the conversation shown.
  }
  return { kind: 'turns', turns: out.turns, stopReason: str(message.stop_reason) };
}

/** Collects the turns of one record and gives them their deterministic ids. */
class TurnList {
  readonly turns: Turn[] = [];
  private readonly base: string;

  constructor(entry: TranscriptEntry) {
    this.base = entry.uuid ?? `line@${entry.offset}`;
  }

  push(turn: Omit<Turn, 'id'>): this {
    const id = this.turns.length === 0 ? this.base : `${this.base}:${this.turns.length}`;
    this.turns.push({ id, ...stripUndefined(turn) });
    return this;
  }
}

/** Tool result content is a string or a list of blocks; images become a placeholder. */
export function flattenContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const block of content) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') parts.push(block.text);
    else if (typeof block.type === 'string') parts.push(`[${block.type}]`);
  }
  return parts.join('\n');
}

/** Records from people carry `origin.kind: "human"`; anything else that speaks as "user" is the system. */
function isNonHumanOrigin(origin: unknown): boolean {
  return isObject(origin) && typeof origin.kind === 'string' && origin.kind !== 'human';
}

function timestampOf(r: Record<string, unknown>): string {
  return str(r.timestamp) ?? '';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Keeps optional fields absent rather than `undefined`, so turns serialise and compare cleanly. */
function stripUndefined<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}
