/** Looking at sessions: session_list, session_get, session_health and session_summary. */
import * as z from 'zod';
import { summarizeTranscript } from '../../agents/claude/transcript.js';
import { profileOf } from '../../agents/registry.js';
import type { SessionState } from '../../agents/types.js';
import { AGENTS } from '../../agents/names.js';
import { dialogLine } from '../../render/session.js';
import { footer, onTerminal, renderDefault, table } from '../../render/text.js';
import { defineTool } from '../define.js';
import { dialogSchema, INPUT_LIMITS as L, str } from '../schemas.js';
import { brief, id, iso, sessionSummary, spend, state } from './shared.js';

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
    const { sessions, total } = svc.list({ states: input.state, workDir: input.workDir, agent: input.agent, limit: input.limit, offset: input.offset });
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

/** The rules of an agent read by pane activity alone (it has no version-specific reader). */
function activityRules(agent: string): { version: string; exact: boolean; note: string } | undefined {
  const profile = profileOf(agent);
  const choice = profile.reader ? undefined : profile.rulesFor?.(undefined);
  return choice && { version: choice.rules, exact: choice.exact, note: choice.note };
}

export const sessionGet = defineTool({
  name: 'session_get',
  title: 'Get one session',
  description:
    'Everything about one session, observed now: state and since when; the pending dialog (kind, question, numbered options, tool/command/file; detailsKnown=false while only the state is sure); queued messages (failed: never delivered); agent session id and version, and the screen rules reading it; transcript path, pane size, tmux attach command.',
  input: z.object({ id }),
  output: sessionSummary.extend({
    dialog: dialogSchema.optional(),
    lastAssistantMessage: z.string().optional(),
    inputText: z.string().optional(),
    queuedMessages: z.array(z.object({ id: z.number(), text: z.string(), status: z.string(), createdAt: z.string() })),
    agentSessionId: z.string().optional(),
    agentVersion: z.string().optional().describe("The agent's version (its status file, else its `--version` when first seen), when known"),
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
      queuedMessages: [...svc.undelivered(s.id), ...svc.queued(s.id)]
        .sort((a, b) => a.id - b.id)
        .map((m) => ({ id: m.id, text: m.text, status: m.status, createdAt: iso(m.createdAt) })),
      agentSessionId: s.agentSessionId,
      agentVersion: observer?.last?.agentVersion ?? observer?.reader?.agentVersion ?? s.agentVersion,
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
      attach: svc.attachCommand(s),
    };
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

export const sessionHealth = defineTool({
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
    const queued = svc.queued(s.id).length;
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

export const sessionSummaryTool = defineTool({
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
