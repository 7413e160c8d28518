import { alignColumns } from '../util/columns.js';

/**
 * Human rendering of tool results. On a terminal: aligned tables with a header (bold only when colour
 * is allowed). In a pipe: tab-separated rows without a header, one record a line, nothing clipped, so
 * `ag list | cut -f1` works. `--json` never comes here.
 */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether stdout is a terminal; read per call so a test (or `ag watch`) can decide for itself. */
export const onTerminal = (): boolean => process.stdout.isTTY === true;

/** Colour only on a terminal, never with NO_COLOR set (https://no-color.org) or TERM=dumb. */
export const colorAllowed = (): boolean => onTerminal() && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

const style = (code: string, s: string) => (colorAllowed() ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = (s: string) => style('1', s);
export const dim = (s: string) => style('2', s);
export const red = (s: string) => style('31', s);

/** C0 controls but the newline, DEL and C1 controls (ESC starts a sequence, C1 CSI is one in a byte). */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text from agents and tools as a terminal may get it: every control character but the newline
 * becomes a space. What an agent printed, or a file it read, may carry escape sequences (an OSC 52
 * clipboard write, a window title, a cursor move, a \r that writes over the line); they show as
 * text and do nothing.
 */
export const terminalText = (s: string): string => s.replace(CONTROL, ' ');

/** terminalText on one line: newlines become spaces too, and runs of whitespace one space. */
export const printable = (s: string): string => terminalText(s).replace(/\s+/g, ' ');

/** Every string in a result made terminalText: what the human renderings get (--json prints it exact). */
export function terminalSafe<T>(value: T): T {
  if (typeof value === 'string') return terminalText(value) as T;
  if (Array.isArray(value)) return value.map(terminalSafe) as T;
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, terminalSafe(v)])) as T;
  return value;
}

/** A value is empty when printing it would show nothing: such fields are left out, never printed bare. */
export const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.values(v).every(isEmpty));

export function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return printable(v);
  // JSON escapes C0 controls, not C1 ones.
  if (typeof v === 'object') return printable(JSON.stringify(v));
  return String(v);
}

const MAX_CELL = 60;
const clip = (s: string) => (s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s);

/**
 * Records as a table: aligned columns under an upper-case header on a terminal, tab-separated rows when
 * piped (no header, no clipping).
 */
export function table(rows: Record<string, unknown>[], columns?: string[], empty = '(none)'): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => !isRecord(r[k]) && !Array.isArray(r[k]))))];
  if (!onTerminal()) return rows.map((r) => cols.map((c) => cell(r[c]).replace(/\t/g, ' ')).join('\t')).join('\n');
  if (rows.length === 0) return empty;
  const aligned = alignColumns(
    cols.map((c) => c.toUpperCase()),
    rows.map((r) => cols.map((c) => clip(cell(r[c])))),
  );
  return [bold(aligned.header), ...aligned.rows].join('\n');
}

/** A line printed only on a terminal (counts, "more with --offset"): a pipe gets the rows alone. */
export const footer = (text: string): string => (onTerminal() ? `\n${text}` : '');

function lines(value: unknown, prefix: string, out: string[]): void {
  if (isEmpty(value)) return;
  if (Array.isArray(value) && value.every(isRecord)) {
    out.push(`${prefix}:`, table(value as Record<string, unknown>[]));
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) lines(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push(`${prefix}: ${Array.isArray(value) ? value.map(cell).join(', ') : cell(value)}`);
  }
}

/** `key: value` lines (nested keys dotted, lists of records as tables); empty fields are left out. */
export function renderDefault(output: Record<string, unknown>): string {
  const out: string[] = [];
  lines(output, '', out);
  return out.join('\n');
}
