import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import type { Entity, Relation } from './types.js';

/** Prepared statements by SQL text, prepared once per connection: search runs a few per call. */
export class Statements {
  private readonly cache = new Map<string, Statement>();

  constructor(readonly db: Db) {}

  get(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
}

/** An entity row as the tables hold it; `id` never leaves the knowledge service. */
export interface EntityRow {
  id: number;
  name: string;
  entityType: string;
}

export interface ObservationRow {
  id: number;
  content: string;
}

/** Binds a list as one JSON parameter: `x IN (SELECT value FROM json_each(?))`. */
export const idList = (ids: readonly number[]): string => JSON.stringify(ids);

/**
 * Text as the knowledge graph stores it: an unpaired UTF-16 surrogate (which JSON and JavaScript
 * strings allow) has no UTF-8 form, so it becomes U+FFFD, as Buffer.from does. Bound as it is, it
 * would be stored as bytes that are not UTF-8, and read back as three U+FFFD that match nothing.
 * Every string a write stores or looks up goes through this, so lookups find what writes stored.
 * The first test is a plain scan; only text with surrogates (emoji) pays for the Unicode-aware one.
 */
export const asStored = (s: string): string => (ANY_SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\ufffd') : s);
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /\p{Cs}/gu;

/** Binds strings as one JSON parameter, each as asStored() makes it: `x IN (SELECT value FROM json_each(?))`. */
export const textList = (items: readonly string[]): string => JSON.stringify(items.map(asStored));

/** Each entity's observations, oldest first. */
export function observationsOf(sql: Statements, ids: readonly number[]): Map<number, ObservationRow[]> {
  const byEntity = new Map<number, ObservationRow[]>(ids.map((id) => [id, []]));
  const rows = sql
    .get('SELECT entity_id AS entityId, id, content FROM kg_observations WHERE entity_id IN (SELECT value FROM json_each(?)) ORDER BY id')
    .all(idList(ids)) as (ObservationRow & { entityId: number })[];
  for (const { entityId, id, content } of rows) byEntity.get(entityId)?.push({ id, content });
  return byEntity;
}

/** The entities with their observations, in the order of `rows`. */
export function withObservations(sql: Statements, rows: readonly EntityRow[]): Entity[] {
  const obs = observationsOf(
    sql,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ name: r.name, entityType: r.entityType, observations: (obs.get(r.id) ?? []).map((o) => o.content) }));
}

const RELATION_COLUMNS = `SELECT r.id, r.from_id AS fromId, r.to_id AS toId, f.name AS "from", t.name AS "to", r.relation_type AS relationType
  FROM kg_relations r JOIN kg_entities f ON f.id = r.from_id JOIN kg_entities t ON t.id = r.to_id`;

export interface RelationRow extends Relation {
  id: number;
  fromId: number;
  toId: number;
}

/** Relations with at least one end among `ids`, oldest first. */
export function relationsTouching(sql: Statements, ids: readonly number[]): RelationRow[] {
  return sql
    .get(
      `${RELATION_COLUMNS} WHERE r.id IN (
         SELECT id FROM kg_relations WHERE from_id IN (SELECT value FROM json_each(@ids))
         UNION SELECT id FROM kg_relations WHERE to_id IN (SELECT value FROM json_each(@ids)))
       ORDER BY r.id`,
    )
    .all({ ids: idList(ids) }) as RelationRow[];
}

/** Relations that start at one of `ids`, oldest first: a page of entities owns these. */
export function relationsFrom(sql: Statements, ids: readonly number[]): Relation[] {
  return (sql.get(`${RELATION_COLUMNS} WHERE r.from_id IN (SELECT value FROM json_each(?)) ORDER BY r.id`).all(idList(ids)) as RelationRow[]).map(toRelation);
}

export const toRelation = (r: Relation): Relation => ({ from: r.from, to: r.to, relationType: r.relationType });
