/**
 * Fitting text from agents into a terminal cell (made printable first, render/text.ts): a line never
 * takes more columns than it is given, wide characters (CJK, emoji) counted as two. Text is measured
 * and cut by grapheme cluster (what a person sees as one character): a family emoji joined by ZWJs or
 * a flag is one wide cell, never split.
 */
import { graphemes } from '../../util/text.js';

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

/** Columns one grapheme cluster takes: emoji presentation (VS16) and flags (regional-indicator pairs) are wide. */
function clusterColumns(cluster: string): number {
  let cols = 0;
  for (const ch of cluster) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfe0f || (cp >= 0x1f1e6 && cp <= 0x1f1ff)) return 2;
    cols = Math.max(cols, columnsOf(cp));
  }
  return cols;
}

/** Columns `s` takes on a terminal (s already printable: render/text.ts). */
export function width(s: string): number {
  let n = 0;
  for (const { segment } of graphemes(s)) n += clusterColumns(segment);
  return n;
}

/** `s` cut to at most `max` columns, an ellipsis marking the cut. */
export function fit(s: string, max: number): string {
  if (width(s) <= max) return s;
  if (max <= 0) return '';
  let out = '';
  let used = 0;
  for (const { segment } of graphemes(s)) {
    const w = clusterColumns(segment);
    if (used + w > max - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}
