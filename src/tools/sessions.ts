import * as z from 'zod';
import { READ_LIMITS, TURN_ROLES, TranscriptReader, summarizeTranscript } from '../agents/claude/transcript.js';
import { SESSION_STATES, type SessionState } from '../agents/types.js';
import type { App } from '../app.js';
import { dialogLine, renderTurns } from '../render/session.js';
import { footer, onTerminal, renderDefault, table } from '../render/text.js';
import { AegisError, invalidInput } from '../errors.js';
import { renderMemoryBlock } from '../memory/render.js';
import { MEMORY_LIMITS } from '../memory/store.js';
import { AGENTS, PERMISSION_MODES } from '../agents/names.js';
import { profileOf } from '../agents/registry.js';
import type { SessionService, CreateOptions } from '../sessions/service.js';
import type { SessionRecord } from '../sessions/store.js';
import { mapBounded } from '../util/pool.js';
import { defineTool } from './define.js';
import { budgetSchema, dialogSchema, envSchema, gitRef, INPUT_LIMITS as L, str, usageSchema, worktreeSchema } from './schemas.js';
import { sessionUsage, spendView } from '../usage/budget.js';

const id = str(L.idChars).min(1).describe('Session id (or a unique 4+ character prefix), or its name');
const state = z.enum(SESSION_STATES);

const sessionSummary = z.object({
  id: z.string(),
  name: z.string(),
  agent: z.string(),
  state,
  stateSince: z.string(),
  lastActivity: z.string(),
  workDir: z.string(),
  worktree: worktreeSchema.optional(),
  usage: usageSchema.optional(),
  budget: z.object({ usd: z.number().optional(), tokens: z.number().optional(), usedPercent: z.number() }).optional(),
});

const iso = (ms: number) => new Date(ms).toISOString();
/** Usage from the agent's own records, and the budget's share used, when the agent keeps records. */
const spend = (app: App, s: SessionRecord) => spendView(sessionUsage(app.sessions, s), s.budget);

const brief = (s: SessionRecord) => ({
  id: s.id,
  name: s.name,
  agent: s.agent,
  state: s.state,
  stateSince: iso(s.stateSince),
  lastActivity: iso(s.lastActivity),
  workDir: s.workDir,
  worktree: s.worktree && { path: s.worktree.path, branch: s.worktree.branch, baseRef: s.worktree.baseRef },
});

/** session_create's fields. Their help is added once, below: a batch item repeats the types, not the help. */
const createFields = {
  workDir: str(L.pathChars).min(1),
  prompt: str(L.textChars).optional(),
  agent: z.enum(AGENTS).default('claude'),
  command: z.array(str(L.pathChars)).max(L.listItems).optional(),
  name: str(L.idChars).optional(),
  permissionMode: z.enum(PERMISSION_MODES).optional(),
  model: str(L.shortChars).optional(),
  env: envSchema.optional(),
  reuse: z.boolean().default(false),
  memoryKeys: z.array(str(MEMORY_LIMITS.keyChars)).max(L.listItems).optional(),
  worktree: z.boolean().optional(),
  branch: gitRef.optional(),
  baseRef: gitRef.optional(),
  budget: budgetSchema.optional(),
};

const createHelp: { [K in keyof typeof createFields]?: string } = {
  workDir: 'Absolute path of the folder the agent works in; it must exist',
  prompt: 'First instruction; delivered as one prompt as soon as the agent is ready',
  agent: 'claude (default), codex, gemini, shell, or custom (with command)',
  command: 'argv of the program to run when agent is "custom", e.g. ["aider","--yes"]',
  name: 'A readable unique name (letters, digits, . _ -); generated when omitted',
  permissionMode: 'Permission mode (default from config: every tool asks)',
  model: 'Model name passed to the agent (--model)',
  env: 'Extra environment variables for the agent process',
  reuse: 'Reuse an idle session of this agent in this workDir',
  memoryKeys: 'Memory keys whose values go before the prompt',
  worktree: "Run in a new git worktree of workDir's repository on its own branch (default: config sessions.worktree)",
  branch: 'With worktree: the new branch (default aegis/<name>)',
  baseRef: "With worktree: the branch or commit to start from (default: workDir's branch)",
};

const createInput = z.object(
  Object.fromEntries(
    Object.entries(createFields).map(([k, t]) => [k, createHelp[k as keyof typeof createFields] ? t.describe(createHelp[k as keyof typeof createFields]!) : t]),
  ) as typeof createFields,
);

