/** Starting sessions: session_create and session_batch_create. */
import * as z from 'zod';
import { AGENTS, PERMISSION_MODES } from '../../agents/names.js';
import { AegisError, invalidInput } from '../../errors.js';
import type { App } from '../../app.js';
import { renderMemoryBlock, MEMORY_LIMITS } from '../../memory/index.js';
import type { CreateOptions } from '../../sessions/index.js';
import { mapBounded } from '../../util/pool.js';
import { defineTool } from '../define.js';
import { budgetSchema, envSchema, gitRef, INPUT_LIMITS as L, str } from '../schemas.js';
import { brief, sessionSummary, state } from './shared.js';

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
  agent: 'custom: runs command',
  command: 'argv of the program to run when agent is "custom", e.g. ["aider","--yes"]',
  name: 'Unique name (letters, digits, . _ -); generated when omitted',
  permissionMode: 'Default from config: every tool asks',
  model: 'Passed to the agent as --model',
  env: 'Extra environment variables for the agent',
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
    attach: svc.attachCommand(r.session),
  };
}

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
  cli: { positional: ['prompt'], aliases: ['create'], cwdDefault: 'workDir' },
  handler: async ({ app }, input) => createOne(app, { ...input, workDir: input.workDir }),
});

/**
 * Sessions a batch starts at once: all of them. Their tmux commands share the control connection (no
 * fork each) and tmux makes windows one at a time anyway; each create's own steps are mostly waiting.
 */
const BATCH_CONCURRENCY = 50;

export const sessionBatchCreate = defineTool({
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
