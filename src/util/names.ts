import { invalidInput } from '../errors.js';

/**
 * The one form in which names (memory keys and scopes, knowledge-graph names and types) are stored
 * and compared: Unicode NFC. "é" typed as one code point (most keyboards) and as e + U+0301 (macOS
 * file names, some phone keyboards) then name the same thing. NFC rather than NFD because it is what
 * nearly all text already is, so names stored before this rule mostly keep their bytes; and rather
 * than NFKC because compatibility folding would also merge names a person can tell apart ("ﬁ" and
 * "fi", "²" and "2"). Values and observations are never passed through this: they are the user's text.
 */
export const canonicalName = (name: string): string => name.normalize('NFC');

/** Characters that are not seen, or break a line where none shows: controls, zero-width and format characters, U+2028/U+2029. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const BREAKS = /[\p{Cc}\p{Zl}\p{Zp}]+/gu;
const FORMAT = /\p{Cf}/gu;

const codePoint = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Refuses a name holding a character that is not seen: two names that look the same would name two
 * different things, and one typed from what is seen would never match.
 */
export function checkVisible(name: string, field: string, what: string, example?: string): void {
  const found = INVISIBLE.exec(name);
  if (found) {
    throw invalidInput(
      field,
      `${what} contains an invisible character or line break (${codePoint(found[0])})`,
      [`remove ${codePoint(found[0])} and keep ${what} on one line of visible characters`, example].filter(Boolean).join('; '),
    );
  }
}

/**
 * A name stored before checkVisible refused anything (the knowledge graph took U+2028 and zero-width
 * characters) as checkVisible and canonicalName would take it: line breaks become a space, format
 * characters are dropped, as they show; '' when nothing visible is left.
 */
export const visibleName = (name: string): string => canonicalName(name.replace(BREAKS, ' ').replace(FORMAT, '')).trim();
