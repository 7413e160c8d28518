import { invalidInput } from '../errors.js';
import { relevance, searchTerms, toMatchExpression, type FtsTerm } from './fts-query.js';
import { observationsOf, relationsTouching, toRelation, type EntityRow, type Statements } from './read.js';
import type { Relation } from './types.js';
import { checkEntityType } from './validate.js';

export const SEARCH_MAX = 100;

/**
 * Ranking cost, measured at 50k entities: bm25 scores every entity that holds all the words (~1 µs
 * each, so a word found in 49,000 entities costs ~50 ms) and weighs each word by scanning every
 * document that holds it (~0.07 µs each); marking the words of a hit with highlight() costs ~10 µs.
 * Two bounds keep any query at a few milliseconds:
 * - more than RANKED_MATCHES_MAX matching entities: too broad to rank, listed unranked (names first);
 * - a word held by more than BROAD_TERM_ENTITIES entities filters the matches but does not rank them
 *   (it says little about relevance anyway); the other words rank them.
 */
export const RANKED_MATCHES_MAX = 500;
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
  /** brief: the observation holding the most query words, else the newest one (null if it has none). */
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

/** A matching entity with the query's words marked in its name, type and observations columns. */
type Hit = EntityRow & { score: number; markedName: string | null; markedType: string | null; marked: string | null };

/**
 * Ranked full-text search over one search document per entity: every word of the query must appear
 * somewhere in the entity, in any order and any field, so "migration failed" finds "failed while
 * running migration 42". Ranking is FTS5's bm25 with the name weighted above the type above
 * observations, within the bounds that keep every query cheap (RANKED_MATCHES_MAX, BROAD_TERM_ENTITIES).
 */
export function searchEntities(sql: Statements, opts: KgSearchOptions): KgSearchResult {
  const limit = opts.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_MAX) {
    throw invalidInput('limit', `limit must be a whole number from 1 to ${SEARCH_MAX}`, `pass a limit between 1 and ${SEARCH_MAX}`);
  }
  const entityType = opts.entityType === undefined ? undefined : checkEntityType(opts.entityType, 'entityType');
  let rows: Hit[];
  let note: string | undefined;
  if (opts.query.trim() === '' && entityType !== undefined) {
    rows = sql.get('SELECT id, name, entity_type AS entityType, 0 AS score, NULL AS markedName, NULL AS markedType, NULL AS marked FROM kg_entities WHERE entity_type = ? ORDER BY name LIMIT ?').all(entityType, limit + 1) as Hit[];
  } else {
    const terms = searchTerms(opts.query);
    const filter = { all: toMatchExpression(terms, 'AND'), entityType, limit: limit + 1 };
    if (holdsMoreThan(sql, filter.all, RANKED_MATCHES_MAX)) {
      rows = namesThenNewest(sql, terms, filter);
      note = `more than ${RANKED_MATCHES_MAX} entities hold every word, too many to rank: entities whose name matches come first, then the newest; add a more specific word to rank them`;
    } else {
      const narrow = terms.filter((t) => !holdsMoreThan(sql, toMatchExpression([t], 'AND'), BROAD_TERM_ENTITIES));
      rows = narrow.length > 0 && narrow.length < terms.length ? rankedByNarrow(sql, toMatchExpression(narrow, 'AND'), filter) : rankedBy(sql, filter);
    }
  }

  const hits = rows.slice(0, limit);
  const ids = hits.map((h) => h.id);
  const observations = observationsOf(sql, ids);
  const relations = opts.detail === 'full' ? relationsTouching(sql, ids) : [];
  const results = hits.map((h): KgSearchHit => {
    const obs = (observations.get(h.id) ?? []).map((o) => o.content);
    const base = { name: h.name, entityType: h.entityType, score: relevance(h.score), observationCount: obs.length };
    if (opts.detail === 'full') {
      return { ...base, observations: obs, relations: relations.filter((r) => r.fromId === h.id || r.toId === h.id).map(toRelation) };
    }
    return { ...base, bestObservation: bestObservation(h.marked, obs) };
  });
  return { results, hasMore: rows.length > limit, ...(note ? { note } : {}) };
}

interface Filter {
  /** MATCH expression with every query word: what an entity must hold. */
  all: string;
  entityType?: string;
  limit: number;
}

/** True when more than `n` entities match: stepping n rows into the match list is cheap, counting it all is not. */
function holdsMoreThan(sql: Statements, match: string, n: number): boolean {
  return sql.get('SELECT rowid FROM kg_entity_fts WHERE kg_entity_fts MATCH ? LIMIT 1 OFFSET ?').get(match, n) !== undefined;
}

/** How many of the best bm25 hits are re-ordered by how well one observation covers the query. */
const RERANK_CANDIDATES = 50;

