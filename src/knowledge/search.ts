import { invalidInput } from '../errors.js';
import { asStems, relevance, searchTerms, toMatchExpression, type FtsTerm } from './fts-query.js';
import { idList, observationsOf, relationsTouching, toRelation, type EntityRow, type ObservationRow, type Statements } from './read.js';
import type { Relation } from './types.js';
import { checkEntityType } from './validate.js';

export const SEARCH_MAX = 100;

/**
 * Words spread over several observations of an entity are checked entity by entity, starting from
 * the rarest word's documents. When even the rarest word is in more documents than this, that step
 * is skipped (with a note): it would cost tens of milliseconds for matches that say little.
 */
export const SPREAD_CANDIDATES_MAX = 20_000;

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
  /**
   * Relevance, higher is better. The whole part says how the words matched, in the order results
   * come: 6 all in the name and type, 5 all in one observation, 4 spread over the entity; 3, 2, 1 the
   * same with words read as stems (`migr` for "migration"). The fraction is bm25 within that kind.
   */
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
  /** Present when some matches were not looked for: says which and what to do. */
  note?: string;
}

/** A matching entity; `fact` is its observation that holds every word, when one does. */
interface Hit {
  id: number;
  score: number;
  fact?: number;
  /** The terms it matched with (whole words or stems): they pick the best observation. */
  terms: FtsTerm[];
}

interface Query {
  entityType?: string;
  /** How many entities to fetch: enough to fill the page plus one after dropping those already found. */
  limit: number;
}

interface Match {
  id: number;
  bm25: number;
  fact?: number;
}

/**
 * Ranked full-text search: every word of the query must appear in the entity. Matches come in kinds,
 * each ranked by bm25 inside SQLite (ORDER BY rank, LIMIT) over every document that matches, so no
 * query is too broad to rank: the entities whose name and type hold every word, then those with one
 * observation holding every word (what recalling a fact by some of its words means), then those that
 * hold the words spread over several observations. A kind is only asked for while the page is not
 * full. Then the same again with each word read as a stem (`migr` finds "migration"), so whole words
 * always come before prefixes.
 */
export function searchEntities(sql: Statements, opts: KgSearchOptions): KgSearchResult {
  const limit = opts.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_MAX) {
    throw invalidInput('limit', `limit must be a whole number from 1 to ${SEARCH_MAX}`, `pass a limit between 1 and ${SEARCH_MAX}`);
  }
  const entityType = opts.entityType === undefined ? undefined : checkEntityType(opts.entityType, 'entityType');
  const want = limit + 1;
  const hits = new Map<number, Hit>();
  let note: string | undefined;
  if (opts.query.trim() === '' && entityType !== undefined) {
    const rows = sql.get('SELECT id FROM kg_entities WHERE entity_type = ? ORDER BY name LIMIT ?').all(entityType, want) as { id: number }[];
    for (const r of rows) hits.set(r.id, { id: r.id, score: 0, terms: [] });
  } else {
    const terms = searchTerms(opts.query);
    const stems = asStems(terms);
    const passes = stems ? [terms, stems] : [terms];
    passes.forEach((pass, p) => {
      const base = (passes.length - p) * 3; // whole words 6..4, stems 3..1
      const kinds: [number, () => Match[]][] = [
        [base, () => nameMatches(sql, pass, { entityType, limit: want + hits.size })],
        [base - 1, () => observationMatches(sql, pass, { entityType, limit: want + hits.size })],
        [
          base - 2,
          () => {
            const spread = spreadMatches(sql, pass, { entityType, limit: want + hits.size });
            if (spread === 'too broad' && hits.size < want) note = SPREAD_NOTE;
            return spread === 'too broad' ? [] : spread;
          },
        ],
      ];
      for (const [kind, find] of kinds) {
        if (hits.size >= want) return;
        for (const m of find()) {
          if (hits.size >= want) break;
          if (!hits.has(m.id)) hits.set(m.id, { id: m.id, score: kind + fraction(m.bm25), fact: m.fact, terms: pass });
        }
      }
    });
  }

  const page = [...hits.values()].slice(0, limit);
  const ids = page.map((h) => h.id);
  const entities = new Map((sql.get('SELECT id, name, entity_type AS entityType FROM kg_entities WHERE id IN (SELECT value FROM json_each(?))').all(idList(ids)) as EntityRow[]).map((e) => [e.id, e]));
  const observations = observationsOf(sql, ids);
  const relations = opts.detail === 'full' ? relationsTouching(sql, ids) : [];
  const results = page.map((h): KgSearchHit => {
    const e = entities.get(h.id)!;
    const obs = observations.get(h.id) ?? [];
    const base = { name: e.name, entityType: e.entityType, score: Number(h.score.toFixed(4)), observationCount: obs.length };
    if (opts.detail === 'full') {
      return { ...base, observations: obs.map((o) => o.content), relations: relations.filter((r) => r.fromId === h.id || r.toId === h.id).map(toRelation) };
    }
    return { ...base, bestObservation: bestObservation(sql, h, obs) };
  });
  return { results, hasMore: hits.size > limit, ...(note ? { note } : {}) };
}

const SPREAD_NOTE = `every word of the query is in more than ${SPREAD_CANDIDATES_MAX} documents: entities that hold the words only spread over several observations were not looked for; add a more specific word`;

/** bm25 (negative, lower is better) as a fraction in [0, 1), higher is better. */
const fraction = (bm25: number): number => {
  const r = relevance(bm25);
  return r / (1 + r);
};

