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
