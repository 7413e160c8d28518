import * as z from 'zod';
import { SESSION_STATES } from '../agents/types.js';
import { renderPipeline, ON_FAILURE, PIPELINE_LIMITS, PIPELINE_STATUSES, STAGE_STATUSES, type AttemptRow, type PipelineView } from '../pipelines/index.js';
import { NAMED_AGENTS, PERMISSION_MODES } from '../agents/names.js';
import { budgetSchema, dialogSchema as dialog, envSchema, INPUT_LIMITS as L, str, usageSchema } from './schemas.js';
import type { App } from '../app.js';
import { spendView } from '../usage/index.js';
import { defineTool } from './define.js';

const id = str(L.idChars).min(1).describe('Pipeline id (a unique prefix of 4+ characters works), or its name (the newest pipeline of that name)');
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

const stageInput = z.object({
  name: str(PIPELINE_LIMITS.nameChars).describe(
    `Unique stage name: letters, digits, _ or - (at most ${PIPELINE_LIMITS.nameChars}); other stages refer to it in dependsOn and {{stages.<name>.output}}`,
  ),
  prompt: str(L.textChars).describe(
    "What the agent of this stage should do, sent as one prompt when the stage starts. May use {{stages.<dep>.output}} (a dependency's final message), {{stages.<dep>.files}} (files it wrote, one per line) and {{memory.<key>}} (a memory value)",
  ),
  agent: z
    .enum(NAMED_AGENTS)
    .optional()
    .describe(`The agent this stage runs in: ${NAMED_AGENTS.join(', ')} (default claude); stages of one pipeline may use different agents`),
  workDir: str(L.pathChars).optional().describe("Folder for this stage's agent (absolute, or relative to the pipeline's workDir); default the pipeline's"),
  dependsOn: z
    .array(str(PIPELINE_LIMITS.nameChars))
    .max(PIPELINE_LIMITS.stages)
    .optional()
    .describe('Stages that must be done before this one starts; stages without dependencies between them run in parallel'),
  permissionMode: z
    .enum(PERMISSION_MODES)
    .optional()
    .describe('Claude Code permission mode; in "default" permission dialogs wait for an answer (session_approve / session_reject on the stage session)'),
  timeoutSec: z
    .number()
    .int()
    .optional()
    .describe(`Seconds one attempt may take, time waiting for approvals included (default ${PIPELINE_LIMITS.defaultTimeoutSec})`),
  retries: z.number().int().optional().describe(`Extra attempts after a failure, each in a fresh session (0-${PIPELINE_LIMITS.retriesMax}, default 0)`),
  model: str(L.shortChars).optional().describe('Model passed to the agent (--model)'),
  worktree: z.boolean().optional().describe('Run in its own git worktree and branch'),
  baseRef: str(L.shortChars).optional().describe('With worktree: branch or commit to start from, or {{stages.<dep>.branch}}'),
});

const createInput = z.object({
  name: str(PIPELINE_LIMITS.nameChars).describe(
    `Pipeline name: letters, digits, _ or - (at most ${PIPELINE_LIMITS.nameChars}); stage sessions are named <name>-<stage>-<attempt>`,
  ),
  workDir: str(L.pathChars).describe('Absolute path of the project folder the stages work in'),
  stages: z
    .array(stageInput)
    .max(PIPELINE_LIMITS.stages)
    .describe(
      `The stages (1-${PIPELINE_LIMITS.stages}), e.g. [{"name":"plan","prompt":"..."},{"name":"build","prompt":"Implement: {{stages.plan.output}}","dependsOn":["plan"]}]`,
    ),
  onFailure: z
    .enum(ON_FAILURE)
    .optional()
    .describe(
      'When a stage fails for good: "stop" (default) cancels stages not started yet; "continue" runs every stage that does not depend on the failed one (those that do are skipped)',
    ),
  maxConcurrent: z.number().int().optional().describe('Stages running at once (default: config pipelines.maxConcurrent)'),
  env: envSchema.optional().describe("Extra environment variables for every stage's agent (never shown back)"),
  budget: budgetSchema.optional(),
});

const attemptOutput = z.object({
  attempt: z.number(),
  status: z.enum(['starting', 'running', 'done', 'failed', 'cancelled']),
  sessionId: z.string().optional(),
  sessionName: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
});

