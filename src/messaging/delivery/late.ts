import type { Rich } from '../../channels/format.js';
import { clip } from '../../util/text.js';
import type { Intent } from '../commands/parser.js';
import { ago } from '../present.js';

/**
 * A message that reaches a command this long after it was sent (held by the service while no ag serve
 * was receiving, or stored by a sender that died before running it) is late: the person has likely
 * moved on, sent it again, or done it at the desk, and what it asks about may have changed.
 */
const LATE_MS = 10 * 60_000;

/**
 * Commands that only read: answered late, since the answer is of now. Everything else acts (starts,
 * types into or stops a session, answers a dialog, runs an operator or an integration's command,
 * resends) and is not run late.
 */
const READS: ReadonlySet<Intent['kind']> = new Set([
  'sessions',
  'session',
  'pending',
  'recall',
  'status',
  'tasks',
  'journal',
  'briefing',
  'failed',
  'help',
  'unknown',
  'empty',
]);

export const onlyReads = (intent: Intent): boolean => READS.has(intent.kind);

/** How late a message is (0 when not late): from when it was sent, or else received, to now. */
export function lateBy(sentAt: number | undefined, receivedAt: number, now = Date.now()): number {
  const age = now - Math.min(sentAt ?? receivedAt, receivedAt);
  return age >= LATE_MS ? age : 0;
}

/** What the sender of a late message that acts is told instead of running it; the same for every channel. */
export function notRunLate(text: string, age: number, now = Date.now()): Rich {
  return [
    '⚠️ Not run: "',
    clip(text, 80),
    `" (sent ${ago(now - age, now)} ago and not run then: too late to act on it now).`,
    '\n→ check with pending or sessions, then send it again if it is still needed',
  ];
}

/** The line before the answer to a late message that only reads. */
export const answeredLate = (age: number, now = Date.now()): string => `(You sent this ${ago(now - age, now)} ago; answered as of now.)\n`;
