import { dialogLine } from '../../render/session.js';
import type { WatchRow } from './model.js';
import { printable } from '../../render/text.js';
import { fit, width } from './text.js';

/** Everything one frame of `ag watch` shows; rendering is a pure function of it. */
export interface WatchView {
  rows: WatchRow[];
  selected: number;
  width: number;
  height: number;
  now: number;
  /** The outcome of the last key's action (or what is running now). */
  status?: string;
  /** The reason being typed for a reject; undefined when not asking. */
  reason?: string;
  /** Bold and inverse video allowed (a terminal without NO_COLOR). */
  color: boolean;
}

/** States in which the agent waits on a person. */
const NEEDS_YOU = new Set(['permission_prompt', 'asking', 'plan', 'error', 'stalled']);
const MAX_NAME = 20;
export const KEY_HELP = '↑↓/jk select  a approve  r reject  1-9 answer  i interrupt  o open  q quit';

/** `12s`, `4m05s`, `2h05m`, `3d`: how long a state has lasted, in at most six columns. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d`;
}

/** What the agent waits on (the dialog, with a question's options), else what it last said. */
function activity(row: WatchRow): string | undefined {
  if (row.dialog) {
    const options = row.dialog.kind === 'question' ? printable(row.dialog.options.map((o) => `${o.number} ${o.label}`).join(' · ')) : '';
    const line = printable(dialogLine(row.dialog));
    return options ? `${line}  [${options}]` : line;
  }
  return row.lastLine ? `last: ${printable(row.lastLine)}` : undefined;
}

/** The second line of an entry: the pipeline stage, then the activity; undefined when there is neither. */
function detail(row: WatchRow): string | undefined {
  const parts = [row.stage ? `stage ${printable(row.stage)}` : undefined, activity(row)].filter(Boolean);
  return parts.length ? parts.join('  ') : undefined;
}

/** The first line of an entry: name, short id, agent, state and its time, then the queue when there is one. */
function headline(row: WatchRow, nameWidth: number, now: number): string {
  const name = fit(printable(row.name), nameWidth);
  const fields = [name + ' '.repeat(nameWidth - width(name)), row.id.slice(0, 8), row.agent, `${row.state} ${age(now - row.since)}`];
  if (row.queued) fields.push(`queued ${row.queued}`);
  return fields.join('  ');
}

const entryLines = (row: WatchRow) => (detail(row) ? 2 : 1);

/** The first entry shown: 0 while the selected one fits from the top, else the first that lets it fit. */
function firstShown(rows: WatchRow[], selected: number, budget: number): number {
  let used = 0;
  for (let i = Math.min(selected, rows.length - 1); i >= 0; i--) {
    used += entryLines(rows[i]!);
    if (used > budget) return i + 1;
  }
  return 0;
}

/**
 * The frame as terminal lines, at most `height` of them, none wider than `width`: a title, one or
 * two lines per session (the selected one marked with `>` and, in colour, inverse video), the last
 * action's outcome, and the keys (or the reason being typed). No line shows a label without a value.
 */
export function renderFrame(v: WatchView): string[] {
  const style = (code: string, s: string) => (v.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const line = (s: string) => fit(s, v.width);
  const waiting = v.rows.filter((r) => NEEDS_YOU.has(r.state)).length;
  const title = `ag watch  ${v.rows.length} session${v.rows.length === 1 ? '' : 's'}${waiting ? `, ${waiting} waiting on you` : ''}`;
  const out = [style('1', line(title))];
  const budget = Math.max(1, v.height - 3);
  if (!v.rows.length) out.push(line('no sessions yet: start one with ag create "brief" --work-dir DIR'));
  const nameWidth = Math.min(MAX_NAME, Math.max(0, ...v.rows.map((r) => width(printable(r.name)))));
  const body: string[] = [];
  for (let i = firstShown(v.rows, v.selected, budget); i < v.rows.length; i++) {
    const row = v.rows[i]!;
    const selected = i === v.selected;
    const head = line(`${selected ? '>' : ' '} ${headline(row, nameWidth, v.now)}`);
    const lines = [selected ? style('7', head) : NEEDS_YOU.has(row.state) ? style('1', head) : head];
    const more = detail(row);
    if (more) lines.push(line(`    ${more}`));
    if (body.length + lines.length > budget) break;
    body.push(...lines);
  }
  out.push(...body);
  while (out.length < v.height - 2) out.push('');
  out.push(v.status ? line(printable(v.status)) : '');
  out.push(v.reason !== undefined ? line(`reason (Enter sends, empty for none; Esc cancels): ${printable(v.reason)}`) : style('2', line(KEY_HELP)));
  return out.slice(-v.height);
}
