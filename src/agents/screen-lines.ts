/** A rendered screen's rows with trailing blanks cut from each row and blank rows cut from the bottom. */
export function trimmedScreen(lines: string[]): string[] {
  const text = lines.map((l) => l.trimEnd());
  let end = text.length;
  while (end > 0 && !text[end - 1]) end--;
  return text.slice(0, end);
}

/** Index of the last row that matches, or -1. */
export function findLastRow(rows: string[], pred: (row: string, i: number) => boolean): number {
  for (let i = rows.length - 1; i >= 0; i--) if (pred(rows[i]!, i)) return i;
  return -1;
}

/**
 * Rows of one text an agent wrapped at spaces into a box `width` cells wide, joined back: a row that
 * ended early although the next row's first word would have fit there ended at a line break of the
 * text (kept); any other ended where the box wrapped it (a space). A multi-line command so reads as
 * the lines it runs, not as one command line.
 */
export function joinWrapped(rows: string[], width: number): string {
  let text = rows[0] ?? '';
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1]!;
    const firstWord = rows[i]!.split(' ')[0]!;
    text += (prev.length + 1 + firstWord.length <= width ? '\n' : ' ') + rows[i];
  }
  return text;
}
