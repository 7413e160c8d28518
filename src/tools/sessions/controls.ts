/** Steering a running session: session_interrupt, session_escape, session_kill and session_wait. */
import * as z from 'zod';
import type { SessionState } from '../../agents/types.js';
import { dialogLine } from '../../render/session.js';
import { renderDefault } from '../../render/text.js';
import { defineTool } from '../define.js';
import { dialogSchema, INPUT_LIMITS as L } from '../schemas.js';
import { brief, id, sessionSummary, state } from './shared.js';

const controlOutput = z.object({
  state,
  inputText: z.string().describe('Text left in the input box (Claude Code puts an unanswered prompt back); cleared before the next send'),
});

export const sessionInterrupt = defineTool({
  name: 'session_interrupt',
  title: 'Interrupt the current turn',
  description:
    'Sends Ctrl-C to stop what the agent is doing, and returns the state it settles in. If the agent had not answered yet, Claude Code puts the prompt back into its input box (inputText); Aegis clears it before the next send.',
  input: z.object({ id }),
  output: controlOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['id'], aliases: ['interrupt'] },
  handler: async ({ app }, input) => app.sessions.interrupt(input.id, 'interrupt'),
});

export const sessionEscape = defineTool({
  name: 'session_escape',
  title: 'Press Escape',
  description: 'Sends Escape: interrupts a working Claude Code turn or cancels a dialog. Returns the state it settles in and any text left in the input box.',
  input: z.object({ id }),
  output: controlOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['id'] },
  handler: async ({ app }, input) => app.sessions.interrupt(input.id, 'escape'),
});

export const sessionKill = defineTool({
  name: 'session_kill',
  title: 'Stop a session',
  description:
    'Stops the agent and every process it started (running tools included), removes its pane, and marks it exited. The record and transcript stay readable (session_get, session_read). Queued messages are dropped. A worktree is kept (worktree_prune removes clean ones); worktreeState says what it holds.',
  input: z.object({ id }),
  output: sessionSummary.extend({
    killedProcesses: z.number(),
    worktreeState: z.object({ exists: z.boolean(), uncommitted: z.array(z.string()), unmergedCommits: z.number() }).optional(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  cli: { positional: ['id'], aliases: ['kill'] },
  handler: async ({ app }, input) => {
    const r = await app.sessions.kill(input.id);
    return { ...brief(r.session), killedProcesses: r.killedProcesses, worktreeState: r.worktree };
  },
});

const DEFAULT_WAIT_STATES: SessionState[] = ['idle', 'asking', 'permission_prompt', 'plan', 'error', 'rate_limited', 'stalled', 'exited', 'dead'];

export const sessionWait = defineTool({
  name: 'session_wait',
  title: 'Wait for a session',
  description:
    'Blocks until the session reaches one of `states` (default: every state that needs you or ends it) or the timeout (default 30 s, max 50; on matched=false call again). A ready state counts only once nothing is queued, so a wait right after session_create returns after the brief was answered. Sends progress notifications.',
  input: z.object({
    id,
    states: z.array(state).min(1).max(L.listItems).default(DEFAULT_WAIT_STATES).describe('States to wait for'),
    timeoutSeconds: z.number().min(0).max(50).default(30).describe('Give up after this many seconds (max 50)'),
  }),
  output: z.object({ id: z.string(), state, matched: z.boolean(), waitedMs: z.number(), dialog: dialogSchema.optional() }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['id'], aliases: ['wait'], render: (o) => renderDefault({ ...o, dialog: o.dialog && dialogLine(o.dialog) }) },
  handler: async ({ app, signal, progress }, input) => {
    const s = app.sessions.resolve(input.id);
    const timeoutMs = input.timeoutSeconds * 1000;
    const r = await app.sessions.wait(s.id, input.states, timeoutMs, signal, (elapsed, st) => progress(elapsed, timeoutMs, `still ${st}`));
    return { id: s.id, ...r, dialog: app.sessions.dialog(s.id) };
  },
});
