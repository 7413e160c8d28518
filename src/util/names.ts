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

/** The longest memory key, in characters (code points) of its canonical form; migrations keep keys within it too. */
export const MEMORY_KEY_CHARS = 256;

/** Characters that are not seen, or break a line where none shows: controls, zero-width and format characters, U+2028/U+2029. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const BREAKS = /[\p{Cc}\p{Zl}\p{Zp}]+/gu;

/** A format character (\p{Cf}): zero-width, joiners, bidi marks, tags. */
const FORMAT = /\p{Cf}/u;
const PICTURE = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const LETTER = /[\p{L}\p{M}]/u;
const UNJOINED_SCRIPT = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u;
/** A letter of a script whose letters join (Arabic, Persian, Devanagari...): a joiner or non-joiner beside it changes its shape. */
const joins = (ch: string | undefined): boolean => !!ch && LETTER.test(ch) && !UNJOINED_SCRIPT.test(ch);
const TAG = /[\u{E0020}-\u{E007F}]/u;

/**
 * Whether the format character at `i` is part of what is seen: the joiner of a ZWJ emoji (👩‍💻), a
 * joiner or non-joiner between letters of a joining script (Persian می‌خواهم is spelt with one), a tag
 * of a subdivision flag (🏴 + tags). Anywhere else it shows nothing, and two names would look the same.
 */
function shapes(chars: string[], i: number): boolean {
  const ch = chars[i]!;
  if (ch === '\u200D' && PICTURE.test(chars[i - 1] ?? '') && PICTOGRAPH.test(chars[i + 1] ?? '')) return true;
  if ((ch === '\u200C' || ch === '\u200D') && joins(chars[i - 1]) && joins(chars[i + 1])) return true;
  if (TAG.test(ch)) {
    let j = i - 1;
    while (j >= 0 && TAG.test(chars[j]!)) j--;
    return chars[j] === '\u{1F3F4}';
  }
  return false;
}

/** The first character of `name` that is not seen (see shapes), or undefined. */
function firstInvisible(name: string): string | undefined {
  // Nearly every name has none: it is split into characters only when it does.
  if (!INVISIBLE.test(name)) return undefined;
  const chars = [...name];
  return chars.find((ch, i) => INVISIBLE.test(ch) && !shapes(chars, i));
}

const codePoint = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Refuses a name holding a character that is not seen: two names that look the same would name two
 * different things, and one typed from what is seen would never match.
 */
export function checkVisible(name: string, field: string, what: string, example?: string): void {
  const found = firstInvisible(name);
  if (found) {
    throw invalidInput(
      field,
      `${what} contains an invisible character or line break (${codePoint(found)})`,
      [`remove ${codePoint(found)} and keep ${what} on one line of visible characters`, example].filter(Boolean).join('; '),
    );
  }
}

/**
 * A name stored before checkVisible refused anything (the knowledge graph took U+2028 and zero-width
 * characters) as checkVisible and canonicalName would take it: line breaks become a space, format
 * characters that show nothing are dropped (those that shape what is seen stay); '' when nothing visible is left.
 */
export function visibleName(name: string): string {
  const chars = [...name.replace(BREAKS, ' ')];
  return canonicalName(chars.filter((ch, i) => !FORMAT.test(ch) || shapes(chars, i)).join('')).trim();
}