const sendResult = z.object({
  status: z.enum(['delivered', 'queued', 'failed']),
  messageId: z.number(),
  position: z.number().optional(),
  error: z.string().optional(),
});

async function createOne(app: App, input: z.infer<typeof createInput>) {
  const svc = app.sessions;
  let preamble: string | undefined;
  try {
    preamble = input.memoryKeys?.length ? renderMemoryBlock(app.memory, input.memoryKeys, [`project:${input.workDir}`, 'global']) : undefined;
  } catch (err) {
    // A malformed key is reported against the field the caller filled in.
    if (err instanceof AegisError && err.code === 'invalid_input') throw invalidInput('memoryKeys', err.message, err.fix);
    throw err;
  }
  const opts: CreateOptions = { ...input, preamble };
  const r = await svc.create(opts);
  return {
    ...brief(r.session),
    reused: r.reused,
    prompt: r.message?.status ?? ('none' as const),
    transcriptPath: r.session.transcriptPath,
    attach: attachCommand(svc, r.session),
  };
}

/** The rules of an agent read by pane activity alone (it has no version-specific reader). */
function activityRules(agent: string): { version: string; exact: boolean; note: string } | undefined {
  const profile = profileOf(agent);
  const choice = profile.reader ? undefined : profile.rulesFor?.(undefined);
  return choice && { version: choice.rules, exact: choice.exact, note: choice.note };
}

const attachCommand = (svc: SessionService, s: SessionRecord) => `tmux -L ${svc.tmux.target.socket} attach -t ${s.tmuxWindow ?? s.name}`;

