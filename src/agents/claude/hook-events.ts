import type { HookFacts, ToolCall } from '../profile.js';

/** A Claude Code hook payload as appended by bin/aegis-hook (FINDINGS §6), stamped with `aegis_t`. */
export interface HookEvent {
  aegis_t: number;
  hook_event_name: string;
  session_id?: string;
  transcript_path?: string;
  prompt?: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  tool_use_id?: string;
  last_assistant_message?: string;
  notification_type?: string;
  message?: string;
  reason?: string;
}

const MAX_REMEMBERED_PROMPTS = 20;
/** Open calls kept per turn: more only happens when calls are rejected again and again in one turn. */
const MAX_OPEN_CALLS = 20;

/**
 * The open call a PermissionRequest is about: the first not yet asked with the same tool and input
 * (the request carries no call id), else the first not yet asked of that tool.
 */
function markAsked(calls: ToolCall[] | undefined, tool: string, input: Record<string, unknown>): ToolCall[] | undefined {
  if (!calls) return calls;
  const json = JSON.stringify(input);
  const waiting = calls.filter((c) => !c.asked && c.tool === tool);
  const call = waiting.find((c) => JSON.stringify(c.input) === json) ?? waiting[0];
  return calls.map((c) => (c === call ? { ...c, asked: true } : c));
}

export function foldHookEvent(facts: HookFacts, e: HookEvent): HookFacts {
  const at = e.aegis_t;
  const next: HookFacts = { ...facts, lastEventAt: at };
  if (e.transcript_path) next.transcriptPath = e.transcript_path;
  if (e.session_id) next.sessionId = e.session_id;
  switch (e.hook_event_name) {
    case 'UserPromptSubmit':
      next.submitted = [...facts.submitted, { prompt: e.prompt ?? '', at }].slice(-MAX_REMEMBERED_PROMPTS);
      next.lastPromptAt = at;
      next.permission = undefined;
      next.calls = undefined;
      break;
    case 'PreToolUse':
      next.calls = [...(facts.calls ?? []), { id: e.tool_use_id, tool: e.tool_name ?? '', input: e.tool_input ?? {}, at, asked: false }].slice(-MAX_OPEN_CALLS);
      break;
    case 'PermissionRequest':
      next.permission = { tool: e.tool_name ?? '', input: e.tool_input ?? {}, at };
      next.calls = markAsked(facts.calls, e.tool_name ?? '', e.tool_input ?? {});
      break;
    case 'PostToolUse':
    case 'PostToolUseFailure': // the call ran and failed
      next.permission = undefined;
      next.calls = facts.calls?.filter((c) => (e.tool_use_id ? c.id !== e.tool_use_id : c.tool !== e.tool_name));
      break;
    case 'Stop':
      next.lastStop = { at, message: e.last_assistant_message };
      next.permission = undefined;
      next.calls = undefined;
      break;
    case 'SessionEnd':
      next.ended = { at, reason: e.reason };
      break;
    default:
  }
  return next;
}
