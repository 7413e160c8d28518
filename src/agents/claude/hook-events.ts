import type { HookFacts } from '../profile.js';

/** A Claude Code hook payload as appended by bin/aegis-hook (FINDINGS §6), stamped with `aegis_t`. */
export interface HookEvent {
  aegis_t: number;
  hook_event_name: string;
  session_id?: string;
  transcript_path?: string;
  prompt?: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  last_assistant_message?: string;
  notification_type?: string;
  message?: string;
  reason?: string;
}

const MAX_REMEMBERED_PROMPTS = 20;

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
      break;
    case 'PermissionRequest':
      next.permission = { tool: e.tool_name ?? '', input: e.tool_input ?? {}, at };
      break;
    case 'PostToolUse':
      next.permission = undefined;
      break;
    case 'Stop':
      next.lastStop = { at, message: e.last_assistant_message };
      next.permission = undefined;
      break;
    case 'SessionEnd':
      next.ended = { at, reason: e.reason };
      break;
    default:
  }
  return next;
}