const stageOutput = z.object({
  name: z.string(),
  status: z.enum(STAGE_STATUSES),
  dependsOn: z.array(z.string()),
  agent: z.string().describe('The agent the stage runs in'),
  model: z.string().optional().describe('The model the stage asked its agent for, when set'),
  attempts: z.number().describe('Attempts started so far'),
  maxAttempts: z.number(),
  sessionId: z.string().optional().describe('Session of the current (or last) attempt: use it with session_get, session_approve, session_read'),
  sessionName: z.string().optional(),
  sessionState: z.enum(SESSION_STATES).optional().describe('While running: the state of its session (e.g. permission_prompt)'),
  dialog: dialog.optional().describe('While running: the dialog its session waits on'),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
  output: z.string().optional().describe("When done: the agent's final message"),
  files: z.array(z.string()).describe('When done: files the agent wrote or edited (from its transcript)'),
  error: z.string().optional(),
  history: z.array(attemptOutput),
});

const pipelineOutput = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(PIPELINE_STATUSES),
  workDir: z.string(),
  onFailure: z.enum(ON_FAILURE),
  maxConcurrent: z.number(),
  done: z.number().describe('Stages done'),
  total: z.number(),
  progress: z.string().describe('"n/m" stages done'),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
  error: z.string().optional(),
  stages: z.array(stageOutput),
  usage: usageSchema.optional().describe("Summed over every stage session's usage"),
  budget: z.object({ usd: z.number().optional(), tokens: z.number().optional(), usedPercent: z.number() }).optional(),
});

/** A pipeline with its usage summed over its sessions and its budget's share used. */
const withSpend = (app: App, v: PipelineView) => ({ ...pipelineOut(v), ...spendView(app.pipelines.usage(v.id), v.spec.budget) });

const attemptOut = (a: AttemptRow) => ({
  attempt: a.attempt,
  status: a.status,
  sessionId: a.sessionId,
  sessionName: a.sessionName,
  startedAt: iso(a.createdAt)!,
  finishedAt: iso(a.finishedAt),
  error: a.error,
});

/** The tool-facing shape of a pipeline (ISO times, no env); the CLI renders the same shape. */
export function pipelineOut(v: PipelineView, now = Date.now()): z.infer<typeof pipelineOutput> {
  return {
    id: v.id,
    name: v.name,
    status: v.status,
    workDir: v.workDir,
    onFailure: v.onFailure,
    maxConcurrent: v.maxConcurrent,
    done: v.done,
    total: v.total,
    progress: `${v.done}/${v.total}`,
    createdAt: iso(v.createdAt)!,
    finishedAt: iso(v.finishedAt),
    durationMs: (v.finishedAt ?? now) - v.createdAt,
    error: v.error,
    stages: v.stages.map((s) => ({
      name: s.name,
      status: s.status,
      dependsOn: s.spec.dependsOn,
      agent: s.spec.agent,
      model: s.spec.model,
      attempts: s.attempts,
      maxAttempts: s.maxAttempts,
      sessionId: s.sessionId,
      sessionName: s.sessionName,
      sessionState: s.sessionState,
      dialog: s.dialog,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      durationMs: s.startedAt === undefined ? undefined : (s.finishedAt ?? now) - s.startedAt,
      output: s.output,
      files: s.files,
      error: s.error,
      history: s.history.map(attemptOut),
    })),
  };
}

export const pipelineCreate = defineTool({
  name: 'pipeline_create',
  title: 'Start a pipeline of agents',
  description:
    'Starts a pipeline: a DAG of agent sessions, e.g. plan → implement → (test, docs in parallel) → review. Each stage runs its prompt in a fresh session once all its dependsOn stages are done, and is done when its agent finished the turn; its final message is its output, usable by later stages as {{stages.<name>.output}}. The definition is checked first (unknown or cyclic dependencies, duplicate names, empty prompts, references to stages that are not dependencies or to unset memory keys: one error naming the stage). Returns at once with the id; follow it with pipeline_wait or pipeline_get. State is kept in SQLite: the pipeline survives a restart of the server.',
  input: createInput,
  output: pipelineOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { render: renderPipeline, cwdDefault: 'workDir' },
  handler: async ({ app }, input) => pipelineOut(app.pipelines.create(input)),
});

