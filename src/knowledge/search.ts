import { invalidInput } from '../errors.js';
import { asStems, relevance, searchTerms, toMatchExpression, type FtsTerm } from '../db/fts-query.js';
import { idList, observationsOf, relationsTouching, toRelation, type EntityRow, type ObservationRow, type Statements } from './read.js';
import type { Relation } from './types.js';
import { checkEntityType } from './validate.js';

export const SEARCH_MAX = 100;

/**
 * Cost bounds, so that no query costs more than a few milliseconds at 50k entities (bm25 costs a few
 * microseconds per document it scores):
 * - when more names, or more observations, hold every word than RANK_WINDOW, the newest RANK_WINDOW
 *   of them are ranked (with a note): every result still holds every word in that one place;
 * - entities holding the words spread over several observations are found by intersecting each
 *   word's entities; when a word is in more than SPREAD_DOCUMENTS_MAX observations, that step is
 *   skipped (with a note, if the page is not full): it is the weakest kind of match.
 */
export const RANK_WINDOW = 2000;
export const SPREAD_DOCUMENTS_MAX = 5000;

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
  fact?: number | null;
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
  let windowed = false;
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
        [base, () => ranked(sql, NAMES, pass, { entityType, limit: want + hits.size }, () => (windowed = true))],
        [base - 1, () => ranked(sql, OBSERVATIONS, pass, { entityType, limit: want + hits.size }, () => (windowed = true))],
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
          if (!hits.has(m.id)) hits.set(m.id, { id: m.id, score: kind + fraction(m.bm25), fact: m.fact ?? undefined, terms: pass });
        }
      }
    });
  }

  const page = [...hits.values()].slice(0, limit);
  const ids = page.map((h) => h.id);
  const entities = new Map(
    (sql.get('SELECT id, name, entity_type AS entityType FROM kg_entities WHERE id IN (SELECT value FROM json_each(?))').all(idList(ids)) as EntityRow[]).map(
      (e) => [e.id, e],
    ),
  );
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
  if (windowed) note = [WINDOW_NOTE, note].filter(Boolean).join('; ');
  return { results, hasMore: hits.size > limit, ...(note ? { note } : {}) };
}

const WINDOW_NOTE = `more than ${RANK_WINDOW} names or observations hold every word: the newest ${RANK_WINDOW} of them were ranked; add a more specific word`;
const SPREAD_NOTE = `a word of the query is in more than ${SPREAD_DOCUMENTS_MAX} observations: entities that hold the words only spread over several observations were not looked for; add a more specific word`;

/** bm25 (negative, lower is better) as a fraction in [0, 1), higher is better. */
const fraction = (bm25: number): number => {
  const r = relevance(bm25);
  return r / (1 + r);
};

// CROSS JOIN keeps the full-text index as the outer loop: otherwise, with a type filter, SQLite may
// walk every entity of the type and run the MATCH once for each.
const ofType = (q: Query, entityId: string) =>
  q.entityType === undefined ? '' : `CROSS JOIN kg_entities e ON e.id = ${entityId} AND e.entity_type = @entityType`;
const params = (q: Query, match: string) => ({ match, limit: q.limit, ...(q.entityType === undefined ? {} : { entityType: q.entityType }) });

/** A search index and how its documents map to entities. */
interface Documents {
  table: string;
  /** SQL joining the index `f` to the entity id `id` (and the matching document as `fact`, if any). */
  from: (q: Query) => string;
  entityId: string;
  fact: string;
}

const NAMES: Documents = {
  table: 'kg_entity_name_fts',
  from: (q) => `kg_entity_name_fts f ${ofType(q, 'f.rowid')}`,
  entityId: 'f.rowid',
  fact: 'NULL',
};

const OBSERVATIONS: Documents = {
  table: 'kg_observation_fts',
  from: (q) => `kg_observation_fts f CROSS JOIN kg_observations o ON o.id = f.rowid ${ofType(q, 'o.entity_id')}`,
  entityId: 'o.entity_id',
  fact: 'f.rowid',
};

/** True when more than `n` documents match: stepping n rows into the match list is cheap, scoring them is not. */
function holdsMoreThan(sql: Statements, table: string, match: string, n: number): boolean {
  return sql.get(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? LIMIT 1 OFFSET ?`).get(match, n) !== undefined;
}

/**
 * Entities with one document holding every word, each by its best such document, best first (newest
 * first on a tie): bm25 ORDER BY and LIMIT inside SQLite over every matching document, or over the
 * newest RANK_WINDOW when more match (then `onWindow` is called).
 */
function ranked(sql: Statements, docs: Documents, terms: FtsTerm[], q: Query, onWindow: () => void): Match[] {
  const match = toMatchExpression(terms);
  const window = holdsMoreThan(sql, docs.table, match, RANK_WINDOW) ? RANK_WINDOW : -1;
  if (window > 0) onWindow();
  // With min(), SQLite takes the bare column `fact` from the row that holds the minimum.
  return sql
    .get(
      `SELECT id, min(bm25) AS bm25, fact FROM (
         SELECT ${docs.entityId} AS id, f.rank AS bm25, ${docs.fact} AS fact, f.rowid AS doc FROM ${docs.from(q)}
         WHERE ${docs.table} MATCH @match ORDER BY f.rowid DESC LIMIT @window)
       GROUP BY id ORDER BY bm25, max(doc) DESC LIMIT @limit`,
    )
    .all({ ...params(q, match), window }) as Match[];
}

/**
 * Entities holding every word somewhere in their name, type and observations, newest first: the
 * intersection of each word's entities, inside SQLite. 'too broad' when a word is in more than
 * SPREAD_DOCUMENTS_MAX observations.
 */
function spreadMatches(sql: Statements, terms: FtsTerm[], q: Query): Match[] | 'too broad' {
  if (terms.length < 2) return []; // one word is in one place: the kinds before found it
  const matches = terms.map((t) => toMatchExpression([t]));
  if (matches.some((m) => holdsMoreThan(sql, OBSERVATIONS.table, m, SPREAD_DOCUMENTS_MAX))) return 'too broad';
  const holders = matches.map(
    (_, i) => `SELECT id FROM (
      SELECT rowid AS id FROM kg_entity_name_fts WHERE kg_entity_name_fts MATCH @m${i}
      UNION SELECT o.entity_id FROM kg_observation_fts f CROSS JOIN kg_observations o ON o.id = f.rowid WHERE kg_observation_fts MATCH @m${i})`,
  );
  const rows = sql.get(`SELECT h.id, 0 AS bm25 FROM (${holders.join(' INTERSECT ')}) h ${ofType(q, 'h.id')} ORDER BY h.id DESC LIMIT @limit`).all({
    ...Object.fromEntries(matches.map((m, i) => [`m${i}`, m])),
    limit: q.limit,
    ...(q.entityType === undefined ? {} : { entityType: q.entityType }),
  }) as Match[];
  return rows;
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