// CROSS JOIN keeps the full-text index as the outer loop: otherwise, with a type filter, SQLite may
// walk every entity of the type and run the MATCH once for each. highlight() marks the matched words
// of each column; it runs only for the rows returned.
const mark = (column: number) => `highlight(kg_entity_fts, ${column}, '${MARK_OPEN}', '${MARK_CLOSE}')`;
const HIT_COLUMNS = `SELECT e.id, e.name, e.entity_type AS entityType, kg_entity_fts.rank AS score,
  ${mark(0)} AS markedName, ${mark(1)} AS markedType, ${mark(2)} AS marked
  FROM kg_entity_fts CROSS JOIN kg_entities e ON e.id = kg_entity_fts.rowid`;
const byType = (f: Filter) => (f.entityType === undefined ? '' : 'AND e.entity_type = @entityType');
const params = (f: Filter, match: string, limit?: number) => ({ match, ...(limit === undefined ? {} : { limit }), ...(f.entityType === undefined ? {} : { entityType: f.entityType }) });
const candidates = (f: Filter) => Math.max(f.limit, RERANK_CANDIDATES);

/** bm25 over every word, then the best candidates re-ordered by coverage. */
function rankedBy(sql: Statements, f: Filter): Hit[] {
  const hits = sql.get(`${HIT_COLUMNS} WHERE kg_entity_fts MATCH @match ${byType(f)} ORDER BY kg_entity_fts.rank LIMIT @limit`).all(params(f, f.all, candidates(f))) as Hit[];
  return byCoverage(hits).slice(0, f.limit);
}

/**
 * The entities holding every word (at most RANKED_MATCHES_MAX, so marking them all stays cheap),
 * ranked by bm25 over the distinctive words alone, then re-ordered by coverage of every word.
 */
function rankedByNarrow(sql: Statements, narrow: string, f: Filter): Hit[] {
  const score = new Map(
    (sql.get('SELECT rowid AS id, rank AS score FROM kg_entity_fts WHERE kg_entity_fts MATCH ?').all(narrow) as { id: number; score: number }[]).map((r) => [r.id, r.score]),
  );
  const holdingAll = sql.get(`${HIT_COLUMNS} WHERE kg_entity_fts MATCH @match ${byType(f)}`).all(params(f, f.all)) as Hit[];
  const ranked = holdingAll.map((h) => ({ ...h, score: score.get(h.id) ?? 0 })).sort((a, b) => a.score - b.score);
  return byCoverage(ranked).slice(0, f.limit);
}

/** Unranked: entities whose name holds every word, then every other match, newest first. */
function namesThenNewest(sql: Statements, terms: FtsTerm[], f: Filter): Hit[] {
  const newest = (match: string) =>
    (sql.get(`${HIT_COLUMNS} WHERE kg_entity_fts MATCH @match ${byType(f)} ORDER BY kg_entity_fts.rowid DESC LIMIT @limit`).all(params(f, match, f.limit)) as Hit[]).map((h) => ({
      ...h,
      score: 0,
    }));
  const byName = newest(`{name} : (${toMatchExpression(terms, 'AND')})`);
  const seen = new Set(byName.map((h) => h.id));
  return [...byName, ...newest(f.all).filter((h) => !seen.has(h.id))].slice(0, f.limit);
}

/** The distinct words highlight() marked in a text, case- and accent-folded. */
function markedWords(text: string | null): Set<string> {
  return new Set(
    [...(text ?? '').matchAll(MARKED_WORD)].map((m) =>
      m[1]!
        .normalize('NFD')
        .replace(/\p{M}/gu, '')
        .toLowerCase(),
    ),
  );
}

/**
 * Re-orders hits so that an entity with ONE fact (an observation, with its name and type) holding
 * the most query words comes first, bm25 breaking ties: "migration failed" should find the entity
 * whose note says "migration 42 failed" before one that says "migration" in one note and "failed" in
 * another. bm25 alone sees the entity as one bag of words. Words are counted by their marked
 * surface form, so two forms of one stem in one observation count twice: rare, and only reorders.
 */
function byCoverage(hits: Hit[]): Hit[] {
  const coverage = (h: Hit) => {
    const label = new Set([...markedWords(h.markedName), ...markedWords(h.markedType)]);
    const facts = (h.marked ?? '').split(OBSERVATION_SEPARATOR).map((o) => new Set([...label, ...markedWords(o)]).size);
    return Math.max(label.size, ...facts);
  };
  return hits
    .map((h) => ({ h, c: coverage(h) }))
    .sort((a, b) => b.c - a.c || a.h.score - b.h.score)
    .map(({ h }) => h);
}

/**
 * The observation with the most distinct query words marked by highlight() (then the most marks),
 * the earliest on a tie; the newest observation when none holds a query word.
 */
function bestObservation(marked: string | null, observations: string[]): string | null {
  if (observations.length === 0) return null;
  let best = -1;
  let bestScore = 0;
  (marked?.split(OBSERVATION_SEPARATOR) ?? []).forEach((segment, i) => {
    const marks = [...segment.matchAll(MARKED_WORD)].length;
    const score = markedWords(segment).size * 1000 + marks;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return observations[best] ?? observations[observations.length - 1]!;
}
