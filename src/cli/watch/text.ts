/**
 * Fitting text from agents into a terminal cell: control characters (escape sequences an agent
 * printed) never reach the terminal, and a line never takes more columns than it is given, wide
 * characters (CJK, emoji) counted as two.
 */

const WIDE: [number, number][] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

/** Columns one code point takes: 0 for combining marks and joiners, 2 for wide ones, else 1. */
function columnsOf(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  return WIDE.some(([lo, hi]) => cp >= lo && cp <= hi) ? 2 : 1;
}

/** Control characters (C0, DEL, C1) become spaces, runs of whitespace one space. */
export const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ');

/** Columns `s` takes on a terminal (s already printable). */
export function width(s: string): number {
  let n = 0;
  for (const ch of s) n += columnsOf(ch.codePointAt(0)!);
  return n;
}

/** `s` cut to at most `max` columns, an ellipsis marking the cut. */
export function fit(s: string, max: number): string {
  if (width(s) <= max) return s;
  if (max <= 0) return '';
  let out = '';
  let used = 0;
  for (const ch of s) {
    const w = columnsOf(ch.codePointAt(0)!);
    if (used + w > max - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}
