import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { App } from '../../src/app.js';
import { AegisError } from '../../src/errors.js';
import { BUILTIN_TOOLS } from '../../src/tools/index.js';
import { memoryTools } from '../../src/tools/memory.js';
import { callTool } from '../../src/tools/run.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
let app: App;

beforeAll(() => {
  env = makeTestEnv();
  app = new App({ env: env.env });
});

afterAll(async () => {
  await app.close();
  env.cleanup();
});

const call = (name: string, input: unknown) =>
  callTool(
    app,
    memoryTools.find((t) => t.name === name)!,
    input,
    { caller: 'internal' },
  );

async function rejection(p: Promise<unknown>): Promise<AegisError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AegisError);
  return err as AegisError;
}

describe('memory tools', () => {
  it('are registered and describe every input field for the model and the CLI', () => {
    for (const tool of memoryTools) {
      expect(BUILTIN_TOOLS).toContain(tool);
      const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { description?: string }> };
      for (const [field, prop] of Object.entries(schema.properties)) expect(prop.description, `${tool.name}.${field}`).toBeTruthy();
      expect(() => z.toJSONSchema(tool.output, { io: 'output', unrepresentable: 'any' })).not.toThrow();
    }
  });

  it('set, get, list, search and delete through the tool layer', async () => {
    expect(await call('memory_set', { key: 'deploy/staging-url', value: 'https://staging.example.com' })).toMatchObject({
      created: true,
      scope: 'global',
      expiresAt: null,
    });
    await call('memory_set', { key: 'deploy/flags', value: { canary: true }, ttlSeconds: 3600, scope: 'project:/work/atlas' });
    expect(await call('memory_get', { key: 'deploy/flags', scope: 'project:/work/atlas' })).toMatchObject({ found: true, value: { canary: true } });
    expect(await call('memory_get', { key: 'deploy/flags' })).toEqual({ found: false, key: 'deploy/flags', scope: 'global' });
    // Scopes come back in canonical form, found or not.
    expect(await call('memory_get', { key: 'deploy/flags', scope: 'project:/work/atlas/' })).toMatchObject({ found: true, scope: 'project:/work/atlas' });
    expect(await call('memory_delete', { key: 'deploy/none', scope: 'project:/work/./atlas' })).toEqual({
      deleted: false,
      key: 'deploy/none',
      scope: 'project:/work/atlas',
    });
    expect(await call('memory_list', { prefix: 'deploy/', values: true })).toMatchObject({
      scope: 'global',
      total: 1,
      entries: [{ key: 'deploy/staging-url', value: 'https://staging.example.com' }],
    });
    const found = (await call('memory_search', { query: 'deploy' })) as { results: { key: string; scope: string }[] };
    expect(found.results.map((r) => `${r.scope} ${r.key}`).sort()).toEqual(['global deploy/staging-url', 'project:/work/atlas deploy/flags']);
    expect(await call('memory_delete', { key: 'deploy/staging-url' })).toEqual({ deleted: true, key: 'deploy/staging-url', scope: 'global' });
    // Keys come back in their stored form (NFC) too, however the accent was typed.
    expect(await call('memory_get', { key: 'notes/cafe\u0301' })).toEqual({ found: false, key: 'notes/caf\u00e9', scope: 'global' });
    expect(await call('memory_delete', { key: 'notes/cafe\u0301' })).toEqual({ deleted: false, key: 'notes/caf\u00e9', scope: 'global' });
    expect(app.memory.get('deploy/staging-url')).toBeUndefined();
  });

  it('turn bad input into errors that name the field and the fix', async () => {
    const key = await rejection(call('memory_set', { key: 'nokey', value: 'v' }));
    expect(key.field).toBe('key');
    expect(key.fix).toMatch(/namespace\/key/);
    const scope = await rejection(call('memory_get', { key: 'a/b', scope: 'project:relative' }));
    expect(scope.field).toBe('scope');
    const big = await rejection(call('memory_set', { key: 'a/b', value: 'x'.repeat(70_000) }));
    expect(big.field).toBe('value');
    const missing = await rejection(call('memory_set', { key: 'a/b' }));
    expect(missing.field).toBe('value');
  });
});
