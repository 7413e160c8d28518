import { lastRecord } from './jsonl-last.js';

/**
 * Whether a JSONL log holds `text` as a prompt written at or after `sinceMs` (a second's slack for
 * clocks): proof that an agent took a typed prompt, even when its turn ended before the screen could
 * show it working. Read newest first, from the log's end, stopping at the first prompt older than
 * that. `hint` is a substring every prompt line has (lines without it are not parsed); `promptOf` the
 * prompt a record holds, if it is one.
 */
export function promptLoggedSince(
  file: string,
  hint: string,
  promptOf: (record: Record<string, unknown>) => string | undefined,
  text: string,
  sinceMs: number,
  same: (a: string, b: string) => boolean,
): boolean {
  const found = lastRecord(file, hint, (r) => {
    const prompt = promptOf(r);
    if (prompt === undefined) return undefined;
    if (Date.parse(String(r.timestamp)) < sinceMs - 1000) return false;
    return same(prompt, text) || undefined;
  });
  return found === true;
}
