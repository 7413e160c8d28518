import { invalidInput } from '../errors.js';
import { relevance, searchTerms, toMatchExpression } from './fts-query.js';
import { idList, observationsOf, relationsTouching, toRelation, type EntityRow, type ObservationRow, type Statements } from './read.js';
import type { Relation } from './types.js';
import { checkEntityType } from './validate.js';

export const SEARCH_MAX = 100;

/**
 * Ranking cost, measured at 50k entities: bm25 scores every entity that holds all the words (~1 µs
 * each, so a word found in 49,000 entities costs ~50 ms) and weighs each word by scanning every
 * document that holds it (~0.07 µs each). Two bounds keep any query at a few milliseconds:
 * - more than RANKED_MATCHES_MAX matching entities: too broad to rank, listed unranked;
 * - a word held by more than BROAD_TERM_ENTITIES entities filters the matches but does not rank them
 *   (it says little about relevance anyway); the other words rank them.
 */
export const RANKED_MATCHES_MAX = 1000;
export const BROAD_TERM_ENTITIES = 1000;

/** Joins an entity's observations in its search document; tokens never contain it. */
export const OBSERVATION_SEPARATOR = '\u001e';
const MARK_OPEN = '\u0001';
const MARK_CLOSE = '\u0002';
const MARKED_WORD = /\u0001([^\u0002]*)\u0002/g;

/** The observations column of an entity's search document. */
export const searchDocumentObservations = (observations: readonly string[]): string =>
  observations.map((o) => o.replaceAll(OBSERVATION_SEPARATOR, ' ')).join(OBSERVATION_SEPARATOR);

export interface KgSearchOptions {
  /** Words that must all appear in the entity (name, type or any observation); `word*` is a prefix. */
  query: string;
  /** Only entities of exactly this type. With an empty query, lists that type. */
  entityType?: string;
  /** brief: the best-matching observation; full: every observation and relation. */
  detail?: 'brief' | 'full';
  limit?: number;
}

export interface KgSearchHit {
  name: string;
  entityType: string;
  /** Relevance, higher is better (bm25 with name > type > observations); 0 when unranked. */
  score: number;
  observationCount: number;
  /** brief: the observation that best matches the query, else the newest one (null if it has none). */
  bestObservation?: string | null;
  /** full: every observation, oldest first. */
  observations?: string[];
  /** full: every relation with this entity at one end. */
  relations?: Relation[];
}

export interface KgSearchResult {
  results: KgSearchHit[];
  /** More entities matched than `limit`. */
  hasMore: boolean;
  /** Present when the query matched too many entities to rank: says how the results are ordered. */
  note?: string;
}

/** A matching entity; `facts` are its observations that hold every word (with its name and type). */
interface Hit {
  id: number;
  score: number;
  facts: Set<number>;
}

interface Query {
  /** MATCH expression with every word: what an entity must hold. */
  all: string;
  entityType?: string;
  /** How many hits to return: the page plus one, to tell whether there are more. */
  limit: number;
}

/**
 * Ranked full-text search: every word of the query must appear somewhere in the entity, in any order
 * and any field, so "migration failed" finds "failed while running migration 42". Entities with one
 * fact (an observation, with the entity's name and type) holding every word come first, since that
 * is what recalling a fact by some of its words means; bm25 over the whole entity orders the rest
 * and breaks ties, within the bounds that keep every query cheap (RANKED_MATCHES_MAX, BROAD_TERM_ENTITIES).
 */
export function searchEntities(sql: Statements, opts: KgSearchOptions): KgSearchResult {
  const limit = opts.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_MAX) {
    throw invalidInput('limit', `limit must be a whole number from 1 to ${SEARCH_MAX}`, `pass a limit between 1 and ${SEARCH_MAX}`);
  }
  const entityType = opts.entityType === undefined ? undefined : checkEntityType(opts.entityType, 'entityType');
  let hits: Hit[];
  let all: string | undefined;
  let note: string | undefined;
  if (opts.query.trim() === '' && entityType !== undefined) {
    const rows = sql.get('SELECT id FROM kg_entities WHERE entity_type = ? ORDER BY name LIMIT ?').all(entityType, limit + 1) as { id: number }[];
    hits = rows.map((r) => ({ id: r.id, score: 0, facts: new Set() }));
  } else {
    const terms = searchTerms(opts.query);
    all = toMatchExpression(terms);
    const q = { all, entityType, limit: limit + 1 };
    if (holdsMoreThan(sql, all, RANKED_MATCHES_MAX)) {
      hits = unranked(sql, q);
      note = `more than ${RANKED_MATCHES_MAX} entities hold every word, too many to rank: entities whose name holds them come first, then those with one observation holding them, newest first; add a more specific word to rank them`;
    } else {
      const narrow = terms.filter((t) => !holdsMoreThan(sql, toMatchExpression([t]), BROAD_TERM_ENTITIES));
      // With no distinctive word, every word ranks: the matches are few (checked above), so it stays cheap.
      hits = ranked(sql, narrow.length > 0 ? toMatchExpression(narrow) : all, q);
    }
  }

  const page = hits.slice(0, limit);
  const ids = page.map((h) => h.id);
  const entities = new Map((sql.get('SELECT id, name, entity_type AS entityType FROM kg_entities WHERE id IN (SELECT value FROM json_each(?))').all(idList(ids)) as EntityRow[]).map((e) => [e.id, e]));
  const observations = observationsOf(sql, ids);
  const relations = opts.detail === 'full' ? relationsTouching(sql, ids) : [];
  const results = page.map((h): KgSearchHit => {
    const e = entities.get(h.id)!;
    const obs = observations.get(h.id) ?? [];
    const base = { name: e.name, entityType: e.entityType, score: relevance(h.score), observationCount: obs.length };
    if (opts.detail === 'full') {
      return { ...base, observations: obs.map((o) => o.content), relations: relations.filter((r) => r.fromId === h.id || r.toId === h.id).map(toRelation) };
    }
    return { ...base, bestObservation: bestObservation(sql, all, h, obs) };
  });
  return { results, hasMore: hits.length > limit, ...(note ? { note } : {}) };
}

