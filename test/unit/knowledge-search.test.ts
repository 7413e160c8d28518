import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/open.js';
import { AegisError } from '../../src/errors.js';
import { parseTerms, toMatchExpression } from '../../src/db/fts-query.js';
import { KnowledgeGraph } from '../../src/knowledge/graph.js';
import { parseJsonl } from '../../src/knowledge/jsonl.js';

const FIXTURE = new URL('../fixtures/kg-reference.jsonl', import.meta.url);

let dir: string;
let db: Db;
let kg: KnowledgeGraph;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegis-kg-search-'));
  db = openDatabase(join(dir, 'aegis.db'));
  kg = new KnowledgeGraph(db);
  kg.importGraph(parseJsonl(readFileSync(FIXTURE, 'utf8'), 'path'));
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const names = (query: string, opts: { entityType?: string; limit?: number } = {}) => kg.search({ query, ...opts }).results.map((r) => r.name);

describe('query parsing', () => {
  it('quotes every term so FTS5 operators and syntax lose their meaning', () => {
    expect(parseTerms('migr* "failed" NEAR(x) name:atlas')).toEqual([
      { text: 'migr', prefix: true },
      { text: 'failed', prefix: false },
      { text: 'NEAR', prefix: false },
      { text: 'x', prefix: false },
      { text: 'name', prefix: false },
      { text: 'atlas', prefix: false },
    ]);
    expect(toMatchExpression(parseTerms('a-b* c'))).toBe('"a" AND "b"* AND "c"');
  });
});

describe('kg_search recall', () => {
  it('finds words of one observation that are not adjacent, in either order', () => {
    // "migration 42 failed on 2026-11-02 because the ledger table was locked"
    expect(names('migration locked')).toContain('Project Atlas');
    expect(names('locked migration')).toContain('Project Atlas');
    expect(names('failed ledger table')).toEqual(['Project Atlas']);
  });

  it('counts every word wherever it appears in the entity: name, type or any observation', () => {
    expect(names('atlas rollback')).toEqual(['Deploy Pipeline']);
    expect(names('person mandarin')).toEqual(['Maria Chen']);
    expect(names('incident batches')).toEqual(['Incident 2026-11-02']);
    // A word no entity holds removes every hit: all words count.
    expect(names('migration kubernetes')).toEqual([]);
  });

  it('matches by stem, by prefix, and without accents', () => {
    expect(names('migrations')).toEqual(expect.arrayContaining(['Project Atlas', 'Incident 2026-11-02']));
    expect(names('migr*')).toEqual(expect.arrayContaining(['Project Atlas', 'Incident 2026-11-02']));
    expect(names('stag* merg*')).toEqual(['Deploy Pipeline']);
    expect(names('zoe muller')).toEqual(['Zoë Müller']);
    expect(names('🚀 emoji')).toEqual(['path\\with\\backslashes']);
  });

  it('treats hostile input as plain words and never fails with an FTS error', () => {
    const hostile = [
      '"',
      '""',
      'AND',
      'a OR',
      'NOT ledger',
      'NEAR(ledger lock)',
      'name:Postgres',
      '{name}: x',
      '(((',
      '*ledger',
      'ledger**',
      '-ledger',
      '+',
      "'; DROP TABLE kg_entities; --",
      '\\',
      'ledger^',
    ];
    for (const query of hostile) {
      try {
        kg.search({ query });
      } catch (err) {
        expect(err, query).toBeInstanceOf(AegisError);
        expect((err as AegisError).field).toBe('query');
      }
    }
    expect(names('NOT ledger')).toEqual(['Zoë Müller']); // "not" is a word here (and a stem: "notes:")
    expect(names('"uses" (postgres)')).toEqual(['Project Atlas']); // quotes and brackets are dropped
    expect(names('uses AND postgres')).toEqual([]); // AND is a word to find like any other, and none holds it
    expect(kg.summary().entities).toBe(8);
  });
});