// CROSS JOIN keeps the full-text index as the outer loop: otherwise, with a type filter, SQLite may
// walk every entity of the type and run the MATCH once for each.
const ofType = (q: Query, entityId: string) => (q.entityType === undefined ? '' : `CROSS JOIN kg_entities e ON e.id = ${entityId} AND e.entity_type = @entityType`);
const params = (q: Query, match: string) => ({ match, limit: q.limit, ...(q.entityType === undefined ? {} : { entityType: q.entityType }) });

/** Entities whose name and type together hold every word, best first. */
function nameMatches(sql: Statements, terms: FtsTerm[], q: Query): Match[] {
  return sql
    .get(
      `SELECT n.rowid AS id, n.rank AS bm25 FROM kg_entity_name_fts n ${ofType(q, 'n.rowid')}
       WHERE kg_entity_name_fts MATCH @match ORDER BY n.rank, n.rowid DESC LIMIT @limit`,
    )
    .all(params(q, toMatchExpression(terms))) as Match[];
}

/** Entities with one observation holding every word, by their best such observation (newest first on a tie). */
function observationMatches(sql: Statements, terms: FtsTerm[], q: Query): Match[] {
  // With min(), SQLite takes the bare column f.rowid from the row that holds the minimum.
  return sql
    .get(
      `SELECT o.entity_id AS id, min(f.rank) AS bm25, f.rowid AS fact
       FROM kg_observation_fts f CROSS JOIN kg_observations o ON o.id = f.rowid ${ofType(q, 'o.entity_id')}
       WHERE kg_observation_fts MATCH @match GROUP BY o.entity_id ORDER BY bm25, fact DESC LIMIT @limit`,
    )
    .all(params(q, toMatchExpression(terms))) as Match[];
}

/** How many documents (names and observations) hold the term, counting no further than `cap + 1`. */
function documentsUpTo(sql: Statements, match: string, cap: number): number {
  const count = (table: string) => (sql.get(`SELECT count(*) AS n FROM (SELECT rowid FROM ${table} WHERE ${table} MATCH ? LIMIT ?)`).get(match, cap + 1) as { n: number }).n;
  return count('kg_entity_name_fts') + count('kg_observation_fts');
}

/**
 * Entities holding every word somewhere in their name, type and observations, newest first: the
 * rarest word's entities, kept while they hold each other word. 'too broad' when even the rarest
 * word is in more than SPREAD_CANDIDATES_MAX documents.
 */
function spreadMatches(sql: Statements, terms: FtsTerm[], q: Query): Match[] | 'too broad' {
  if (terms.length < 2) return []; // one word is in one place: the kinds before found it
  const byRarity = terms
    .map((t) => toMatchExpression([t]))
    .map((match) => ({ match, docs: documentsUpTo(sql, match, SPREAD_CANDIDATES_MAX) }))
    .sort((a, b) => a.docs - b.docs);
  if (byRarity[0]!.docs > SPREAD_CANDIDATES_MAX) return 'too broad';
  let ids = (
    sql
      .get(
        `SELECT DISTINCT h.id FROM (
           SELECT rowid AS id FROM kg_entity_name_fts WHERE kg_entity_name_fts MATCH @match
           UNION ALL SELECT o.entity_id FROM kg_observation_fts f CROSS JOIN kg_observations o ON o.id = f.rowid WHERE kg_observation_fts MATCH @match
         ) h ${ofType(q, 'h.id')}`,
      )
      .all(params({ ...q, limit: -1 }, byRarity[0]!.match)) as { id: number }[]
  ).map((r) => r.id);
  for (const { match } of byRarity.slice(1)) {
    if (ids.length === 0) break;
    ids = (
      sql
        .get(
          `SELECT c.value AS id FROM json_each(@ids) c WHERE
             EXISTS (SELECT 1 FROM kg_entity_name_fts WHERE kg_entity_name_fts MATCH @match AND rowid = c.value)
             OR EXISTS (SELECT 1 FROM kg_observations o CROSS JOIN kg_observation_fts f ON f.rowid = o.id WHERE o.entity_id = c.value AND kg_observation_fts MATCH @match)`,
        )
        .all({ ids: idList(ids), match }) as { id: number }[]
    ).map((r) => r.id);
  }
  return ids
    .sort((a, b) => b - a)
    .slice(0, q.limit)
    .map((id) => ({ id, bm25: 0 }));
}

/**
 * The observation holding every word (the best by bm25, found while matching); else the one that
 * ranks best for any of the words; else the newest. Null when the entity has no observations.
 */
function bestObservation(sql: Statements, hit: Hit, observations: ObservationRow[]): string | null {
  if (observations.length === 0) return null;
  const newest = observations[observations.length - 1]!.content;
  const fact = hit.fact === undefined ? undefined : observations.find((o) => o.id === hit.fact);
  if (fact) return fact.content;
  if (hit.terms.length === 0) return newest;
  const best = sql
    .get(
      `SELECT o.id FROM kg_observations o CROSS JOIN kg_observation_fts f ON f.rowid = o.id
       WHERE o.entity_id = ? AND kg_observation_fts MATCH ? ORDER BY f.rank, o.id DESC LIMIT 1`,
    )
    .get(hit.id, toMatchExpression(hit.terms, 'OR')) as { id: number } | undefined;
  return observations.find((o) => o.id === best?.id)?.content ?? newest;
}