export const pipelineList = defineTool({
  name: 'pipeline_list',
  title: 'List pipelines',
  description:
    'Lists pipelines, newest first, with status and progress (n of m stages done). Finished pipelines stay listed. Paginated: total counts every match, nextOffset is set while more remain.',
  input: z.object({
    status: z.array(z.enum(PIPELINE_STATUSES)).max(L.listItems).optional().describe('Only pipelines in these statuses'),
    limit: z.number().int().min(1).max(500).default(50).describe('Page size (max 500)'),
    offset: z.number().int().min(0).default(0).describe('Skip this many (from nextOffset)'),
  }),
  output: z.object({
    pipelines: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        status: z.enum(PIPELINE_STATUSES),
        progress: z.string(),
        done: z.number(),
        total: z.number(),
        createdAt: z.string(),
        finishedAt: z.string().optional(),
        error: z.string().optional(),
      }),
    ),
    total: z.number(),
    nextOffset: z.number().optional(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ app }, input) => {
    const { pipelines, total } = app.pipelines.list({ statuses: input.status, limit: input.limit, offset: input.offset });
    const next = input.offset + pipelines.length;
    return {
      pipelines: pipelines.map((p) => ({
        id: p.id,
        name: p.name,
        status: p.status,
        progress: `${p.done}/${p.total}`,
        done: p.done,
        total: p.total,
        createdAt: iso(p.createdAt)!,
        finishedAt: iso(p.finishedAt),
        error: p.error,
      })),
      total,
      nextOffset: next < total ? next : undefined,
    };
  },
});

export const pipelineGet = defineTool({
  name: 'pipeline_get',
  title: 'Get a pipeline',
  description:
    "Everything about one pipeline: its status, and per stage the status (pending, running, done, failed, skipped, cancelled), the session of its current or last attempt, attempts, timings, output and files, the error of a failed attempt. A running stage shows its session's state and, when it waits for a permission or a question, the dialog: answer it with session_approve / session_reject / session_answer on that session.",
  input: z.object({ id }),
  output: pipelineOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['id'], render: renderPipeline },
  handler: async ({ app }, input) => withSpend(app, app.pipelines.view(input.id)),
});

export const pipelineWait = defineTool({
  name: 'pipeline_wait',
  title: 'Wait for a pipeline',
  description:
    'Blocks until the pipeline finishes (done, failed or cancelled) or the timeout (default 30 s, max 50 s: MCP hosts drop calls after about 60 s), sending progress notifications as stages finish. Returns the pipeline as pipeline_get does, with finished=false on timeout: just call it again. While waiting, a stage may need you: check stages[].dialog.',
  input: z.object({ id, timeoutSeconds: z.number().min(0).max(50).default(30).describe('Give up after this many seconds (max 50)') }),
  output: pipelineOutput.extend({ finished: z.boolean(), waitedMs: z.number() }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['id'], render: renderPipeline },
  handler: async ({ app, signal, progress }, input) => {
    const r = await app.pipelines.wait(input.id, input.timeoutSeconds * 1000, signal, (done, total, message) => progress(done, total, message));
    return { ...withSpend(app, r.view), finished: r.finished, waitedMs: r.waitedMs };
  },
});

export const pipelineCancel = defineTool({
  name: 'pipeline_cancel',
  title: 'Cancel a pipeline',
  description:
    'Stops a running pipeline: running stages have their sessions killed (transcripts stay readable) and are marked cancelled, stages not started are marked cancelled. Fails when the pipeline has already finished.',
  input: z.object({ id }),
  output: pipelineOutput.extend({ cancelledStages: z.array(z.string()), killedSessions: z.array(z.string()) }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['id'], render: (o) => `${renderPipeline(o)}\ncancelled: ${o.cancelledStages.join(', ') || '(none)'}` },
  handler: async ({ app }, input) => {
    const r = await app.pipelines.cancel(input.id);
    return { ...pipelineOut(r.view), cancelledStages: r.cancelledStages, killedSessions: r.killedSessions };
  },
});

export const pipelineTools = [pipelineCreate, pipelineList, pipelineGet, pipelineWait, pipelineCancel];