describe('kg_search ranking', () => {
  it('ranks a name match above a mention in an observation', () => {
    const hits = kg.search({ query: 'postgres' }).results;
    expect(hits[0]!.name).toBe('Postgres');
    expect(hits.map((h) => h.name)).toContain('Project Atlas');
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
  });

  it('ranks an entity with one observation holding every word above one that scatters them', () => {
    kg.createEntities([
      { name: 'Lock Runbook', entityType: 'doc', observations: ['ledger lock: find the ledger lock holder, then release the lock'] },
      { name: 'Scattered', entityType: 'doc', observations: ['the ledger ledger ledger ledger', 'lock lock lock lock'] },
      {
        name: 'Quarterly Review',
        entityType: 'doc',
        observations: [`${'planning notes about hiring budgets and offsites '.repeat(8)} one line on the ledger and a lock`],
      },
    ]);
    const ranked = names('ledger lock');
    // Both words in one fact first (frequent and focused before passing mentions; "locked" is a form
    // of "lock"), then the entities that hold them in different observations.
    expect(ranked[0]).toBe('Lock Runbook');
    expect(ranked.slice(1, 3).sort()).toEqual(['Project Atlas', 'Quarterly Review']);
    expect(ranked.slice(3).sort()).toEqual(['Incident 2026-11-02', 'Scattered']);
  });

  it('filters by exact entity type, and lists a type for an empty query', () => {
    expect(names('ledger', { entityType: 'person' })).toEqual(['Zoë Müller']);
    expect(names('', { entityType: 'person' })).toEqual(['Maria Chen', 'Zoë Müller']);
    expect(names('ledger', { entityType: 'Person' })).toEqual([]);
    expect(() => kg.search({ query: '  ' })).toThrow(AegisError);
  });

  it('limits results and says when more matched', () => {
    const res = kg.search({ query: 'atlas', limit: 2 });
    expect(res.results).toHaveLength(2);
    expect(res.hasMore).toBe(true);
    expect(kg.search({ query: 'atlas', limit: 50 }).hasMore).toBe(false);
  });
});

describe('kg_search with very common words', () => {
  // More than a thousand entities say "widget" (the old search stopped ranking there); a few of them
  // also say "sprocket".
  const parts = 1050;
  beforeEach(() => {
    const common = Array.from({ length: parts }, (_, n) => ({
      name: `Part ${n}`,
      entityType: 'part',
      observations: [`a widget of batch ${n}`, n % 400 === 7 ? 'this widget fits the sprocket assembly' : 'plain'],
    }));
    kg.createEntities([...common, { name: 'Widget', entityType: 'concept', observations: ['the general idea of a widget'] }]);
  });

  it('still requires every word, and ranks and picks the observation that holds them all', () => {
    const res = kg.search({ query: 'widget sprocket', limit: 20 });
    const withSprocket = Array.from({ length: parts }, (_, n) => n).filter((n) => n % 400 === 7);
    expect(res.results.map((r) => r.name).sort()).toEqual(withSprocket.map((n) => `Part ${n}`).sort());
    expect(res.results.every((r) => r.score > 0)).toBe(true);
    expect(res.results[0]!.bestObservation).toBe('this widget fits the sprocket assembly');
    expect(res.note).toBeUndefined();
    expect(kg.search({ query: 'widget nowhere' }).results).toEqual([]);
  });

  it('ranks however many entities match: the name first, then the most focused observations, newest first on a tie', () => {
    const res = kg.search({ query: 'widget', limit: 3 });
    // "a widget of batch n" (5 words) is more focused than "the general idea of a widget" (6) or the sprocket line (6).
    expect(res.results.map((r) => r.name)).toEqual(['Widget', `Part ${parts - 1}`, `Part ${parts - 2}`]);
    expect(res.results[0]!.score).toBeGreaterThan(res.results[1]!.score);
    expect(res.hasMore).toBe(true);
    expect(res.note).toBeUndefined();
    expect(kg.search({ query: 'widget', entityType: 'part', limit: 1 }).results.map((r) => r.name)).toEqual([`Part ${parts - 1}`]);
    // The page ends with all the sprocket parts when the query says sprocket too, wherever they sit among the 1050.
    expect(kg.search({ query: 'sprocket widget', limit: 3 }).results.map((r) => r.name)).toEqual(['Part 807', 'Part 407', 'Part 7']);
  });
});

