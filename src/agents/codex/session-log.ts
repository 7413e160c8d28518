/**
 * Codex CLI 0.171.0 keeps each thread in `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread>.jsonl`
 * (fixtures/codex-0.171.0/FINDINGS.md "Records"). This reads those records as the same turns
 * session_read shows for Claude Code: the transcript reader is shared, only the meaning of a record
 * differs. The hidden title thread is never written there, so it never shows up.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { flattenContent, type EntryEffect, type TranscriptEntry, type Turn } from '../claude/transcript-records.js';
import { lastRecord, whileUnchanged } from '../jsonl-last.js';
import { promptLoggedSince } from '../prompt-log.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The newest rollout file under `codexHome/sessions` (a session's private home holds one thread). */
export function findRolloutFile(codexHome: string): string | undefined {
  let best: { path: string; mtime: number } | undefined;
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (depth < 3) walk(path, depth + 1);
      else if (/^rollout-.*\.jsonl$/.test(name)) {
        const mtime = statSync(path).mtimeMs;
        if (!best || mtime > best.mtime) best = { path, mtime };
      }
    }
  };
  walk(join(codexHome, 'sessions'), 0);
  return best?.path;
}

/** Text parts of a response message. Codex's own context blocks (<environment_context>, AGENTS.md) are not prompts. */
function messageText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .filter(isObject)
    .map((c) => (typeof c.text === 'string' ? c.text : ''))
    .join('');
}

/** `Process exited with code N` in an exec_command result; anything else counts as success. */
function failed(output: string): boolean {
  const m = /Process exited with code (\d+)|Exit code: (\d+)/.exec(output);
  return !!m && Number(m[1] ?? m[2]) !== 0;
}

function parseArguments(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'string') return {};
  try {
    const v: unknown = JSON.parse(raw);
    return isObject(v) ? v : { value: v };
  } catch {
    return { raw };
  }
}

/** What one rollout record means for the conversation (the reader keeps order and numbering). */
export function codexEntryEffect(entry: TranscriptEntry): EntryEffect {
  const r = entry.record;
  const p = isObject(r.payload) ? r.payload : {};
  const at = typeof r.timestamp === 'string' ? r.timestamp : '';
  const id = `line@${entry.offset}`;
  const turn = (t: Omit<Turn, 'id' | 'at'>): EntryEffect => ({ kind: 'turns', turns: [{ id, at, ...t }] });
  if (r.type === 'event_msg') {
    if (p.type === 'task_complete') return { kind: 'turn_end' };
    if (p.type === 'turn_aborted') return turn({ role: 'system', text: `Turn aborted (${String(p.reason ?? 'interrupted')})`, interrupted: true });
    if (p.type === 'error' && typeof p.message === 'string') return turn({ role: 'error', text: p.message });
    return { kind: 'none' };
  }
  if (r.type !== 'response_item') return { kind: 'none' };
  switch (p.type) {
    case 'message': {
      const text = messageText(p.content);
      if (p.role === 'user' && text && !text.startsWith('<')) return turn({ role: 'user', text });
      if (p.role === 'assistant' && text) return turn({ role: 'assistant', text, messageId: typeof p.id === 'string' ? p.id : undefined });
      return { kind: 'none' };
    }
    case 'function_call':
    case 'custom_tool_call':
      return turn({
        role: 'tool_call',
        tool: { name: String(p.name ?? ''), id: String(p.call_id ?? ''), input: p.type === 'function_call' ? parseArguments(p.arguments) : { input: p.input } },
      });
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const content = typeof p.output === 'string' ? p.output : flattenContent(p.output);
      return turn({ role: 'tool_result', result: { toolUseId: String(p.call_id ?? ''), content, isError: failed(content) } });
    }
    default:
      return { kind: 'none' };
  }
}

/**
 * Whether the session log holds `text` as a user prompt written at or after `sinceMs`: proof that
 * Codex took a typed prompt, even when its turn ended before the screen could show it working.
 */
export function codexPromptLogged(codexHome: string, text: string, sinceMs: number, same: (a: string, b: string) => boolean): boolean {
  const file = findRolloutFile(codexHome);
  return !!file && promptLoggedSince(file, '"user"', userPrompt, text, sinceMs, same);
}

/** The prompt a rollout record holds, when it is a user message. */
function userPrompt(r: Record<string, unknown>): string | undefined {
  const p = isObject(r.payload) ? r.payload : {};
  return r.type === 'response_item' && p.type === 'message' && p.role === 'user' ? messageText(p.content) : undefined;
}

/** The log's first record, `session_meta`: the version that wrote it and the thread it belongs to. */
function sessionMeta(file: string): Record<string, unknown> | undefined {
  try {
    const first = readFileSync(file, 'utf8').split('\n', 1)[0]!;
    const r = JSON.parse(first) as Record<string, unknown>;
    return r.type === 'session_meta' && isObject(r.payload) ? r.payload : undefined;
  } catch {
    return undefined;
  }
}

/** The Codex version that wrote the log (`session_meta.cli_version`, its first record). */
export function codexLogVersion(file: string): string | undefined {
  const v = sessionMeta(file)?.cli_version;
  return typeof v === 'string' ? v : undefined;
}

/** The id of the thread the log records (the session's own conversation, not Codex's hidden title thread). */
export function codexLogThread(file: string): string | undefined {
  const id = sessionMeta(file)?.id;
  return typeof id === 'string' ? id : undefined;
}

/** The session log's records of a turn's start and end (event_msg payload types). */
const TURN_EVENTS = new Map([
  ['task_started', true],
  ['task_complete', false],
  ['turn_aborted', false],
]);

/**
 * Whether the session log says a turn is running: its last turn record is `task_started`, with no
 * `task_complete` or `turn_aborted` after it. Codex 0.171 draws no Working line while it streams an
 * answer, so its screen alone looks idle then. Undefined when the log has no turn record (or none
 * can be read).
 */
export const codexTurnRunning = whileUnchanged((file) =>
  lastRecord(file, '"event_msg"', (r) => {
    const p = isObject(r.payload) ? r.payload : {};
    return r.type === 'event_msg' && typeof p.type === 'string' ? TURN_EVENTS.get(p.type) : undefined;
  }),
);

/**
 * The tool call the log says is waiting: the newest conversation item is a `function_call`, with no
 * output or message after it. Codex writes the call before it asks for approval, with the exact
 * arguments its dialog shows wrapped, or without the characters it does not draw.
 */
export const codexPendingCall = whileUnchanged(
  (file) =>
    lastRecord(file, '"response_item"', (r) => {
      const p = isObject(r.payload) ? r.payload : {};
      if (r.type !== 'response_item') return undefined;
      return { call: p.type === 'function_call' && typeof p.name === 'string' ? { tool: p.name, input: parseArguments(p.arguments) } : undefined };
    })?.call,
);
