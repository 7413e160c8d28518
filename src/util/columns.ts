/**
 * The one column aligner: every cell padded to its column's widest, two spaces between columns, no
 * trailing blanks. The CLI's tables and the pipeline stage table (CLI and chat) are built on it.
 */
export function alignColumns(header: string[], rows: string[][]): { header: string; rows: string[] } {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return { header: line(header), rows: rows.map(line) };
}