describe('kg_search stems and match kinds', () => {
  it('finds prefix matches for a word typed without *, after every whole-word match', () => {
    kg.createEntities([
      { name: 'Migr Tool', entityType: 'tool', observations: ['a tool literally called migr'] },
      { name: 'Migrator', entityType: 'service', observations: ['moves tables between hosts'] },
    ]);
    const res = kg.search({ query: 'migr' });
    const found = res.results.map((r) => r.name);
    // Whole word "migr" (name, then observation) before anything that only begins with it.
    expect(found[0]).toBe('Migr Tool');
    expect(found.slice(1).sort()).toEqual(['Incident 2026-11-02', 'Migrator', 'Project Atlas']);
    expect(found.indexOf('Migrator')).toBe(1); // a stem in the name before a stem in an observation
    const [whole, ...stems] = res.results.map((r) => r.score);
    expect(stems.every((s) => s < whole! && s < 4)).toBe(true);
    expect(res.results.find((r) => r.name === 'Project Atlas')!.bestObservation).toBe('migration 42 failed on 2026-11-02 because the ledger table was locked');
    // Two stems together, and a stem beside a whole word.
    expect(names('stag merg')).toEqual(['Deploy Pipeline']);
    expect(names('ledg lock')).toEqual(expect.arrayContaining(['Project Atlas', 'Incident 2026-11-02']));
    // Too short to read as a stem: only the whole word.
    expect(names('ru')).toEqual([]); // "runs" begins with it
    expect(names('run')[0]).toBe('Postgres'); // "runs" has the stem run: a whole-word match, first
  });

  it('orders kinds: every word in the name, then in one observation, then spread over the entity', () => {
    kg.createEntities([
      { name: 'Ledger Lock', entityType: 'runbook', observations: ['see the wiki'] },
      { name: 'Spread', entityType: 'doc', observations: ['the ledger', 'a lock'] },
      { name: 'Together', entityType: 'doc', observations: ['the ledger lock'] },
    ]);
    const res = kg.search({ query: 'ledger lock', limit: 20 }).results;
    const kind = (name: string) => Math.floor(res.find((r) => r.name === name)!.score);
    expect(res[0]!.name).toBe('Ledger Lock');
    expect([kind('Ledger Lock'), kind('Together'), kind('Project Atlas'), kind('Spread'), kind('Incident 2026-11-02')]).toEqual([6, 5, 5, 4, 4]);
    const scores = res.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });
});

describe('kg_search detail', () => {
  it('brief: names, types and the observation that best matches', () => {
    const [atlas] = kg.search({ query: 'ledger locked' }).results.filter((r) => r.name === 'Project Atlas');
    expect(atlas).toEqual({
      name: 'Project Atlas',
      entityType: 'project',
      score: expect.any(Number),
      observationCount: 4,
      bestObservation: 'migration 42 failed on 2026-11-02 because the ledger table was locked',
    });
    // Matched on the name only: the newest observation stands in.
    const [pg] = kg.search({ query: 'Postgres', entityType: 'database' }).results;
    expect(pg!.bestObservation).toBe('vacuum runs nightly at 03:00 UTC');
    expect(kg.search({ query: 'redis' }).results.find((r) => r.name === 'Redis')!.bestObservation).toBeNull();
  });

  it('picks the best observation among only its own entity, however the ids interleave', () => {
    kg.createEntities([{ name: 'Interleaved', entityType: 'test', observations: ['first note about turbines'] }]);
    kg.createEntities([{ name: 'Neighbour', entityType: 'test', observations: ['turbines turbines turbines'] }]);
    kg.addObservations([{ entityName: 'Interleaved', contents: ['second note'] }]);
    const [hit] = kg.search({ query: 'turbines', entityType: 'test', limit: 5 }).results.filter((r) => r.name === 'Interleaved');
    expect(hit!.bestObservation).toBe('first note about turbines');
  });

  it('full: every observation and every relation touching the entity', () => {
    const [pg] = kg.search({ query: 'postgres', entityType: 'database', detail: 'full' }).results;
    expect(pg!.observations).toEqual(['primary runs on db-1, replica on db-2', 'vacuum runs nightly at 03:00 UTC']);
    expect(pg!.relations).toEqual([
      { from: 'Project Atlas', to: 'Postgres', relationType: 'uses' },
      { from: 'Zoë Müller', to: 'Postgres', relationType: 'is on-call for' },
      { from: 'Incident 2026-11-02', to: 'Postgres', relationType: 'involved' },
    ]);
    expect(pg).not.toHaveProperty('bestObservation');
  });
});
