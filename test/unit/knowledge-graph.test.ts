import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/open.js';
import { KnowledgeGraph } from '../../src/knowledge/graph.js';
import type { Relation } from '../../src/knowledge/types.js';
import { failure } from '../helpers/errors.js';

let dir: string;
let db: Db;
let kg: KnowledgeGraph;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegis-kg-'));
  db = openDatabase(join(dir, 'aegis.db'));
  kg = new KnowledgeGraph(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const SEARCH_INDEXES = ['kg_observation_fts', 'kg_entity_name_fts'];

/**
 * Everything stored, including each search index's totals (FTS5 keeps the document and word counts in
 * the record with id 1 of its _data table), to prove a failed call changed nothing.
 */
const snapshot = () => ({
  graph: kg.exportGraph(),
  totals: SEARCH_INDEXES.map((t) => (db.prepare(`SELECT hex(block) AS h FROM ${t}_data WHERE id = 1`).get() as { h: string }).h),
});

/**
 * FTS5's integrity check with rank 1 compares an external-content index with the table it indexes,
 * word by word, and throws when they differ.
 */
const checkSearchIndexes = () => {
  for (const t of SEARCH_INDEXES) db.prepare(`INSERT INTO ${t}(${t}, rank) VALUES ('integrity-check', 1)`).run();
};

const seed = () => {
  kg.createEntities([
    { name: 'Project Atlas', entityType: 'project', observations: ['uses Postgres 16', 'migration 42 failed on 2026-11-02'] },
    { name: 'Postgres', entityType: 'database', observations: ['primary on db-1'] },
    { name: 'Maria Chen', entityType: 'person', observations: ['tech lead'] },
  ]);
  kg.createRelations([
    { from: 'Project Atlas', to: 'Postgres', relationType: 'uses' },
    { from: 'Maria Chen', to: 'Project Atlas', relationType: 'leads' },
  ]);
};

describe('creating', () => {
  it('is idempotent: existing names and relations are reported, not duplicated', () => {
    seed();
    const again = kg.createEntities([
      { name: 'Project Atlas', entityType: 'project', observations: ['something new'] },
      { name: 'Redis', entityType: 'cache', observations: [] },
      { name: 'Redis', entityType: 'cache', observations: [] },
    ]);
    expect(again.created.map((e) => e.name)).toEqual(['Redis']);
    expect(again.existing).toEqual(['Project Atlas', 'Redis']);
    expect(kg.openNodes(['Project Atlas']).entities[0]!.observations).not.toContain('something new');

    const rel = kg.createRelations([
      { from: 'Project Atlas', to: 'Postgres', relationType: 'uses' },
      { from: 'Project Atlas', to: 'Redis', relationType: 'uses' },
    ]);
    expect(rel.created).toEqual([{ from: 'Project Atlas', to: 'Redis', relationType: 'uses' }]);
    expect(rel.existing).toEqual([{ from: 'Project Atlas', to: 'Postgres', relationType: 'uses' }]);
    expect(kg.summary().relations).toBe(3);
  });

  it('preserves case and matches names exactly', () => {
    kg.createEntities([{ name: 'Atlas', entityType: 'project', observations: [] }]);
    expect(kg.createEntities([{ name: 'atlas', entityType: 'project', observations: [] }]).created).toHaveLength(1);
    expect(kg.openNodes(['ATLAS']).notFound).toEqual(['ATLAS']);
    expect(kg.openNodes(['atlas', 'Atlas']).entities.map((e) => e.name)).toEqual(['atlas', 'Atlas']);
  });

  it('rejects bad input naming the field, and the whole call changes nothing', () => {
    seed();
    const before = snapshot();
    const empty = failure(() =>
      kg.createEntities([
        { name: 'Fine', entityType: 'x', observations: [] },
        { name: '  ', entityType: 'x', observations: [] },
      ]),
    );
    expect(empty.field).toBe('entities[1].name');
    expect(empty.fix).toBeTruthy();
    expect(failure(() => kg.createEntities([{ name: 'Atlas ', entityType: 'x', observations: [] }])).message).toMatch(/leading or trailing spaces/);
    expect(failure(() => kg.createEntities([{ name: 'X', entityType: '', observations: [] }])).field).toBe('entities[0].entityType');
    expect(failure(() => kg.createEntities([{ name: 'X', entityType: 't', observations: ['ok', ''] }])).field).toBe('entities[0].observations[1]');

    // The first relation is fine; the second points at a missing entity: neither is written.
    const missing = failure(() =>
      kg.createRelations([
        { from: 'Maria Chen', to: 'Postgres', relationType: 'administers' },
        { from: 'Maria Chen', to: 'Nobody', relationType: 'knows' },
      ]),
    );
    expect(missing.field).toBe('relations[1].to');
    expect(missing.message).toContain('"Nobody"');
    expect(missing.fix).toMatch(/kg_create_entities/);

    const addMissing = failure(() =>
      kg.addObservations([
        { entityName: 'Postgres', contents: ['replica on db-2'] },
        { entityName: 'Ghost', contents: ['boo'] },
      ]),
    );
    expect(addMissing.field).toBe('observations[1].entityName');
    expect(snapshot()).toEqual(before);
  });
});

describe('observations', () => {
  it('appends only what is new, keeps order, and reports the rest', () => {
    seed();
    const res = kg.addObservations([{ entityName: 'Postgres', contents: ['replica on db-2', 'primary on db-1', 'replica on db-2'] }]);
    expect(res.results[0]).toEqual({ entityName: 'Postgres', addedObservations: ['replica on db-2'], alreadyPresent: ['primary on db-1', 'replica on db-2'] });
    expect(kg.openNodes(['Postgres']).entities[0]!.observations).toEqual(['primary on db-1', 'replica on db-2']);
    expect(kg.search({ query: 'replica' }).results.map((r) => r.name)).toEqual(['Postgres']);
  });

  it('deletes by exact text, reporting what was not there, and the search follows', () => {
    seed();
    const res = kg.deleteObservations([
      { entityName: 'Project Atlas', observations: ['migration 42 failed on 2026-11-02', 'not an observation'] },
      { entityName: 'Ghost', observations: ['x'] },
    ]);
    expect(res.results).toEqual([{ entityName: 'Project Atlas', deleted: ['migration 42 failed on 2026-11-02'], notFound: ['not an observation'] }]);
    expect(res.missingEntities).toEqual(['Ghost']);
    expect(kg.search({ query: 'migration' }).results).toEqual([]);
    expect(kg.search({ query: 'postgres 16' }).results.map((r) => r.name)).toEqual(['Project Atlas']);
  });
});

describe('deleting', () => {
  it('cascades an entity delete to its relations, observations and search document', () => {
    seed();
    const res = kg.deleteEntities(['Project Atlas', 'Nobody']);
    expect(res).toEqual({ deleted: ['Project Atlas'], notFound: ['Nobody'], relationsDeleted: 2 });
    expect(kg.summary()).toMatchObject({ entities: 2, relations: 0, observations: 2 });
    expect(kg.search({ query: 'migration' }).results).toEqual([]);
    for (const [index, word] of [
      ['kg_entity_name_fts', 'atlas'],
      ['kg_observation_fts', 'migration'],
    ]) {
      expect((db.prepare(`SELECT count(*) AS n FROM ${index} WHERE ${index} MATCH ?`).get(word) as { n: number }).n, index).toBe(0);
    }
    checkSearchIndexes();
  });
});

describe('search indexes (external content, kept by triggers)', () => {
  it('stay in step with the tables through adds, deletes, cascades and imports', () => {
    seed();
    checkSearchIndexes();
    kg.addObservations([{ entityName: 'Postgres', contents: ['replica on db-2 lags at night'] }]);
    kg.deleteObservations([{ entityName: 'Project Atlas', observations: ['uses Postgres 16'] }]);
    kg.importGraph({ entities: [{ name: 'Redis', entityType: 'cache', observations: ['evicts keys under pressure'] }], relations: [] });
    kg.deleteEntities(['Maria Chen']);
    checkSearchIndexes();
    expect(kg.search({ query: 'lags night' }).results.map((r) => r.name)).toEqual(['Postgres']);
    expect(kg.search({ query: 'evicts pressure' }).results.map((r) => r.name)).toEqual(['Redis']);
    expect(kg.search({ query: 'postgres 16' }).results).toEqual([]);
    expect(kg.search({ query: 'tech lead' }).results).toEqual([]);
    expect(kg.search({ query: 'maria' }).results).toEqual([]);
  });

  it('the check used above does catch an index that missed a delete', () => {
    seed();
    db.exec('DROP TRIGGER kg_observations_fts_ad');
    db.prepare('DELETE FROM kg_observations WHERE content = ?').run('tech lead');
    expect(checkSearchIndexes).toThrow();
  });

  it('deletes relations by all three fields and reports the ones not found', () => {
    seed();
    const res = kg.deleteRelations([
      { from: 'Project Atlas', to: 'Postgres', relationType: 'uses' },
      { from: 'Project Atlas', to: 'Postgres', relationType: 'USES' },
      { from: 'Ghost', to: 'Postgres', relationType: 'uses' },
    ]);
    expect(res.deleted).toHaveLength(1);
    expect(res.notFound.map((r) => r.relationType)).toEqual(['USES', 'uses']);
    expect(kg.summary().relations).toBe(1);
  });
});

describe('reading', () => {
  it('opens nodes with every relation touching them, in the order asked', () => {
    seed();
    const res = kg.openNodes(['Postgres', 'Nobody', 'Postgres']);
    expect(res.entities.map((e) => e.name)).toEqual(['Postgres']);
    expect(res.relations).toEqual([{ from: 'Project Atlas', to: 'Postgres', relationType: 'uses' }]);
    expect(res.notFound).toEqual(['Nobody']);
  });

  it('pages the whole graph so that every entity and relation appears exactly once', () => {
    const names = Array.from({ length: 25 }, (_, i) => `E${String(i).padStart(2, '0')}`);
    kg.createEntities(names.map((name) => ({ name, entityType: Number(name.slice(1)) % 2 ? 'odd' : 'even', observations: [`obs of ${name}`] })));
    const relations: Relation[] = names.slice(1).map((name, k) => ({ from: name, to: names[k]!, relationType: 'follows' }));
    relations.push({ from: 'E00', to: 'E24', relationType: 'wraps' });
    kg.createRelations(relations);

    const seenEntities: string[] = [];
    const seenRelations: Relation[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = kg.readPage({ limit: 10, cursor });
      seenEntities.push(...page.entities.map((e) => e.name));
      seenRelations.push(...page.relations);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seenEntities).toEqual(names);
    expect(seenRelations).toHaveLength(relations.length);
    expect(new Set(seenRelations.map((r) => JSON.stringify(r)))).toEqual(new Set(relations.map((r) => JSON.stringify(r))));

    const summary = kg.summary();
    expect(summary).toMatchObject({ entities: 25, relations: 25, observations: 25 });
    expect(summary.topEntityTypes).toEqual([
      { entityType: 'even', count: 13 },
      { entityType: 'odd', count: 12 },
    ]);
    expect(summary.topRelationTypes[0]).toEqual({ relationType: 'follows', count: 24 });
    expect(failure(() => kg.readPage({ cursor: 'garbage' })).field).toBe('cursor');
  });
});

/** Segments of a search index: FTS5 writes one each time it flushes what a transaction added. */
const segments = (index: string) => db.prepare(`SELECT count(DISTINCT segid) FROM ${index}_idx`).pluck().get() as number;

describe('writes of many rows in one call', () => {
  const many = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => ({
      name: `item-${from + i}`,
      entityType: 'item',
      observations: [`alpha ${from + i} beta`, `gamma w${(from + i) % 7} delta`, `alpha ${from + i} beta`],
    }));

  it('index a 500-entity call as one segment per search index (a row-at-a-time write flushed one per row)', () => {
    kg.createEntities(many(500));
    expect(segments('kg_observation_fts')).toBe(1);
    expect(segments('kg_entity_name_fts')).toBe(1);
    checkSearchIndexes();
  });

  it('keep call order, drop repeats, and report a name repeated in the call as existing', () => {
    const entities = [...many(1200), { name: 'item-3', entityType: 'other', observations: ['never stored'] }];
    const res = kg.createEntities(entities);
    expect(res.created).toHaveLength(1200);
    expect(res.created[0]!.observations).toEqual(['alpha 0 beta', 'gamma w0 delta']);
    expect(res.existing).toEqual(['item-3']);
    const page = kg.readPage({ limit: 1000 });
    expect(page.entities.map((e) => e.name)).toEqual(entities.slice(0, 1000).map((e) => e.name));
    expect(kg.openNodes(['item-3']).entities).toEqual([{ name: 'item-3', entityType: 'item', observations: ['alpha 3 beta', 'gamma w3 delta'] }]);
    expect(kg.summary().observations).toBe(2400);
    expect(kg.search({ query: 'alpha 1199' }).results.map((r) => r.name)).toEqual(['item-1199']);
    expect(kg.search({ query: 'never' }).results).toEqual([]);
    checkSearchIndexes();
  });

  it('add observations to one entity named twice in a call once, and the search follows every path', () => {
    kg.createEntities(many(3));
    const res = kg.addObservations([
      { entityName: 'item-1', contents: ['epsilon zeta', 'alpha 1 beta'] },
      { entityName: 'item-2', contents: ['eta theta'] },
      { entityName: 'item-1', contents: ['epsilon zeta', 'iota kappa'] },
    ]);
    expect(res.results.map((r) => [r.addedObservations, r.alreadyPresent])).toEqual([
      [['epsilon zeta'], ['alpha 1 beta']],
      [['eta theta'], []],
      [['iota kappa'], ['epsilon zeta']],
    ]);
    expect(kg.openNodes(['item-1']).entities[0]!.observations).toEqual(['alpha 1 beta', 'gamma w1 delta', 'epsilon zeta', 'iota kappa']);
    expect(kg.search({ query: 'iota kappa' }).results.map((r) => r.name)).toEqual(['item-1']);
    checkSearchIndexes();

    const gone = kg.deleteObservations([{ entityName: 'item-1', observations: ['epsilon zeta', 'epsilon zeta', 'not there'] }]);
    expect(gone.results).toEqual([{ entityName: 'item-1', deleted: ['epsilon zeta'], notFound: ['not there'] }]);
    expect(kg.search({ query: 'epsilon zeta' }).results).toEqual([]);
    checkSearchIndexes();

    kg.createRelations([
      { from: 'item-0', to: 'item-1', relationType: 'uses' },
      { from: 'item-2', to: 'item-0', relationType: 'uses' },
    ]);
    expect(kg.deleteEntities(['item-0', 'item-2', 'item-0', 'nobody'])).toEqual({ deleted: ['item-0', 'item-2'], notFound: ['nobody'], relationsDeleted: 2 });
    expect(kg.search({ query: 'eta theta' }).results).toEqual([]);
    expect(kg.search({ query: 'item' }).results.map((r) => r.name)).toEqual(['item-1']);
    checkSearchIndexes();
  });

  it('import merges a name repeated in the file into the entity its first line created', () => {
    const res = kg.importGraph({
      entities: [
        { name: 'A', entityType: 'thing', observations: ['one fact', 'two fact'] },
        { name: 'B', entityType: 'thing', observations: ['bee fact'] },
        { name: 'A', entityType: 'other', observations: ['two fact', 'three fact'] },
      ],
      relations: [{ from: 'A', to: 'B', relationType: 'knows' }],
    });
    expect(res).toMatchObject({
      entitiesCreated: 2,
      entitiesMerged: 1,
      observationsAdded: 4,
      relationsCreated: 1,
      typeConflicts: [{ name: 'A', existingType: 'thing', importedType: 'other' }],
    });
    expect(kg.exportGraph().entities).toEqual([
      { name: 'A', entityType: 'thing', observations: ['one fact', 'two fact', 'three fact'] },
      { name: 'B', entityType: 'thing', observations: ['bee fact'] },
    ]);
    expect(kg.search({ query: 'three' }).results.map((r) => r.name)).toEqual(['A']);
    checkSearchIndexes();
  });

  it('store an unpaired surrogate as U+FFFD (valid UTF-8), and find the entity again by the name as given', () => {
    const name = 'half \ud800 pair';
    const res = kg.createEntities([{ name, entityType: 't', observations: ['broken \udc00 text', 'whole 😀 text'] }]);
    expect(res.created.map((e) => e.name)).toEqual([name]);
    expect(db.prepare('SELECT hex(name) FROM kg_entities').pluck().get()).toBe(Buffer.from('half \ufffd pair').toString('hex').toUpperCase());
    expect(kg.addObservations([{ entityName: name, contents: ['more'] }]).results[0]!.addedObservations).toEqual(['more']);
    kg.createEntities([{ name: 'other', entityType: 't', observations: [] }]);
    kg.createRelations([{ from: name, to: 'other', relationType: 'odd \ud801' }]);
    expect(kg.createRelations([{ from: name, to: 'other', relationType: 'odd \ud801' }]).existing).toHaveLength(1);
    expect(kg.deleteRelations([{ from: name, to: 'other', relationType: 'odd \ud801' }]).deleted).toHaveLength(1);
    expect(kg.exportGraph().entities[0]!.observations).toEqual(['broken \ufffd text', 'whole 😀 text', 'more']);
    expect(kg.createEntities([{ name, entityType: 't', observations: [] }]).existing).toEqual([name]);
    expect(kg.openNodes([name]).notFound).toEqual([]);
    expect(kg.deleteObservations([{ entityName: name, observations: ['broken \udc00 text'] }]).results[0]!.deleted).toEqual(['broken \udc00 text']);
    expect(kg.deleteEntities([name]).deleted).toEqual([name]);
    checkSearchIndexes();
  });
});

