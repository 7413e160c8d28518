import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { openDatabase, schemaVersion } from '../../src/db/open.js';
import { KnowledgeGraph } from '../../src/knowledge/graph.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aegis-kg-migrate-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tables = (db: ReturnType<typeof openDatabase>) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'kg_%fts' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('migration 8: search indexes without a copy of the text', () => {
  it('converts a database written by the old schema: same graph, found by search, old copies gone', () => {
    const file = join(dir, 'aegis.db');
    // A database as the released schema (migrations before 8) left it, written the way its code wrote:
    // rows, plus the entity's whole search document (text copied) in kg_entity_fts.
    const old = openDatabase(
      file,
      MIGRATIONS.filter((m) => m.version < 8),
    );
    const addEntity = (name: string, type: string, observations: string[]) => {
      const id = Number(old.prepare('INSERT INTO kg_entities(name, entity_type, created_at, updated_at) VALUES (?, ?, 1, 1)').run(name, type).lastInsertRowid);
      for (const o of observations) old.prepare('INSERT INTO kg_observations(entity_id, content, created_at) VALUES (?, ?, 1)').run(id, o);
      old.prepare('INSERT INTO kg_entity_fts(rowid, name, entity_type, observations) VALUES (?, ?, ?, ?)').run(id, name, type, observations.join('\u001e'));
    };
    addEntity('Project Atlas', 'project', ['migration 42 failed because the ledger table was locked', 'uses Postgres 16']);
    addEntity('Postgres', 'database', ['vacuum runs nightly']);
    expect(tables(old)).toEqual(['kg_entity_fts', 'kg_fact_fts']);
    old.close();

    const db = openDatabase(file);
    try {
      expect(schemaVersion(db)).toBeGreaterThanOrEqual(8);
      expect(tables(db)).toEqual(['kg_entity_name_fts', 'kg_observation_fts']);
      for (const t of ['kg_observation_fts', 'kg_entity_name_fts']) db.prepare(`INSERT INTO ${t}(${t}, rank) VALUES ('integrity-check', 1)`).run();
      const kg = new KnowledgeGraph(db);
      expect(kg.search({ query: 'failed locked' }).results.map((r) => r.name)).toEqual(['Project Atlas']);
      expect(kg.search({ query: 'postgres' }).results.map((r) => r.name)).toEqual(['Postgres', 'Project Atlas']);
      expect(kg.search({ query: 'vacu' }).results.map((r) => r.name)).toEqual(['Postgres']);
      // Writes after the migration are indexed by the new triggers.
      kg.addObservations([{ entityName: 'Postgres', contents: ['replica lags at night'] }]);
      expect(kg.search({ query: 'lags night' }).results.map((r) => r.name)).toEqual(['Postgres']);
      expect(kg.exportGraph().entities.map((e) => e.observations.length)).toEqual([2, 2]);
    } finally {
      db.close();
    }
  });
});
