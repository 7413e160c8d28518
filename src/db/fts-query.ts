import { invalidInput } from '../errors.js';

/** More words than this in one query is almost certainly pasted text, not a question. */
export const MAX_QUERY_TERMS = 32;

export interface FtsTerm {
  text: string;
  prefix: boolean;
}

/**
 * Splits what a person or model typed into search terms the way FTS5's unicode61 tokenizer splits
 * text: runs of letters, digits and combining marks. A trailing `*` on a word makes its last run a
 * prefix (`migr*`). Everything else (quotes, colons, parentheses, AND/OR/NEAR as words) loses its FTS5
 * meaning, so no input can raise an FTS5 syntax error.
 */
export function parseTerms(query: string): FtsTerm[] {
  const terms: FtsTerm[] = [];
  for (const word of query.split(/\s+/)) {
    const prefix = word.endsWith('*');
    const runs = word.match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
    runs.forEach((text, i) => terms.push({ text, prefix: prefix && i === runs.length - 1 }));
  }
  return terms;
}

/** Quotes each term as an FTS5 string (no operator can survive quoting) and requires them all (or any). */
export function toMatchExpression(terms: FtsTerm[], join: 'AND' | 'OR' = 'AND'): string {
  return terms.map((t) => `"${t.text}"${t.prefix ? '*' : ''}`).join(` ${join} `);
}

/**
 * A word typed without `*` is also tried as a stem once whole words are exhausted (`migr` finds
 * "migration"), when it has at least this many characters: a shorter prefix expands to a large part
 * of the vocabulary and says little.
 */
export const STEM_MIN_CHARS = 3;

/** The terms with every word long enough read as a prefix; undefined when that changes nothing. */
export function asStems(terms: FtsTerm[]): FtsTerm[] | undefined {
  const stems = terms.map((t) => ({ text: t.text, prefix: t.prefix || [...t.text].length >= STEM_MIN_CHARS }));
  return stems.some((t, i) => t.prefix !== terms[i]!.prefix) ? stems : undefined;
}

/**
 * The terms of a user query, checked: at least one searchable word, at most MAX_QUERY_TERMS.
 * `field` names the input in the error.
 */
export function searchTerms(query: string, field = 'query'): FtsTerm[] {
  const terms = parseTerms(query);
  if (terms.length === 0) {
    throw invalidInput(field, `"${query}" has no words to search for`, 'give at least one word of letters or digits, e.g. "migration failed" or "migr*"');
  }
  if (terms.length > MAX_QUERY_TERMS) {
    throw invalidInput(
      field,
      `the query has ${terms.length} words; at most ${MAX_QUERY_TERMS} are searched`,
      'keep the few words that identify what you are looking for',
    );
  }
  return terms;
}

/** bm25() is lower-is-better and negative; callers read a positive, higher-is-better score. */
export const relevance = (bm25: number): number => (bm25 === 0 ? 0 : Number((-bm25).toPrecision(4)));