export const sessionCreate = defineTool({
  name: 'session_create',
  title: 'Start an agent session',
  description:
    'Starts a coding agent (Claude Code by default) in its own tmux pane in workDir; returns at once with the session id. A prompt is delivered as one prompt once the agent is ready. Then session_wait until it needs you (permission_prompt, asking) or is done (idle); session_read shows what it did. reuse=true sends the prompt to an idle session of the same agent in workDir instead.',
  input: createInput,
  output: sessionSummary.extend({
    reused: z.boolean(),
    prompt: z.enum(['delivered', 'queued', 'failed', 'none']),
    transcriptPath: z.string().optional(),
    attach: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['prompt'], aliases: ['create'] },
  handler: async ({ app }, input) => createOne(app, { ...input, workDir: input.workDir }),
});

/**
 * Sessions a batch starts at once: all of them. Their tmux commands share the control connection (no
 * fork each) and tmux makes windows one at a time anyway; each create's own steps are mostly waiting.
 */
const BATCH_CONCURRENCY = 50;

const sessionBatchCreate = defineTool({
  name: 'session_batch_create',
  title: 'Start several agent sessions',
  description:
    "Starts up to 50 sessions at once (each with session_create's fields), all in parallel. One that fails (bad workDir, name taken) is reported with its error; the others go on.",
  input: z.object({ sessions: z.array(z.object(createFields)).min(1).max(50).describe('Up to 50 inputs with the fields of session_create') }),
  output: z.object({
    results: z.array(
      z.object({
        ok: z.boolean(),
        index: z.number(),
        id: z.string().optional(),
        name: z.string().optional(),
        state: state.optional(),
        error: z.string().optional(),
      }),
    ),
    created: z.number(),
    failed: z.number(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ app }, { sessions }) => {
    // A name given twice in one batch would pass the taken-check twice while both panes start: the
    // later one is refused up front instead.
    const firstWithName = new Map<string, number>();
    sessions.forEach((s, i) => s.name !== undefined && !firstWithName.has(s.name) && firstWithName.set(s.name, i));
    const results = await mapBounded(sessions, BATCH_CONCURRENCY, async (input, index) => {
      if (input.name !== undefined && firstWithName.get(input.name) !== index) {
        return {
          ok: false,
          index,
          error: `name "${input.name}" is also given to sessions[${firstWithName.get(input.name)}] of this batch; fix: give each session its own name`,
        };
      }
      try {
        const r = await createOne(app, input);
        return { ok: true, index, id: r.id, name: r.name, state: r.state };
      } catch (err) {
        return { ok: false, index, error: (err as Error).message };
      }
    });
    return { results, created: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length };
  },
});

export const sessionList = defineTool({
  name: 'session_list',
  title: 'List agent sessions',
  description:
    'Lists sessions, newest first, with state and last activity. Filter by state, workDir or agent. Paginated: `total` counts every match and `nextOffset` is set while more remain (nothing is silently cut).',
  input: z.object({
    state: z.array(state).max(L.listItems).optional().describe('Only sessions in these states'),
    workDir: str(L.pathChars).optional().describe('Only sessions in this folder'),
    agent: z.enum(AGENTS).optional().describe('Only this agent'),
    limit: z.number().int().min(1).max(500).default(50).describe('Page size (max 500)'),
    offset: z.number().int().min(0).default(0).describe('Skip this many (from nextOffset)'),
  }),
  output: z.object({ sessions: z.array(sessionSummary), total: z.number(), nextOffset: z.number().optional() }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: {
    aliases: ['list'],
    render: ({ sessions, total, nextOffset }) =>
      `${renderTable(sessions)}${footer(`${sessions.length} of ${total}${nextOffset !== undefined ? ` (more: --offset ${nextOffset})` : ''}`)}`,
  },
  handler: async ({ app }, input) => {
    const svc = app.sessions;
    await svc.refreshLive();
    const { sessions, total } = svc.store.list({ states: input.state, workDir: input.workDir, agent: input.agent, limit: input.limit, offset: input.offset });
    const next = input.offset + sessions.length;
    return { sessions: sessions.map((s) => ({ ...brief(s), ...spend(app, s) })), total, nextOffset: next < total ? next : undefined };
  },
});

/** On a terminal ids are cut to 8 characters (a unique prefix works everywhere); a pipe gets them whole. */
function renderTable(rows: z.infer<typeof sessionSummary>[]): string {
  const shown = onTerminal() ? rows.map((r) => ({ ...r, id: r.id.slice(0, 8) })) : rows;
  const cells = shown.map((r) => ({
    ...r,
    branch: r.worktree?.branch ?? '',
    tokens: r.usage ? String(r.usage.totalTokens) : '',
    cost: r.usage ? `$${r.usage.costUsd.toFixed(4)}${r.budget ? ` (${r.budget.usedPercent}%)` : ''}` : '',
  }));
  return table(cells, ['id', 'name', 'agent', 'state', 'lastActivity', 'branch', 'tokens', 'cost', 'workDir'], '(no sessions)');
}

export const sessionGet = defineTool({
  name: 'session_get',
  title: 'Get one session',
  description:
    'Everything about one session, observed now: state and since when; the pending dialog (kind, question, numbered options, tool/command/file; detailsKnown=false while only the state is sure); queued messages; agent session id and version, and the screen rules reading it; transcript path, pane size, tmux attach command.',
  input: z.object({ id }),
  output: sessionSummary.extend({
    dialog: dialogSchema.optional(),
    lastAssistantMessage: z.string().optional(),
    inputText: z.string().optional(),
    queuedMessages: z.array(z.object({ id: z.number(), text: z.string(), status: z.string(), createdAt: z.string() })),
    agentSessionId: z.string().optional(),
    agentVersion: z.string().optional().describe("The running agent's version (its status file, else `claude --version` at launch), when known"),
    screenRules: z
      .object({ version: z.string(), exact: z.boolean(), note: z.string() })
      .optional()
      .describe(
        "The screen rule set reading this agent; exact false when it was not verified on the running version; version 'activity' for agents read by pane activity only",
      ),
    transcriptPath: z.string().optional(),
    pane: z.object({ id: z.string().optional(), width: z.number().optional(), height: z.number().optional() }),
    permissionMode: z.string(),
    model: z.string().optional(),
    exitStatus: z.number().optional(),
    error: z.string().optional(),
    stopReason: z.string().optional().describe('Why Aegis stopped it (idle timeout), when it did'),
    createdAt: z.string(),
    attach: z.string(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['id'], render: (o) => renderDefault({ ...o, dialog: o.dialog && dialogLine(o.dialog) }) },
  handler: async ({ app }, input) => {
    const svc = app.sessions;
    const { session: s, observer } = await svc.fresh(input.id);
    return {
      ...brief(s),
      ...spend(app, s),
      stopReason: s.stopReason,
      dialog: s.dialog,
      lastAssistantMessage: s.lastAssistant,
      inputText: observer?.last?.reading.inputText || undefined,
      queuedMessages: svc.store.queued(s.id).map((m) => ({ id: m.id, text: m.text, status: m.status, createdAt: iso(m.createdAt) })),
      agentSessionId: s.agentSessionId,
      agentVersion: observer?.last?.agentVersion ?? observer?.reader?.agentVersion,
      screenRules: observer?.reader
        ? { version: observer.reader.rules, exact: observer.reader.rulesExact, note: observer.reader.rulesNote }
        : activityRules(s.agent),
      transcriptPath: svc.transcriptPath(s),
      pane: { id: s.tmuxPane, width: observer?.screen.cols, height: observer?.screen.rows },
      permissionMode: s.permissionMode,
      model: s.model,
      exitStatus: s.exitStatus,
      error: s.error,
      createdAt: iso(s.createdAt),
      attach: attachCommand(svc, s),
    };
  },
});

export const sessionSend = defineTool({
  name: 'session_send',
  title: 'Send text to an agent',
  description:
    'Sends text as ONE prompt (multi-line stays one) and confirms it arrived; if the agent is busy or a dialog is open it is queued (persisted, in order) and delivered when ready (status delivered or queued). Pasted literally via a tmux buffer (no shell or tmux interpretation); control characters except tab and newline are removed, CRLF becomes LF. Dialogs: session_approve/session_reject; question pickers: session_answer.',
  input: z.object({ id, text: str(L.textChars).describe(`The message; multi-line allowed (at most ${L.textChars} bytes)`) }),
  output: sendResult,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['id', 'text'], aliases: ['send'] },
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

const sessionRead = defineTool({
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

const sessionPane = defineTool({
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
    const raw = input.raw ? await svc.tmux.capture(s.tmuxPane!, { escapes: true }) : undefined;
    return { state: s.state, text: observer.screen.lines().join('\n'), raw, width: observer.screen.cols, height: observer.screen.rows };
  },
});

export const sessionApprove = defineTool({
  name: 'session_approve',
  title: 'Approve a permission prompt',
  description:
    'Answers the open permission dialog (permission_prompt, or plan approval) with yes. scope "once" (default): the least-privilege yes; "always": the allow-for-the-session/project option, when offered. Returns once the dialog is gone from the screen (an ignored key is pressed again, bounded), with the state after and what was approved; errors when no dialog is open or it stays open.',
  input: z.object({ id, scope: z.enum(['once', 'always']).default('once').describe('once (default) or always') }),
  output: z.object({ state, approved: dialogSchema, chose: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['id'], aliases: ['approve'], render: (o) => renderDefault({ approved: dialogLine(o.approved), chose: o.chose, state: o.state }) },
  handler: async ({ app }, input) => {
    const r = await app.sessions.approve(input.id, input.scope);
    return { state: r.state, approved: r.dialog, chose: r.chose };
  },
});

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
  handler: async ({ app }, input) => {
    const r = await app.sessions.reject(input.id, input.reason);
    return { state: r.state, rejected: r.dialog, followUp: r.followUp };
  },
});

export const sessionAnswer = defineTool({
  name: 'session_answer',
  title: 'Answer a question',
  description:
    "Answers the agent's question. For a picker (state asking with a dialog): an option number (1, 2...), an option label (case-insensitive, unique prefix), or free text when the picker offers a 'Type something' option or says freeText (Gemini CLI's questions). For a plain-text question the agent ended its turn with: the answer is sent as the next message.",
  input: z.object({
    id,
    answer: z
      .union([z.number().int().min(1), str(L.textChars).min(1)])
      .describe('Option number, option label, or free text (typed into the picker: at most 8,000 bytes, line breaks become spaces)'),
  }),
  output: z.object({ state, answeredWith: z.string(), viaMessage: sendResult.optional() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['id', 'answer'], aliases: ['answer'] },
  handler: async ({ app }, input) => {
    const answer = typeof input.answer === 'string' && /^\d+$/.test(input.answer) ? Number(input.answer) : input.answer;
    return app.sessions.answer(input.id, answer);
  },
});

const controlOutput = z.object({
  state,
  inputText: z.string().describe('Text left in the input box (Claude Code puts an unanswered prompt back); cleared before the next send'),
});

const sessionInterrupt = defineTool({
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

const sessionEscape = defineTool({
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

const sessionWait = defineTool({
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
    return { id: s.id, ...r, dialog: app.sessions.store.get(s.id)?.dialog };
  },
});

const HINTS: Partial<Record<SessionState, string>> = {
  starting: 'The agent is launching; wait with session_wait.',
  idle: 'Finished its turn. Read the result with session_read, or send the next instruction with session_send.',
  working: 'Busy. Wait with session_wait; messages sent now are queued.',
  permission_prompt: 'Waiting for approval: see dialog in session_get, then session_approve or session_reject.',
  asking: 'Asked a question: answer with session_answer.',
  plan: 'Showing a plan: approve with session_approve or reject with feedback (session_reject with reason).',
  compacting: 'Compacting its context; wait.',
  rate_limited: 'Rate limited by the model API; wait, then resend with session_send.',
  error: 'The last turn ended in an error (see error); resend the instruction with session_send, or check the pane.',
  stalled: 'No progress on screen or in the transcript for a while: look at session_pane, then session_interrupt and send a narrower instruction.',
  exited: 'The agent exited; its transcript stays readable. Start a new session to continue.',
  dead: 'The pane is gone (killed outside Aegis?). Start a new session; the transcript stays readable.',
};

const sessionHealth = defineTool({
  name: 'session_health',
  title: 'Check a session',
  description:
    'Is the session alive, what state is it in and for how long, is it stalled (and how close to the stall threshold), plus concrete hints on what to do next.',
  input: z.object({ id }),
  output: z.object({
    id: z.string(),
    alive: z.boolean(),
    state,
    timeInStateMs: z.number(),
    lastActivityAgoMs: z.number(),
    stallThresholdMs: z.number(),
    stalled: z.boolean(),
    queuedMessages: z.number(),
    hints: z.array(z.string()),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['id'] },
  handler: async ({ app }, input) => {
    const svc = app.sessions;
    const { session: s, observer } = await svc.fresh(input.id);
    const now = Date.now();
    const queued = svc.store.queued(s.id).length;
    const hints = [HINTS[s.state] ?? ''];
    if (queued)
      hints.push(
        `${queued} message(s) queued; they go out as soon as the agent is ready${svc.watcherAlive() ? '' : ' (no long-lived Aegis process is running: `ag engine` delivers them)'}.`,
      );
    return {
      id: s.id,
      alive: !!observer && !['exited', 'dead'].includes(s.state),
      state: s.state,
      timeInStateMs: now - s.stateSince,
      lastActivityAgoMs: now - Math.max(s.lastActivity, observer?.last?.contentChangedAt ?? 0),
      stallThresholdMs: app.config.get('sessions.stallSeconds') * 1000,
      stalled: s.state === 'stalled',
      queuedMessages: queued,
      hints: hints.filter(Boolean),
    };
  },
});

const sessionSummaryTool = defineTool({
  name: 'session_summary',
  title: 'Summarize a session',
  description:
    'A short digest: its brief, what it did (tools used with counts; files written or edited, also by Bash redirection, tee, touch, cp/mv, sed -i), its last assistant message, and the open question or dialog.',
  input: z.object({ id }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    state,
    brief: z.string().optional(),
    title: z.string().optional(),
    tools: z.record(z.string(), z.number()),
    files: z.array(z.string()),
    lastAssistantMessage: z.string().optional(),
    openQuestion: z.string().optional(),
    turns: z.number(),
    errors: z.number(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['id'], aliases: ['summary'] },
  handler: async ({ app }, input) => {
    const { session: s } = await app.sessions.fresh(input.id);
    const path = app.sessions.transcriptPath(s);
    const summary = path
      ? (() => {
          const reader = app.sessions.transcript(s.id, path);
          reader.refresh();
          return summarizeTranscript(reader);
        })()
      : undefined;
    const openQuestion = s.dialog
      ? [s.dialog.question, ...s.dialog.options.map((o) => `${o.number}. ${o.label}`)].join('\n')
      : s.state === 'asking'
        ? s.lastAssistant
        : undefined;
    return {
      id: s.id,
      name: s.name,
      state: s.state,
      brief: summary?.brief ?? s.initialPrompt,
      title: summary?.title,
      tools: summary?.tools ?? {},
      files: summary?.files ?? [],
      lastAssistantMessage: summary?.lastAssistantMessage ?? s.lastAssistant,
      openQuestion,
      turns: summary?.turns ?? 0,
      errors: summary?.errors ?? 0,
    };
  },
});

export const sessionTools = [
  sessionCreate,
  sessionBatchCreate,
  sessionList,
  sessionGet,
  sessionSend,
  sessionRead,
  sessionPane,
  sessionApprove,
  sessionReject,
  sessionAnswer,
  sessionInterrupt,
  sessionEscape,
  sessionKill,
  sessionWait,
  sessionHealth,
  sessionSummaryTool,
];
