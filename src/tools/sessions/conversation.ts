/** The conversation and the screen: session_send, session_read and session_pane. */
import * as z from 'zod';
import { READ_LIMITS, TURN_ROLES, type TranscriptReader } from '../../agents/claude/transcript.js';
import type { App } from '../../app.js';
import { AegisError } from '../../errors.js';
import { renderTurns } from '../../render/session.js';
import type { SessionRecord } from '../../sessions/index.js';
import { defineTool } from '../define.js';
import { INPUT_LIMITS as L, str } from '../schemas.js';
import { id, sendResult, state } from './shared.js';

export const sessionSend = defineTool({
  name: 'session_send',
  title: 'Send text to an agent',
  description:
    'Sends text as ONE prompt (multi-line stays one) and confirms it arrived; if the agent is busy or a dialog is open it is queued (persisted, in order) and delivered when ready (status delivered or queued; failed: see error). Pasted literally via a tmux buffer (no shell or tmux interpretation); control characters except tab and newline are removed, CRLF becomes LF. Dialogs: session_approve/session_reject; question pickers: session_answer.',
  input: z.object({ id, text: str(L.textChars).describe(`The message; multi-line allowed (at most ${L.textChars} bytes)`) }),
  output: sendResult,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['id', 'text'], aliases: ['send'], failed: (o) => o.status === 'failed' },
  handler: async ({ app }, input) => app.sessions.send(input.id, input.text),
});

function readerFor(app: App, s: SessionRecord): TranscriptReader {
  const path = app.sessions.transcriptPath(s);
  if (!path)
    throw new AegisError('unavailable', `session ${s.name} (${s.agent}) has no transcript`, {
      fix: 'only Claude Code sessions keep a transcript; use session_pane to read the screen',
    });
  return app.sessions.transcript(s.id, path);
}

const turnSchema = z.object({
  id: z.string(),
  role: z.enum(TURN_ROLES),
  at: z.string(),
  text: z.string().optional(),
  tool: z.object({ name: z.string(), id: z.string(), input: z.record(z.string(), z.unknown()) }).optional(),
  result: z.object({ toolUseId: z.string(), content: z.string(), isError: z.boolean() }).optional(),
  messageId: z.string().optional(),
  interrupted: z.boolean().optional(),
});

export const sessionRead = defineTool({
  name: 'session_read',
  title: 'Read the conversation',
  description:
    "Reads the agent's conversation from its transcript as turns: user prompts, assistant text, tool calls with input, tool results and errors. Page with cursor (pass nextCursor back; ids are stable), filter with roles, or take the last N. Reading consumes nothing.",
  input: z.object({
    id,
    cursor: str(L.shortChars).optional().describe('nextCursor from a previous read: continue after it'),
    limit: z.number().int().min(1).max(READ_LIMITS.maxLimit).default(READ_LIMITS.defaultLimit).describe('Turns per page'),
    roles: z.array(z.enum(TURN_ROLES)).max(L.listItems).optional().describe('Only these roles, e.g. ["assistant"]'),
    last: z.number().int().min(1).max(READ_LIMITS.maxLimit).optional().describe('Return the last N turns instead of the first page'),
  }),
  output: z.object({ turns: z.array(turnSchema), nextCursor: z.string().optional(), hasMore: z.boolean(), total: z.number(), transcriptPath: z.string() }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: {
    positional: ['id'],
    aliases: ['read'],
    render: ({ turns, total, hasMore, nextCursor }) =>
      renderTurns(turns, `${turns.length} of ${total} turns${hasMore && nextCursor ? ` (more: --cursor ${nextCursor})` : ''}`),
  },
  handler: async ({ app }, input) => {
    const s = app.sessions.resolve(input.id);
    const reader = readerFor(app, s);
    reader.refresh();
    const page = reader.read({ after: input.cursor, limit: input.limit, roles: input.roles, last: input.last });
    return { ...page, transcriptPath: reader.path };
  },
});

export const sessionPane = defineTool({
  name: 'session_pane',
  title: 'Show the screen',
  description:
    "The agent's screen as a person sees it, rendered by a terminal emulator at the pane's real size. raw=true adds the capture with escape sequences (colours).",
  input: z.object({ id, raw: z.boolean().default(false).describe('Also return the raw capture with escape sequences') }),
  output: z.object({ state, text: z.string(), raw: z.string().optional(), width: z.number(), height: z.number() }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['id'], aliases: ['pane'], render: (o) => o.raw ?? o.text },
  handler: async ({ app }, input) => {
    const svc = app.sessions;
    const { session: s, observer } = await svc.fresh(input.id);
    if (!observer)
      throw new AegisError('conflict', `session ${s.name} has ${s.state}; its pane is gone`, { field: 'id', fix: 'use session_read for what it did' });
    const raw = input.raw ? await svc.rawScreen(s) : undefined;
    return { state: s.state, text: observer.screen.lines().join('\n'), raw, width: observer.screen.cols, height: observer.screen.rows };
  },
});
