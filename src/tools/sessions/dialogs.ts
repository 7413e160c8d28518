/** Answering what the agent shows: session_approve, session_reject and session_answer. */
import * as z from 'zod';
import { PROFILES } from '../../agents/registry.js';
import { FOLDER_TRUST, type Dialog } from '../../agents/types.js';
import { dialogLine } from '../../render/session.js';
import { renderDefault } from '../../render/text.js';
import { defineTool } from '../define.js';
import { dialogSchema, INPUT_LIMITS as L, str } from '../schemas.js';
import { id, sendResult, state } from './shared.js';

export const sessionApprove = defineTool({
  name: 'session_approve',
  title: 'Approve a permission prompt',
  description:
    'Answers the open permission dialog (permission_prompt, or plan approval) with yes. scope "once" (default): the least-privilege yes; "always": the allow-for-the-session/project option, when offered. Returns once the dialog is gone from the screen (an ignored key is pressed again, bounded), with the state after and what was approved; errors when no dialog is open or it stays open.',
  input: z.object({ id, scope: z.enum(['once', 'always']).default('once').describe('once (default) or always') }),
  output: z.object({ state, approved: dialogSchema, chose: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: {
    positional: ['id'],
    aliases: ['approve'],
    render: (o) => renderDefault({ approved: dialogLine(o.approved), chose: o.chose, state: o.state, remembered: trustRemembered(o.approved) }),
  },
  handler: async ({ app, expectDialog }, input) => {
    const r = await app.sessions.approve(input.id, input.scope, expectDialog);
    return { state: r.state, approved: r.dialog, chose: r.chose };
  },
});

/**
 * Approving a folder-trust dialog trusts the folder (sessions/trusted-folders.ts) beyond this session;
 * a person at a terminal is told so, with the way back (an MCP caller's answer stays as it is).
 */
function trustRemembered(approved: Dialog): string | undefined {
  if (approved.kind !== 'setup' || approved.title !== FOLDER_TRUST) return undefined;
  // Which agent answered is not in the result: what any agent says of trust applied late is added.
  const later = Object.values(PROFILES).flatMap((p) => p.trustAppliesLater ?? []);
  return [
    `later Codex and Gemini sessions in this folder start trusted (ag trust list); ag trust forget ${approved.file ?? '<folder>'} undoes it.`,
    ...later,
  ].join(' ');
}

export const sessionReject = defineTool({
  name: 'session_reject',
  title: 'Reject a permission prompt',
  description:
    'Answers the open permission dialog with no, once the dialog is gone from the screen. An optional reason is then sent to the agent as the next message (it is told what to do instead). Fails with a clear error when no dialog is open or it stays open (timeout).',
  input: z.object({ id, reason: str(L.textChars).optional().describe('What the agent should do instead; sent as the follow-up message') }),
  output: z.object({ state, rejected: dialogSchema, followUp: sendResult.optional() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: {
    positional: ['id', 'reason'],
    aliases: ['reject'],
    render: (o) => renderDefault({ rejected: dialogLine(o.rejected), state: o.state, followUp: o.followUp }),
  },
  handler: async ({ app, expectDialog }, input) => {
    const r = await app.sessions.reject(input.id, input.reason, expectDialog);
    return { state: r.state, rejected: r.dialog, followUp: r.followUp };
  },
});

export const sessionAnswer = defineTool({
  name: 'session_answer',
  title: 'Answer a question',
  description:
    "Answers the agent's question. A picker (state asking with a dialog) takes an option number or label (case-insensitive, unique prefix), or free text when it offers 'Type something' or says freeText; multiSelect: the options to tick, comma-separated (1,3); the review page of several questions: submit. A plain-text question the agent ended its turn with: the answer goes as the next message.",
  input: z.object({
    id,
    answer: z
      .union([z.number().int().min(1), str(L.textChars).min(1)])
      .describe('Option number, option label, or free text (typed into the picker: at most 8,000 bytes, line breaks become spaces)'),
  }),
  output: z.object({ state, answeredWith: z.string(), viaMessage: sendResult.optional() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['id', 'answer'], aliases: ['answer'] },
  handler: async ({ app, expectDialog }, input) => {
    const answer = typeof input.answer === 'string' && /^\d+$/.test(input.answer) ? Number(input.answer) : input.answer;
    return app.sessions.answer(input.id, answer, expectDialog);
  },
});
