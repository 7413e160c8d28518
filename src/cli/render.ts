/** Default human rendering of a tool result: tables for lists of records, `key: value` for the rest. */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.replace(/\s+/g, ' ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const MAX_CELL = 60;
const clip = (s: string) => (s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s);

/** A plain-text table: header row, then one row per record, columns padded to the widest cell. */
export function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => !isRecord(r[k]) && !Array.isArray(r[k]))))];
  const cells = rows.map((r) => cols.map((c) => clip(cell(r[c]))));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function lines(value: unknown, prefix: string, out: string[]): void {
  if (Array.isArray(value) && value.every(isRecord) && value.length > 0) {
    out.push(`${prefix}:`, table(value as Record<string, unknown>[]));
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) lines(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push(`${prefix}: ${Array.isArray(value) ? value.map(cell).join(', ') || '(none)' : cell(value)}`);
  }
}

export function renderDefault(output: Record<string, unknown>): string {
  const out: string[] = [];
  lines(output, '', out);
  return out.join('\n');
}