/** True when more than `n` entities match: stepping n rows into the match list is cheap, counting it all is not. */
function holdsMoreThan(sql: Statements, match: string, n: number): boolean {
  return sql.get('SELECT rowid FROM kg_entity_fts WHERE kg_entity_fts MATCH ? LIMIT 1 OFFSET ?').get(match, n) !== undefined;
}

const byType = (q: Query) => (q.entityType === undefined ? '' : 'AND e.entity_type = @entityType');
const params = (q: Query, match: string) => ({ match, ...(q.entityType === undefined ? {} : { entityType: q.entityType }) });

// CROSS JOIN keeps the full-text index as the outer loop: otherwise, with a type filter, SQLite may
// walk every entity of the type and run the MATCH once for each.
const ENTITY_MATCHES = 'SELECT e.id FROM kg_entity_fts CROSS JOIN kg_entities e ON e.id = kg_entity_fts.rowid WHERE kg_entity_fts MATCH @match';

/** Every fact holding every word, by entity: observation ids, and 0 for the name-and-type document. */
function factsHoldingAll(sql: Statements, all: string, limit = -1): Map<number, Set<number>> {
  const rows = sql
    .get(
      `SELECT CASE WHEN rowid < 0 THEN -rowid ELSE (SELECT entity_id FROM kg_observations WHERE id = kg_fact_fts.rowid) END AS entityId,
              max(rowid, 0) AS factId
       FROM kg_fact_fts WHERE kg_fact_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
    )
    .all(all, limit) as { entityId: number; factId: number }[];
  const byEntity = new Map<number, Set<number>>();
  for (const { entityId, factId } of rows) {
    const facts = byEntity.get(entityId) ?? new Set<number>();
    facts.add(factId);
    byEntity.set(entityId, facts);
  }
  return byEntity;
}

/**
 * The entities holding every word (at most RANKED_MATCHES_MAX), scored by bm25 over `ranking` (the
 * distinctive words), those with a fact holding every word first.
 */
function ranked(sql: Statements, ranking: string, q: Query): Hit[] {
  const holdingAll = sql.get(`${ENTITY_MATCHES} ${byType(q)}`).all(params(q, q.all)) as { id: number }[];
  const scores = new Map(
    (sql.get('SELECT rowid AS id, rank AS score FROM kg_entity_fts WHERE kg_entity_fts MATCH ?').all(ranking) as { id: number; score: number }[]).map((r) => [r.id, r.score]),
  );
  const facts = factsHoldingAll(sql, q.all);
  return holdingAll
    .map(({ id }) => ({ id, score: scores.get(id) ?? 0, facts: facts.get(id) ?? new Set<number>() }))
    .sort((a, b) => Number(b.facts.size > 0) - Number(a.facts.size > 0) || a.score - b.score)
    .slice(0, q.limit);
}

/** Too many matches to rank: name matches, then entities with a fact holding every word, then the rest; newest first in each. */
function unranked(sql: Statements, q: Query): Hit[] {
  const newest = (match: string) =>
    (sql.get(`${ENTITY_MATCHES} ${byType(q)} ORDER BY kg_entity_fts.rowid DESC LIMIT @limit`).all({ ...params(q, match), limit: q.limit }) as { id: number }[]).map((r) => r.id);
  const facts = factsHoldingAll(sql, q.all, 50 * q.limit);
  const factEntities = [...facts.keys()].filter((id) => q.entityType === undefined || typeMatches(sql, id, q.entityType));
  const order = [...new Set([...newest(`{name} : (${q.all})`), ...factEntities, ...newest(q.all)])];
  return order.slice(0, q.limit).map((id) => ({ id, score: 0, facts: facts.get(id) ?? new Set<number>() }));
}

function typeMatches(sql: Statements, id: number, entityType: string): boolean {
  return sql.get('SELECT 1 FROM kg_entities WHERE id = ? AND entity_type = ?').get(id, entityType) !== undefined;
}

/**
 * The shortest observation holding every word; else the one with the most query words marked by
 * highlight(); else the newest. Null when the entity has no observations.
 */
function bestObservation(sql: Statements, all: string | undefined, hit: Hit, observations: ObservationRow[]): string | null {
  if (observations.length === 0) return null;
  const full = observations.filter((o) => hit.facts.has(o.id)).sort((a, b) => a.content.length - b.content.length);
  if (full.length > 0) return full[0]!.content;
  const newest = observations[observations.length - 1]!.content;
  if (all === undefined) return newest;
  const row = sql.get(`SELECT highlight(kg_entity_fts, 2, '${MARK_OPEN}', '${MARK_CLOSE}') AS marked FROM kg_entity_fts WHERE kg_entity_fts MATCH ? AND rowid = ?`).get(all, hit.id) as
    | { marked: string }
    | undefined;
  let best = -1;
  let bestScore = 0;
  (row?.marked.split(OBSERVATION_SEPARATOR) ?? []).forEach((segment, i) => {
    const marks = [...segment.matchAll(MARKED_WORD)].map((m) => m[1]!.toLowerCase());
    const score = new Set(marks).size * 1000 + marks.length;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return observations[best]?.content ?? newest;
}