describe('one name, one entity, whatever Unicode form it is typed in', () => {
  const composed = 'Caf\u00e9 Nord';
  const decomposed = 'Cafe\u0301 Nord';

  it('reaches an entity created with a decomposed name by its composed name, everywhere a name is given', () => {
    const created = kg.createEntities([{ name: decomposed, entityType: 'cafe\u0301', observations: ['cre\u0300me bru\u0302le\u0301e'] }]).created;
    expect(created.map((e) => e.name)).toEqual([composed]);
    expect(kg.createEntities([{ name: composed, entityType: 'caf\u00e9', observations: [] }]).existing).toEqual([composed]);
    kg.createEntities([{ name: 'Maria', entityType: 'person', observations: [] }]);
    expect(kg.createRelations([{ from: 'Maria', to: decomposed, relationType: 'owns' }]).created).toHaveLength(1);
    expect(kg.createRelations([{ from: 'Maria', to: composed, relationType: 'owns' }]).existing).toHaveLength(1);
    expect(kg.addObservations([{ entityName: composed, contents: ['opens at 7'] }]).results[0]!.addedObservations).toEqual(['opens at 7']);
    const opened = kg.openNodes([composed]);
    expect(opened.notFound).toEqual([]);
    expect(opened.relations).toEqual([{ from: 'Maria', to: composed, relationType: 'owns' }]);
    // Observation text is the user's and is kept exactly as given, decomposed accents included.
    expect(opened.entities[0]!.observations).toEqual(['cre\u0300me bru\u0302le\u0301e', 'opens at 7']);
    expect(kg.deleteObservations([{ entityName: composed, observations: ['opens at 7'] }]).missingEntities).toEqual([]);
    expect(kg.deleteRelations([{ from: 'Maria', to: composed, relationType: 'owns' }]).deleted).toHaveLength(1);
    const imported = kg.importGraph({ entities: [{ name: decomposed, entityType: 'caf\u00e9', observations: ['from a file'] }], relations: [] });
    expect(imported).toMatchObject({ entitiesCreated: 0, entitiesMerged: 1, typeConflicts: [] });
    expect(kg.deleteEntities([decomposed]).deleted).toEqual([composed]);
    expect(kg.summary().entities).toBe(1);
    checkSearchIndexes();
  });

  it('refuses invisible characters and line separators in names and types, naming the field and the character', () => {
    for (const bad of ['Caf\u00e9\u2028Nord', 'Caf\u00e9\u200bNord', 'Caf\u00e9\u2029Nord', 'Caf\u00e9\u2060Nord']) {
      const err = failure(() => kg.createEntities([{ name: bad, entityType: 'cafe', observations: [] }]));
      expect(err.field).toBe('entities[0].name');
      expect(err.message).toContain(`U+${bad.codePointAt(4)!.toString(16).toUpperCase().padStart(4, '0')}`);
      expect(err.fix).toBeTruthy();
    }
    expect(failure(() => kg.createRelations([{ from: 'a', to: 'b', relationType: 'uses\u200b' }])).field).toBe('relations[0].relationType');
    expect(failure(() => kg.openNodes(['Caf\u00e9\u200bNord'])).field).toBe('names[0]');
    // A joiner where it shows nothing (between Latin letters) is refused like any invisible character.
    expect(failure(() => kg.createEntities([{ name: 'Ali\u200dce', entityType: 'person', observations: [] }])).message).toContain('U+200D');
    expect(kg.summary().entities).toBe(0);
  });

  it('keeps the format characters that shape what is seen: ZWJ emoji, a Persian non-joiner, a subdivision flag', () => {
    // 👩‍💻 and 👩🏽‍💻 are one picture each by their joiner; می‌خواهم is spelt with a non-joiner; 🏴 + tags is the flag of Scotland.
    const names = [
      '\u{1F469}\u200D\u{1F4BB} team',
      '\u{1F469}\u{1F3FD}\u200D\u{1F4BB} desk',
      '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645',
      'Team \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}',
    ];
    expect(kg.createEntities(names.map((name) => ({ name, entityType: 'label', observations: [] }))).created.map((e) => e.name)).toEqual(names);
    expect(kg.openNodes(names).entities.map((e) => e.name)).toEqual(names);
    expect(kg.deleteEntities(names).deleted).toEqual(names);
  });
});
