import * as z from 'zod';
import { MAX_TEXT_BYTES } from '../terminal/typed-text.js';

/** Shapes several areas' tools return, declared once so their outputs describe a thing the same way. */

/** A dialog the agent waits on (see Dialog in src/agents/types.ts). */
export const dialogSchema = z.object({
  kind: z.enum(['permission', 'question', 'plan', 'setup']),
  title: z.string().optional(),
  question: z.string(),
  options: z.array(
    z.object({
      number: z.number(),
      label: z.string(),
      selected: z.boolean(),
      checked: z.boolean().optional().describe('Ticked (multiSelect)'),
    }),
  ),
  tool: z.string().optional(),
  command: z.string().optional(),
  file: z.string().optional(),
  url: z.string().optional(),
  detailsKnown: z
    .boolean()
    .optional()
    .describe(
      'false: the screen does not show tool/command/file/url unambiguously for this Claude Code release; they arrive with the permission hook. Absent = known.',
    ),
  toolLabel: z.string().optional().describe('How the screen names the tool when that is not its name (Claude Code 2.1.33x MCP dialogs)'),
  freeText: z.boolean().optional().describe('The dialog also takes a typed answer (session_answer with text), even when its field is not drawn'),
  multiSelect: z.boolean().optional().describe('Several may be chosen: session_answer "1,3"'),
  moreOptions: z.boolean().optional().describe('The list has entries not drawn; name them by number (their labels show once picked)'),
  questions: z
    .object({ count: z.number(), answered: z.number(), review: z.boolean() })
    .optional()
    .describe('One of several questions, answered in turn; on the review page session_answer "submit" sends them'),
});

/**
 * The maximum of every kind of string and list a tool takes, checked by its input schema before the
 * handler runs (and shown to hosts as maxLength / maxItems), so an oversized value gets an error that
 * names its field instead of reaching the database, tmux or an error message whole.
 */
export const INPUT_LIMITS = {
  /** A session or pipeline id (a UUID, 36) or name (sessions: 64 characters). */
  idChars: 64,
  /** A file or folder path (Linux PATH_MAX). */
  pathChars: 4096,
  /** Text typed into an agent or sent on a channel (also at most MAX_TEXT_BYTES bytes in UTF-8). */
  textChars: MAX_TEXT_BYTES,
  /** Short labels: a model, a kind, a cursor, a search query, a sender id. */
  shortChars: 256,
  /** A chat id, phone number, channel id or URL a message goes to. */
  addressChars: 2048,
  /** Items of a list of ids, keys or states; elements of a command line. */
  listItems: 256,
  /** Entries of an `env` object, and the length of each name and value. */
  envEntries: 100,
  envNameChars: 256,
  envValueChars: 32 * 1024,
  /** JSONL given inline to kg_import; bigger graphs go through a file path. */
  inlineJsonlChars: 4 * 1024 * 1024,
} as const;

/** A string of at most `max` characters. */
export const str = (max: number) => z.string().max(max);

/** A session's or stage's extra environment: bounded in entries, names and values. */
export const envSchema = z
  .record(z.string().min(1).max(INPUT_LIMITS.envNameChars), z.string().max(INPUT_LIMITS.envValueChars))
  .refine((env) => Object.keys(env).length <= INPUT_LIMITS.envEntries, { message: `at most ${INPUT_LIMITS.envEntries} variables` })
  .meta({ maxProperties: INPUT_LIMITS.envEntries });

/** A git branch or commit name: no leading "-" (git would read an option); git checks the rest. */
export const gitRef = str(INPUT_LIMITS.shortChars)
  .min(1)
  .regex(/^[^-\s][^\s]*$/, 'a branch or commit name without spaces or a leading "-"');

/** A session's git worktree as tools show it. */
export const worktreeSchema = z.object({ path: z.string(), branch: z.string(), baseRef: z.string() });

/** A spending limit; a notice at 80 %, the agent interrupted at 100 %. */
export const budgetSchema = z
  .object({
    usd: z.number().positive().max(1_000_000).optional().describe('Estimated US dollars'),
    tokens: z.number().int().positive().max(1e12).optional().describe('Input + output + cache tokens'),
  })
  .strict()
  .refine((b) => b.usd !== undefined || b.tokens !== undefined, { message: 'give usd, tokens or both' })
  .describe('Budget: notice at 80 %, interrupt at 100 %');

/** Tokens and estimated cost from the agent's own records (src/usage). */
export const usageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheCreationTokens: z.number(),
  cacheReadTokens: z.number(),
  totalTokens: z.number(),
  costUsd: z.number().describe('Estimate from list prices'),
  unpricedModels: z.array(z.string()),
});
