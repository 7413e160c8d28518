import { readFileSync } from 'node:fs';

/**
 * Whether a JSONL log holds `text` as a prompt written at or after `sinceMs` (a second's slack for
 * clocks): proof that an agent took a typed prompt, even when its turn ended before the screen could
 * show it working. Read newest first, stopping at the first prompt older than that. `hint` is a
 * substring every prompt line has (lines without it are not parsed); `promptOf` the prompt a record
 * holds, if it is one.
 */
export function promptLoggedSince(
  file: string,
  hint: string,
  promptOf: (record: Record<string, unknown>) => string | undefined,
  text: string,
  sinceMs: number,
  same: (a: string, b: string) => boolean,
): boolean {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  for (const line of raw.split('\n').reverse()) {
    if (!line.includes(hint)) continue;
    try {
      const r = JSON.parse(line) as Record<string, unknown>;
      const prompt = promptOf(r);
      if (prompt === undefined) continue;
      if (Date.parse(String(r.timestamp)) < sinceMs - 1000) return false;
      if (same(prompt, text)) return true;
    } catch {
      /* a torn last line */
    }
  }
  return false;
}
