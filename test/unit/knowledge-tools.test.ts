import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { App } from '../../src/app.js';
import { AegisError } from '../../src/errors.js';
import type { GraphSummary } from '../../src/knowledge/graph-results.js';
import { BUILTIN_TOOLS } from '../../src/tools/index.js';
import { knowledgeTools } from '../../src/tools/knowledge.js';
import { callTool } from '../../src/tools/run.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';

const FIXTURE = new URL('../fixtures/kg-reference.jsonl', import.meta.url);

let env: TestEnv;
let app: App;
let out: string;

beforeAll(() => {
  env = makeTestEnv();
  app = new App({ env: env.env });
  out = mkdtempSync(join(tmpdir(), 'aegis-kg-tools-'));
});

afterAll(async () => {
  await app.close();
  env.cleanup();
  rmSync(out, { recursive: true, force: true });
});

const call = (name: string, input: unknown) =>
  callTool(
    app,
    knowledgeTools.find((t) => t.name === name)!,
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

describe('knowledge tools', () => {
  it('are registered with the reference tool set under kg_ names, every field described', () => {
    expect(knowledgeTools.map((t) => t.name)).toEqual([
      'kg_create_entities',
      'kg_create_relations',
      'kg_add_observations',
      'kg_delete_entities',
      'kg_delete_observations',
      'kg_delete_relations',
      'kg_open_nodes',
      'kg_read_graph',
      'kg_search',
      'kg_import',
      'kg_export',
    ]);
    for (const tool of knowledgeTools) {
      expect(BUILTIN_TOOLS).toContain(tool);
      const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { description?: string }> };
      for (const [field, prop] of Object.entries(schema.properties)) expect(prop.description, `${tool.name}.${field}`).toBeTruthy();
    }
  });

  it('accept the argument shapes of the reference server', async () => {
    // Calls exactly as a prompt written for @modelcontextprotocol/server-memory would make them.
    await call('kg_create_entities', {
      entities: [
        { name: 'Project Atlas', entityType: 'project', observations: ['uses Postgres'] },
        { name: 'Postgres', entityType: 'database', observations: [] },
      ],
    });
    await call('kg_create_relations', { relations: [{ from: 'Project Atlas', to: 'Postgres', relationType: 'uses' }] });
    expect(await call('kg_add_observations', { observations: [{ entityName: 'Project Atlas', contents: ['migration 42 failed on 2026-11-02'] }] })).toEqual({
      results: [{ entityName: 'Project Atlas', addedObservations: ['migration 42 failed on 2026-11-02'], alreadyPresent: [] }],
    });
    expect(await call('kg_open_nodes', { names: ['Project Atlas'] })).toMatchObject({
      entities: [{ name: 'Project Atlas', observations: ['uses Postgres', 'migration 42 failed on 2026-11-02'] }],
      relations: [{ from: 'Project Atlas', to: 'Postgres', relationType: 'uses' }],
    });
    expect(await call('kg_search', { query: 'failed migration' })).toMatchObject({
      results: [{ name: 'Project Atlas', bestObservation: 'migration 42 failed on 2026-11-02' }],
      hasMore: false,
    });
    await call('kg_delete_observations', { deletions: [{ entityName: 'Project Atlas', observations: ['uses Postgres'] }] });
    await call('kg_delete_relations', { relations: [{ from: 'Project Atlas', to: 'Postgres', relationType: 'uses' }] });
    expect(await call('kg_delete_entities', { entityNames: ['Project Atlas', 'Postgres'] })).toMatchObject({ deleted: ['Project Atlas', 'Postgres'] });
    expect(await call('kg_read_graph', {})).toMatchObject({ summary: { entities: 0 }, entities: [], relations: [] });
  });

  it('read_graph pages and summarizes instead of flooding', async () => {
    await call('kg_import', { path: FIXTURE.pathname });
    const summary = (await call('kg_read_graph', { mode: 'summary' })) as { summary: GraphSummary };
    expect(Object.keys(summary)).toEqual(['summary']);
    expect(summary.summary).toMatchObject({ entities: 8, relations: 8, observations: 19 });
    expect(summary.summary.topEntityTypes[0]).toEqual({ entityType: 'person', count: 2 });
    const page = (await call('kg_read_graph', { limit: 5 })) as { summary?: GraphSummary; entities: unknown[]; nextCursor?: string };
    expect(page.entities).toHaveLength(5);
    expect(page.summary).toMatchObject({ entities: 8 });
    const rest = (await call('kg_read_graph', { limit: 5, cursor: page.nextCursor })) as { summary?: GraphSummary; entities: unknown[]; nextCursor?: string };
    expect(rest.entities).toHaveLength(3);
    expect(rest.nextCursor).toBeUndefined();
    // Later pages do not count the whole graph again: the summary comes once, with the first page.
    expect(rest.summary).toBeUndefined();
  });

  it('export writes the reference format that import reads', async () => {
    const file = join(out, 'graph.jsonl');
    expect(await call('kg_export', { path: file })).toMatchObject({ entities: 8, relations: 8, path: file });
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(FIXTURE, 'utf8'));
    expect(await call('kg_search', { query: 'ledger', entityType: 'person', detail: 'full' })).toMatchObject({
      results: [
        {
          name: 'Zoë Müller',
          relations: [
            { from: 'Zoë Müller', to: 'Postgres' },
            { from: 'Maria Chen', to: 'Zoë Müller' },
          ],
        },
      ],
    });
  });

  it('reject bad input with the field at fault, and write nothing', async () => {
    const before = app.knowledge.summary();
    const missing = await rejection(call('kg_create_relations', { relations: [{ from: 'Maria Chen', to: 'Nobody', relationType: 'knows' }] }));
    expect(missing.field).toBe('relations[0].to');
    expect((await rejection(call('kg_create_entities', { entities: [] }))).field).toBe('entities');
    expect((await rejection(call('kg_search', { query: '"*"' }))).field).toBe('query');
    expect(app.knowledge.summary()).toEqual(before);
  });
});
