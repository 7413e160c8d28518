import * as z from 'zod';
import { checkKey, normalizeScope, MEMORY_LIMITS } from '../memory/index.js';
import { defineTool } from './define.js';
import { INPUT_LIMITS as L, str } from './schemas.js';

const scopeField = str(L.pathChars + 16)
  .default('global')
  .describe('Where the entry lives: "global" (everyone), "project:<absolute work dir>" (one project) or "session:<session id>" (one session). Default global.');
const keyField = str(MEMORY_LIMITS.keyChars).describe('namespace/key, e.g. "deploy/staging-url" (no spaces)');
const timestamps = {
  updatedAt: z.string().describe('ISO time of the last write'),
  expiresAt: z.string().nullable().describe('ISO time the entry expires, or null if it never does'),
};

const memorySet = defineTool({
  name: 'memory_set',
  title: 'Remember a value',
  description: `Stores a small value under a key for other agents, sessions and people; overwrites the key in that scope (bigger than ${MEMORY_LIMITS.valueBytes} bytes: write a file, store its path). Returns created (new) or not.`,
  input: z.object({
    key: keyField,
    value: z.json().describe(`A string or any JSON value, at most ${MEMORY_LIMITS.valueBytes} bytes serialized`),
    ttlSeconds: z.number().int().optional().describe('Seconds until it expires; omitted: kept until deleted'),
    scope: scopeField,
  }),
  output: z.object({
    key: z.string(),
    scope: z.string(),
    created: z.boolean().describe('true if the key was new, false if an existing value was replaced'),
    createdAt: z.string(),
    ...timestamps,
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['key', 'value'] },
  handler: async ({ app }, input) => {
    const { key, scope, created, createdAt, updatedAt, expiresAt } = app.memory.set({
      key: input.key,
      value: input.value,
      scope: input.scope,
      ttlSeconds: input.ttlSeconds,
    });
    return { key, scope, created, createdAt, updatedAt, expiresAt };
  },
});

const memoryGet = defineTool({
  name: 'memory_get',
  title: 'Recall a value',
  description:
    'Reads the value stored under a key in a scope. Returns found=false (not an error) when the key is not set or has expired. Use memory_list to see which keys exist and memory_search when you do not know the key.',
  input: z.object({ key: keyField, scope: scopeField }),
  output: z.object({
    found: z.boolean(),
    key: z.string(),
    scope: z.string(),
    value: z.json().optional().describe('The stored string or JSON value, when found'),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
    expiresAt: z.string().nullable().optional(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: {
    positional: ['key'],
    render: (out) => (out.found ? (typeof out.value === 'string' ? out.value : JSON.stringify(out.value, null, 2)) : `${out.key} is not set in ${out.scope}`),
  },
  handler: async ({ app }, input) => {
    const entry = app.memory.get(input.key, input.scope);
    return entry ? { found: true, ...entry } : { found: false, key: checkKey(input.key), scope: normalizeScope(input.scope) };
  },
});

const memoryDelete = defineTool({
  name: 'memory_delete',
  title: 'Forget a value',
  description: 'Deletes the entry under a key in a scope. Returns deleted=false (not an error) when there was nothing to delete.',
  input: z.object({ key: keyField, scope: scopeField }),
  output: z.object({ deleted: z.boolean(), key: z.string(), scope: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['key'] },
  handler: async ({ app }, input) => ({ deleted: app.memory.delete(input.key, input.scope), key: checkKey(input.key), scope: normalizeScope(input.scope) }),
});

const memoryList = defineTool({
  name: 'memory_list',
  title: 'List remembered keys',
  description:
    'Lists the keys in a scope that start with a prefix (e.g. "deploy/"), in key order, a page at a time, with their values if asked. Pass nextCursor back as cursor for the next page. `total` counts every matching key.',
  input: z.object({
    prefix: str(MEMORY_LIMITS.keyChars).default('').describe('Only keys starting with this, e.g. "deploy/". Empty lists every key.'),
    scope: scopeField,
    values: z.boolean().default(false).describe('Include each value (default: keys only)'),
    limit: z.number().int().min(1).max(MEMORY_LIMITS.listPageMax).default(50).describe(`Keys per page, 1-${MEMORY_LIMITS.listPageMax}`),
    cursor: str(L.shortChars).optional().describe('nextCursor from the previous page'),
  }),
  output: z.object({
    scope: z.string(),
    entries: z.array(z.object({ key: z.string(), ...timestamps, value: z.json().optional() })),
    total: z.number(),
    nextCursor: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['prefix'] },
  handler: async ({ app }, input) => ({
    scope: normalizeScope(input.scope),
    ...app.memory.list({ scope: input.scope, prefix: input.prefix, withValues: input.values, limit: input.limit, cursor: input.cursor }),
  }),
});

const memorySearch = defineTool({
  name: 'memory_search',
  title: 'Search memory',
  description:
    'Full-text search over memory keys and values, best match first. Every word must appear (in the key or the value, any order); end a word with * for a prefix ("stag*"). Searches every scope unless scope is given. Each result shows the value whole if short, else a snippet; read it whole with memory_get.',
  input: z.object({
    query: str(L.shortChars).describe('Words to find, e.g. "staging url" or "deploy*"'),
    scope: str(L.pathChars + 16)
      .optional()
      .describe('Only this scope ("global", "project:<absolute path>", "session:<id>"); omit to search all'),
    limit: z.number().int().min(1).max(MEMORY_LIMITS.searchMax).default(20).describe(`Results at most, 1-${MEMORY_LIMITS.searchMax}`),
  }),
  output: z.object({
    results: z.array(
      z.object({
        key: z.string(),
        scope: z.string(),
        preview: z.string(),
        truncated: z.boolean().describe('true when preview is a snippet of a longer value'),
        score: z.number().describe('relevance, higher is better'),
        updatedAt: z.string(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['query'] },
  handler: async ({ app }, input) => ({ results: app.memory.search(input) }),
});

export const memoryTools = [memorySet, memoryGet, memoryDelete, memoryList, memorySearch];
