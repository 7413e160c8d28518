/**
 * Gemini CLI 0.61.0 keeps each chat in `<GEMINI_CLI_HOME>/.gemini/tmp/<project>/chats/session-<time>-<id>.jsonl`
 * (fixtures/gemini-cli-0.61.0/FINDINGS.md "Chat log"). Records are messages keyed by `id`; a message
 * written again under the same id is an update (a model message gets its `toolCalls`, with their
 * results, once they ran), and `{"$set": …}` lines are bookkeeping. After a refused tool call the CLI
 * rewrites its history: it appends the kept messages again under new ids (the first one carrying its
 * `<session_context>` block, the model ones with `tokens: null`) and `$set`s the list. Those copies
 * are skipped, so every turn is listed once.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EntryEffect, TranscriptEntry, Turn } from '../claude/transcript-records.js';
import { promptLoggedSince } from '../prompt-log.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const SESSION_CONTEXT = '<session_context>';

/** The newest chat file under a session's Gemini CLI home (its private home holds one project). */
export function findChatFile(geminiHome: string): string | undefined {
  const tmp = join(geminiHome, '.gemini', 'tmp');
  let best: { path: string; mtime: number } | undefined;
  let projects: string[];
  try {
    projects = readdirSync(tmp);
  } catch {
    return undefined;
  }
  for (const project of projects) {
    const chats = join(tmp, project, 'chats');
    let names: string[];
    try {
      names = readdirSync(chats);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!/^session-.*\.jsonl$/.test(name)) continue;
      const path = join(chats, name);
      const mtime = statSync(path).mtimeMs;
      if (!best || mtime > best.mtime) best = { path, mtime };
    }
  }
  return best?.path;
}

/** The parts of a user record, or [] when it has none. */
const partsOf = (content: unknown): Record<string, unknown>[] => (Array.isArray(content) ? content.filter(isObject) : []);

/** A user record's prompt text; undefined for tool results and for the history copies. */
function promptOf(record: Record<string, unknown>): string | undefined {
  const parts = partsOf(record.content);
  if (!parts.length || parts.some((p) => 'functionResponse' in p)) return undefined;
  const texts = parts.map((p) => (typeof p.text === 'string' ? p.text : ''));
  if (texts[0]!.startsWith(SESSION_CONTEXT)) return undefined;
  return texts.join('');
}

/** A tool call's result: its functionResponse output, or the error the CLI reported back. */
function resultOf(call: Record<string, unknown>): { content: string; isError: boolean } | undefined {
  const response = partsOf(call.result)
    .map((p) => p.functionResponse)
    .find(isObject);
  const out = response && isObject(response.response) ? response.response : undefined;
  if (!out && call.status === undefined) return undefined;
  const error = typeof out?.error === 'string' ? out.error : undefined;
  const content = error ?? (typeof out?.output === 'string' ? out.output : out ? JSON.stringify(out) : '');
  return { content, isError: !!error || call.status === 'cancelled' || call.status === 'error' };
}

/** What one chat record means for the conversation (the reader keeps order and numbering). */
export function geminiEntryEffect(entry: TranscriptEntry): EntryEffect {
  const r = entry.record;
  const at = typeof r.timestamp === 'string' ? r.timestamp : '';
  const id = typeof r.id === 'string' ? r.id : `line@${entry.offset}`;
  const turn = (t: Omit<Turn, 'id' | 'at'>, suffix = ''): Turn => ({ id: `${id}${suffix}`, at, ...t });
  switch (r.type) {
    case 'user': {
      const text = promptOf(r);
      return text ? { kind: 'turns', turns: [turn({ role: 'user', text })] } : { kind: 'none' };
    }
    case 'gemini': {
      // A history copy: its content is the API's part list, not the CLI's text.
      if (typeof r.content !== 'string') return { kind: 'none' };
      const calls = Array.isArray(r.toolCalls) ? r.toolCalls.filter(isObject) : [];
      // The first write of a message holds its text; the update with toolCalls adds the calls.
      if (!calls.length) return r.content ? { kind: 'turns', turns: [turn({ role: 'assistant', text: r.content, messageId: id })] } : { kind: 'none' };
      const turns: Turn[] = [];
      calls.forEach((c, i) => {
        const callId = String(c.id ?? `${id}:${i}`);
        turns.push(turn({ role: 'tool_call', tool: { name: String(c.name ?? ''), id: callId, input: isObject(c.args) ? c.args : {} } }, `:call${i}`));
        const result = resultOf(c);
        if (result) turns.push(turn({ role: 'tool_result', result: { toolUseId: callId, ...result } }, `:result${i}`));
      });
      return { kind: 'turns', turns };
    }
    case 'info':
      return r.content === 'Request cancelled.'
        ? { kind: 'turns', turns: [turn({ role: 'system', text: 'Request cancelled', interrupted: true })] }
        : { kind: 'none' };
    case 'error':
      return typeof r.content === 'string' ? { kind: 'turns', turns: [turn({ role: 'error', text: r.content })] } : { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}

/**
 * Whether the chat holds `text` as a prompt written at or after `sinceMs`: proof that the CLI took
 * a typed prompt, even when its turn ended before the screen could show it working.
 */
export function geminiPromptLogged(geminiHome: string, text: string, sinceMs: number, same: (a: string, b: string) => boolean): boolean {
  const file = findChatFile(geminiHome);
  return !!file && promptLoggedSince(file, '"type":"user"', promptOf, text, sinceMs, same);
}
