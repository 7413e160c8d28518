/**
 * The knowledge graph's service: checked writes in one transaction each, and the reads (open,
 * summary, pages, search, export, import). Result shapes are in graph-results.ts; the bulk
 * observation insert in observation-batch.ts.
 */
import type { Db } from '../db/open.js';
import { AegisError, invalidInput } from '../errors.js';
import { asStored, idList, relationsFrom, relationsTouching, Statements, toRelation, textList, withObservations, type EntityRow } from './read.js';
import { searchEntities, type KgSearchOptions, type KgSearchResult } from './search.js';
import type {
  AddObservationsResult,
  CreateEntitiesResult,
  CreateRelationsResult,
  DeleteEntitiesResult,
  DeleteObservationsResult,
  DeleteRelationsResult,
  GraphPage,
  GraphSummary,
  ImportOptions,
  ImportResult,
  OpenNodesResult,
} from './graph-results.js';
import { ObservationBatch, unique } from './observation-batch.js';
import type { Entity, Graph, Relation } from './types.js';
import { checkBatch, checkEntity, checkName, checkObservation, checkRelation } from './validate.js';

/** An item with the line it came from, when it came from a file. */
type Located<T> = T & { line?: number };

export const GRAPH_PAGE_MAX = 1000;
const TOP_TYPES = 10;

/**
 * The knowledge graph, shared by every process that opens the database. Every write is one
 * IMMEDIATE transaction: input is checked first, and anything wrong found inside (a relation to a
 * missing entity) throws and rolls the whole call back, so bad input changes nothing. Names are
 * case-preserving and matched exactly.
 */
