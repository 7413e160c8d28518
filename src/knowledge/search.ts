import { invalidInput } from '../errors.js';
import { relevance, searchTerms, toMatchExpression, type FtsTerm } from './fts-query.js';
import { observationsOf, relationsTouching, toRelation, type EntityRow, type Statements } from './read.js';
import type { Relation } from './types.js';
import { checkEntityType } from './validate.js';

export const SEARCH_MAX = 100;

/**
 * A word held by more entities than this filters results but does not rank them. bm25 weighs a word
 * by counting every document that holds it, once per query, at about 2 µs a document: ranking by a
 * word found in 40,000 entities costs ~100 ms, and a word that common says little about relevance.
 */
export const BROAD_TERM_ENTITIES = 500;

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
  /** Present when very common words could not rank the results: says how they were ordered. */
  note?: string;
}

/** A matching entity and its observations column with the query's words marked. */
type Hit = EntityRow & { score: number; marked: string | null };

/**
 * Ranked full-text search over one search document per entity: every word of the query must appear
 * somewhere in the entity, in any order and any field, so "migration failed" finds "failed while
 * running migration 42". Ranking is FTS5's bm25 with the name weighted above the type above
 * observations, by the query's distinctive words (see BROAD_TERM_ENTITIES).
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
    rows = sql.get('SELECT id, name, entity_type AS entityType, 0 AS score, NULL AS marked FROM kg_entities WHERE entity_type = ? ORDER BY name LIMIT ?').all(entityType, limit + 1) as Hit[];
  } else {
    const terms = searchTerms(opts.query);
    const broad = terms.filter((t) => isBroad(sql, t));
    const narrow = terms.filter((t) => !broad.includes(t));
    const filter = { all: toMatchExpression(terms, 'AND'), entityType, limit: limit + 1 };
    const words = broad.map((t) => `"${t.text}${t.prefix ? '*' : ''}"`).join(', ');
    if (broad.length === 0) {
      rows = rankedBy(sql, filter);
    } else if (narrow.length > 0) {
      rows = rankedByNarrow(sql, toMatchExpression(narrow, 'AND'), filter);
      const many = broad.length > 1;
      note = `${words} ${many ? 'are' : 'is'} in more than ${BROAD_TERM_ENTITIES} entities: ${many ? 'they filter' : 'it filters'} the results, and the other words rank them`;
    } else {
      rows = namesThenNewest(sql, terms, filter);
      note = `every word is in more than ${BROAD_TERM_ENTITIES} entities, so results are not ranked: entities whose name matches come first, then the newest; add a more specific word to rank them`;
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

/** True when more than BROAD_TERM_ENTITIES entities hold the word: stepping that far into its list is cheap, counting it is not. */
function isBroad(sql: Statements, term: FtsTerm): boolean {
  return sql.get('SELECT rowid FROM kg_entity_fts WHERE kg_entity_fts MATCH ? LIMIT 1 OFFSET ?').get(toMatchExpression([term], 'AND'), BROAD_TERM_ENTITIES) !== undefined;
}

// CROSS JOIN keeps the full-text index as the outer loop: otherwise, with a type filter, SQLite may
// walk every entity of the type and run the MATCH once for each.
const HIT_COLUMNS = `SELECT e.id, e.name, e.entity_type AS entityType, kg_entity_fts.rank AS score,
  highlight(kg_entity_fts, 2, '${MARK_OPEN}', '${MARK_CLOSE}') AS marked
  FROM kg_entity_fts CROSS JOIN kg_entities e ON e.id = kg_entity_fts.rowid`;
const byType = (f: Filter) => (f.entityType === undefined ? '' : 'AND e.entity_type = @entityType');
const params = (f: Filter, match: string) => ({ match, limit: f.limit, ...(f.entityType === undefined ? {} : { entityType: f.entityType }) });

/** bm25 over every word. highlight() runs only for the rows returned, after the sort. */
function rankedBy(sql: Statements, f: Filter): Hit[] {
  return sql.get(`${HIT_COLUMNS} WHERE kg_entity_fts MATCH @match ${byType(f)} ORDER BY kg_entity_fts.rank LIMIT @limit`).all(params(f, f.all)) as Hit[];
}

/** Ranks by the distinctive words alone (few documents, cheap), keeping the entities that hold every word. */
function rankedByNarrow(sql: Statements, narrow: string, f: Filter): Hit[] {
  const ranked = sql.get('SELECT rowid AS id, rank AS score FROM kg_entity_fts WHERE kg_entity_fts MATCH ? ORDER BY rank').all(narrow) as { id: number; score: number }[];
  const holdingAll = new Set(
    (sql.get(`SELECT e.id FROM kg_entity_fts CROSS JOIN kg_entities e ON e.id = kg_entity_fts.rowid WHERE kg_entity_fts MATCH @match ${byType(f)}`).all(params(f, f.all)) as { id: number }[]).map(
      (r) => r.id,
    ),
  );
  const top = ranked.filter((r) => holdingAll.has(r.id)).slice(0, f.limit);
  // Matching the distinctive words again marks only them, so they also pick the best observation.
  const one = sql.get(`${HIT_COLUMNS} WHERE kg_entity_fts MATCH ? AND kg_entity_fts.rowid = ?`);
  return top.flatMap((r) => {
    const hit = one.get(narrow, r.id) as Hit | undefined;
    return hit ? [{ ...hit, score: r.score }] : [];
  });
}

/** Unranked: entities whose name holds every word, then every other match, newest first. */
function namesThenNewest(sql: Statements, terms: FtsTerm[], f: Filter): Hit[] {
  const newest = (match: string) =>
    (sql.get(`${HIT_COLUMNS} WHERE kg_entity_fts MATCH @match ${byType(f)} ORDER BY kg_entity_fts.rowid DESC LIMIT @limit`).all(params(f, match)) as Hit[]).map((h) => ({ ...h, score: 0 }));
  const byName = newest(`{name} : (${toMatchExpression(terms, 'AND')})`);
  const seen = new Set(byName.map((h) => h.id));
  return [...byName, ...newest(f.all).filter((h) => !seen.has(h.id))].slice(0, f.limit);
}

/**
 * The observation with the most distinct query words marked by highlight() (then the most marks),
 * the earliest on a tie; the newest observation when none holds a query word.
 */
function bestObservation(marked: string | null, observations: string[]): string | null {
  if (observations.length === 0) return null;
  const segments = marked?.split(OBSERVATION_SEPARATOR) ?? [];
  let best = -1;
  let bestScore = 0;
  segments.forEach((segment, i) => {
    const words = [...segment.matchAll(MARKED_WORD)].map((m) => m[1]!.toLowerCase());
    const score = new Set(words).size * 1000 + words.length;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return observations[best] ?? observations[observations.length - 1]!;
}
