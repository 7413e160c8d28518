import type { Dialog } from '../agents/types.js';
import type { Rich } from '../channels/format.js';

/** How sessions and dialogs read on a phone: short ids, short ages, the one line that matters. */

export const shortId = (id: string): string => id.slice(0, 8);

export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

/**
 * "Bash `npm test`", "Write `src/a.ts`", "Fetch `https://…`", or the question itself. Always whole:
 * this is what a person approves or answers, and a cut command hides its tail (`… | sh`); a long
 * one makes a long notice, which the outbox sends in parts.
 */
export function dialogLine(d: Dialog): Rich {
  const what = d.command ?? d.file ?? d.url;
  const tool = d.tool ?? d.title;
  const question = d.question.trim();
  if (d.kind === 'permission' && tool) return what ? [{ b: tool }, ' ', { code: what.trim() }] : [{ b: tool }, ` ${question}`];
  if (d.kind === 'plan') return [{ b: 'Plan' }, ` ${question}`];
  return [question];
}

/** Numbered options of a picker, one per line, whole: a button's label may be short because its option reads in full here. */
export const optionLines = (d: Dialog): Rich => [...d.options.map((o) => `\n${o.number}. ${o.label.trim()}`), ...(d.moreOptions ? [moreOptionsLine(d)] : [])];

/** Entries the agent does not draw (Gemini's 3-item window) are still answered by number; their labels are not known. */
function moreOptionsLine(d: Dialog): string {
  const last = Math.max(0, ...d.options.map((o) => o.number));
  return `\n… more not shown: reply with the number (e.g. ${last + 1})`;
}