export class KnowledgeGraph {
  private readonly sql: Statements;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = new Statements(db);
  }

  createEntities(given: Entity[]): CreateEntitiesResult {
    checkBatch(given, 'entities');
    const entities = given.map((e, i) => checkEntity(e, `entities[${i}]`));
    return this.write(() => {
      const batch = new ObservationBatch(this.sql, this.now());
      const ids = this.insertEntities(entities, batch.now);
      const created: Entity[] = [];
      const existing: string[] = [];
      for (const e of entities) {
        const id = ids.get(e.name);
        // A name repeated in the call was created by its first occurrence: the others are `existing`.
        if (id === undefined) existing.push(e.name);
        else created.push(batch.addToNew(id, e));
        ids.delete(e.name);
      }
      batch.flush();
      return { created, existing };
    });
  }

  createRelations(given: Relation[]): CreateRelationsResult {
    checkBatch(given, 'relations');
    const relations = given.map((r, i) => checkRelation(r, `relations[${i}]`));
    return this.write(() => {
      const now = this.now();
      const created: Relation[] = [];
      const existing: Relation[] = [];
      relations.forEach((r, i) => {
        const inserted = this.insertRelation(r, `relations[${i}]`, now);
        (inserted ? created : existing).push(toRelation(r));
      });
      return { created, existing };
    });
  }

  addObservations(given: { entityName: string; contents: string[] }[]): AddObservationsResult {
    checkBatch(given, 'observations');
    const additions = given.map((a, i) => {
      a.contents.forEach((c, j) => checkObservation(c, `observations[${i}].contents[${j}]`));
      return { ...a, entityName: checkName(a.entityName, `observations[${i}].entityName`) };
    });
    return this.write(() => {
      const batch = new ObservationBatch(this.sql, this.now());
      const results = additions.map((a, i) => {
        const entity = this.entityByName(a.entityName);
        if (!entity) throw missingEntity(a.entityName, `observations[${i}].entityName`);
        const { added, alreadyPresent } = batch.addToExisting(entity.id, a.contents);
        return { entityName: a.entityName, addedObservations: added, alreadyPresent };
      });
      batch.flush();
      return { results };
    });
  }

  /** Deletes entities with their observations and every relation that touches them. */
  deleteEntities(given: string[]): DeleteEntitiesResult {
    checkBatch(given, 'entityNames');
    const names = given.map((n, i) => checkName(n, `entityNames[${i}]`));
    return this.write(() => {
      const wanted = unique(names);
      const rows = this.sql.get('SELECT id, name FROM kg_entities WHERE name IN (SELECT value FROM json_each(?))').all(textList(wanted)) as {
        id: number;
        name: string;
      }[];
      const stored = new Set(rows.map((r) => r.name));
      const found = new Set(wanted.filter((n) => stored.has(asStored(n))));
      const ids = idList(rows.map((r) => r.id));
      const relationsDeleted = this.sql
        .get(
          `SELECT count(*) FROM (SELECT id FROM kg_relations WHERE from_id IN (SELECT value FROM json_each(@ids))
             UNION SELECT id FROM kg_relations WHERE to_id IN (SELECT value FROM json_each(@ids)))`,
        )
        .pluck()
        .get({ ids }) as number;
      // One statement for all (see insertEntities). Observations and relations go by ON DELETE
      // CASCADE; triggers take them out of the search indexes.
      this.sql.get('DELETE FROM kg_entities WHERE id IN (SELECT value FROM json_each(?))').run(ids);
      return { deleted: wanted.filter((n) => found.has(n)), notFound: wanted.filter((n) => !found.has(n)), relationsDeleted };
    });
  }

  deleteObservations(given: { entityName: string; observations: string[] }[]): DeleteObservationsResult {
    checkBatch(given, 'deletions');
    const deletions = given.map((d, i) => ({ ...d, entityName: checkName(d.entityName, `deletions[${i}].entityName`) }));
    return this.write(() => {
      const results: DeleteObservationsResult['results'] = [];
      const missingEntities: string[] = [];
      for (const d of deletions) {
        const entity = this.entityByName(d.entityName);
        if (!entity) {
          missingEntities.push(d.entityName);
          continue;
        }
        // One statement per entity (see insertEntities); an observation held twice goes entirely.
        const wanted = unique(d.observations);
        const gone = new Set(
          this.sql
            .get('DELETE FROM kg_observations WHERE entity_id = ? AND content IN (SELECT value FROM json_each(?)) RETURNING content')
            .pluck()
            .all(entity.id, textList(wanted)) as string[],
        );
        const deleted = wanted.filter((t) => gone.has(asStored(t)));
        if (deleted.length) this.touch(entity);
        results.push({ entityName: d.entityName, deleted, notFound: wanted.filter((t) => !gone.has(asStored(t))) });
      }
      return { results, missingEntities };
    });
  }

  deleteRelations(given: Relation[]): DeleteRelationsResult {
    checkBatch(given, 'relations');
    const relations = given.map((r, i) => checkRelation(r, `relations[${i}]`));
    return this.write(() => {
      const deleted: Relation[] = [];
      const notFound: Relation[] = [];
      for (const r of relations) {
        const from = this.entityByName(r.from);
        const to = this.entityByName(r.to);
        const changes =
          from && to
            ? this.sql.get('DELETE FROM kg_relations WHERE from_id = ? AND to_id = ? AND relation_type = ?').run(from.id, to.id, asStored(r.relationType))
                .changes
            : 0;
        (changes > 0 ? deleted : notFound).push(toRelation(r));
      }
      return { deleted, notFound };
    });
  }

  /** The named entities in the order asked, and every relation with at least one end among them. */
  openNodes(names: string[]): OpenNodesResult {
    checkBatch(names, 'names');
    const wanted = unique(names.map((n, i) => checkName(n, `names[${i}]`)));
    const rows = this.sql
      .get('SELECT id, name, entity_type AS entityType FROM kg_entities WHERE name IN (SELECT value FROM json_each(?))')
      .all(textList(wanted)) as EntityRow[];
    const byName = new Map(rows.map((r) => [r.name, r]));
    const found = wanted.flatMap((n) => byName.get(asStored(n)) ?? []);
    return {
      entities: withObservations(this.sql, found),
      relations: relationsTouching(
        this.sql,
        found.map((r) => r.id),
      ).map(toRelation),
      notFound: wanted.filter((n) => !byName.has(asStored(n))),
    };
  }

  /** Counts and the most common entity and relation types: a view of any size of graph in a few lines. */
  summary(): GraphSummary {
    const count = (table: string) => (this.sql.get(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const read = this.db.transaction(() => ({
      entities: count('kg_entities'),
      relations: count('kg_relations'),
      observations: count('kg_observations'),
      topEntityTypes: this.sql
        .get('SELECT entity_type AS entityType, count(*) AS count FROM kg_entities GROUP BY entity_type ORDER BY count DESC, entity_type LIMIT ?')
        .all(TOP_TYPES) as GraphSummary['topEntityTypes'],
      topRelationTypes: this.sql
        .get('SELECT relation_type AS relationType, count(*) AS count FROM kg_relations GROUP BY relation_type ORDER BY count DESC, relation_type LIMIT ?')
        .all(TOP_TYPES) as GraphSummary['topRelationTypes'],
    }));
    return read();
  }

  /** One page of the whole graph in creation order; pass `nextCursor` back for the next. */
  readPage(opts: { limit?: number; cursor?: string } = {}): GraphPage {
    const limit = opts.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > GRAPH_PAGE_MAX) {
      throw invalidInput('limit', `limit must be a whole number from 1 to ${GRAPH_PAGE_MAX}`, `pass a limit between 1 and ${GRAPH_PAGE_MAX}`);
    }
    const after = opts.cursor === undefined ? 0 : Number(opts.cursor);
    if (!Number.isSafeInteger(after) || after < 0)
      throw invalidInput(
        'cursor',
        `"${opts.cursor}" is not a cursor this tool returned`,
        'pass nextCursor from the previous page, or omit cursor to start over',
      );
    const read = this.db.transaction(() => {
      const rows = this.sql
        .get('SELECT id, name, entity_type AS entityType FROM kg_entities WHERE id > ? ORDER BY id LIMIT ?')
        .all(after, limit + 1) as EntityRow[];
      const page = rows.slice(0, limit);
      const ids = page.map((r) => r.id);
      return {
        entities: withObservations(this.sql, page),
        relations: relationsFrom(this.sql, ids),
        ...(rows.length > limit ? { nextCursor: String(ids[ids.length - 1]) } : {}),
      };
    });
    return read();
  }

  search(opts: KgSearchOptions): KgSearchResult {
    return searchEntities(this.sql, opts);
  }

  /** The whole graph in creation order: what kg_export writes. */
  exportGraph(): Graph {
    const read = this.db.transaction(() => {
      const rows = this.db.prepare('SELECT id, name, entity_type AS entityType FROM kg_entities ORDER BY id').all() as EntityRow[];
      const obs = new Map<number, string[]>(rows.map((r) => [r.id, []]));
      for (const o of this.db.prepare('SELECT entity_id AS entityId, content FROM kg_observations ORDER BY id').iterate() as Iterable<{
        entityId: number;
        content: string;
      }>) {
        obs.get(o.entityId)!.push(o.content);
      }
      const relations = (
        this.db
          .prepare(
            'SELECT f.name AS "from", t.name AS "to", r.relation_type AS relationType FROM kg_relations r JOIN kg_entities f ON f.id = r.from_id JOIN kg_entities t ON t.id = r.to_id ORDER BY r.id',
          )
          .all() as Relation[]
      ).map(toRelation);
      return { entities: rows.map((r) => ({ name: r.name, entityType: r.entityType, observations: obs.get(r.id)! })), relations };
    });
    return read();
  }

  /**
   * Merges a whole graph in one transaction: new entities are created, existing ones get the
   * observations they lack, relations are created unless present. Items may carry the `line` they
   * came from, which errors then name.
   */
  importGraph(given: { entities: Located<Entity>[]; relations: Located<Relation>[] }, opts: ImportOptions = {}): ImportResult {
    const field = opts.field ?? 'graph';
    const where = (item: { line?: number }, i: number, kind: string) => (item.line === undefined ? `${kind} ${i + 1}` : `line ${item.line}`);
    const graph = {
      entities: given.entities.map((e, i) => atLine(field, where(e, i, 'entity'), () => checkEntity(e, 'entity'))),
      relations: given.relations.map((r, i) => atLine(field, where(r, i, 'relation'), () => checkRelation(r, 'relation'))),
    };
    return this.write(() => {
      const batch = new ObservationBatch(this.sql, this.now());
      const now = batch.now;
      const ids = this.insertEntities(graph.entities, now);
      const result: ImportResult = {
        entitiesCreated: 0,
        entitiesMerged: 0,
        observationsAdded: 0,
        relationsCreated: 0,
        relationsExisting: 0,
        danglingRelationsSkipped: [],
        typeConflicts: [],
      };
      for (const e of graph.entities) {
        const id = ids.get(e.name);
        if (id !== undefined) {
          // Later lines with the same name merge into the entity this one created.
          ids.delete(e.name);
          result.observationsAdded += batch.addToNew(id, e).observations.length;
          result.entitiesCreated++;
          continue;
        }
        const existing = this.entityByName(e.name)!;
        if (existing.entityType !== e.entityType) result.typeConflicts.push({ name: e.name, existingType: existing.entityType, importedType: e.entityType });
        const { added } = batch.addToExisting(existing.id, e.observations);
        if (added.length) result.entitiesMerged++;
        result.observationsAdded += added.length;
      }
      batch.flush();
      graph.relations.forEach((r, i) => {
        if (opts.skipDanglingRelations && (!this.entityByName(r.from) || !this.entityByName(r.to))) {
          result.danglingRelationsSkipped.push(toRelation(r));
          return;
        }
        const inserted = atLine(
          field,
          where(r, i, 'relation'),
          () => this.insertRelation(r, 'relation', now),
          'or import with skipDanglingRelations to leave such relations out',
        );
        if (inserted) result.relationsCreated++;
        else result.relationsExisting++;
      });
      return result;
    });
  }

  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private entityByName(name: string): EntityRow | undefined {
    return this.sql.get('SELECT id, name, entity_type AS entityType FROM kg_entities WHERE name = ?').get(asStored(name)) as EntityRow | undefined;
  }

  /**
   * Inserts the entities whose names are not taken, in the order given, in ONE statement, and returns
   * the ids of those it created by their names as given (the first of a repeated name). One
   * statement, not one per row: SQLite opens a statement savepoint for each write that fires a
   * trigger, and FTS5 writes its pending index data to disk at every savepoint, so row-at-a-time
   * inserts made one index segment (and its merges) per row: 85 % of a load's time.
   */
  private insertEntities(entities: readonly Entity[], now: number): Map<string, number> {
    const rows = this.sql
      .get(
        `INSERT INTO kg_entities(name, entity_type, created_at, updated_at)
           SELECT value ->> 0, value ->> 1, @now, @now FROM json_each(@rows) WHERE true ORDER BY key
           ON CONFLICT(name) DO NOTHING RETURNING id, name`,
      )
      .all({ now, rows: JSON.stringify(entities.map((e) => [asStored(e.name), asStored(e.entityType)])) }) as { id: number; name: string }[];
    const byStored = new Map(rows.map((r) => [r.name, r.id]));
    const ids = new Map<string, number>();
    for (const { name } of entities) {
      const id = byStored.get(asStored(name));
      if (id === undefined) continue;
      ids.set(name, id);
      byStored.delete(asStored(name));
    }
    return ids;
  }

  /** True when created, false when it existed; throws (rolling back the call) when an end is missing. */
  private insertRelation(r: Relation, field: string, now: number): boolean {
    const from = this.entityByName(r.from);
    if (!from) throw missingEntity(r.from, `${field}.from`);
    const to = this.entityByName(r.to);
    if (!to) throw missingEntity(r.to, `${field}.to`);
    const { changes } = this.sql
      .get('INSERT INTO kg_relations(from_id, to_id, relation_type, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(from.id, to.id, asStored(r.relationType), now);
    return changes > 0;
  }

  /** After observations were deleted (triggers take them out of the search index): bump the entity. */
  private touch(entity: EntityRow): void {
    this.sql.get('UPDATE kg_entities SET updated_at = ? WHERE id = ?').run(this.now(), entity.id);
  }
}

function missingEntity(name: string, field: string): AegisError {
  return invalidInput(field, `no entity named "${name}"`, 'create it first with kg_create_entities, or check the spelling (names are case-sensitive)');
}

/** Runs a check for one item of an imported file and names the file input and line in its error. */
function atLine<T>(field: string, where: string, fn: () => T, extraFix?: string): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof AegisError)) throw err;
    const fix = [err.fix, extraFix].filter(Boolean).join('; ');
    throw invalidInput(field, `${where}: ${err.field ? `${err.field}: ` : ''}${err.message}`, fix || undefined);
  }
}
