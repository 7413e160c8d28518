import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** Read backwards in pieces this big; a log's last records are usually in the first one. */
const CHUNK_BYTES = 64 * 1024;

/**
 * The newest record of a JSONL log that `pick` maps to a value, read from the end backwards, so a
 * one-shot process pays for the log's tail only, not for its whole history. Lines without `hint`
 * (a substring every wanted line has) are not parsed. Stops after `maxBytes`: undefined then, as
 * for a log without such a record or one that cannot be read. A torn last line is skipped.
 */
export function lastRecord<T>(file: string, hint: string, pick: (record: Record<string, unknown>) => T | undefined, maxBytes = 8 * 1024 * 1024): T | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    // The size of what was opened, even if the file is replaced meanwhile.
    let end = fstatSync(fd).size;
    const stop = Math.max(0, end - maxBytes);
    // Bytes of a line that began before the piece read last (its start is in an earlier piece).
    let rest = Buffer.alloc(0);
    while (end > stop) {
      const start = Math.max(stop, end - CHUNK_BYTES);
      const piece = Buffer.allocUnsafe(end - start);
      const got = readSync(fd, piece, 0, piece.length, start);
      const bytes = Buffer.concat([piece.subarray(0, got), rest]);
      end = start;
      // The first line of the piece may begin in the piece before it (unless this is the file's start).
      const firstNl = start === 0 ? -1 : bytes.indexOf(0x0a);
      if (firstNl === -1 && start > 0) {
        rest = bytes;
        continue;
      }
      rest = bytes.subarray(0, Math.max(0, firstNl));
      const lines = bytes.toString('utf8', firstNl + 1).split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i]!;
        if (!line.includes(hint)) continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          continue;
        }
        if (typeof record !== 'object' || record === null || Array.isArray(record)) continue;
        const value = pick(record as Record<string, unknown>);
        if (value !== undefined) return value;
      }
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * `read(file)` remembered per file while its size and time are unchanged: a screen is read many
 * times a second (while an agent streams, or shows a dialog), its log changes far less often.
 */
export function whileUnchanged<T>(read: (file: string) => T): (file: string) => T | undefined {
  let last: { file: string; size: number; mtimeMs: number; value: T } | undefined;
  return (file) => {
    let stat: { size: number; mtimeMs: number };
    try {
      stat = statSync(file);
    } catch {
      return undefined;
    }
    if (last?.file === file && last.size === stat.size && last.mtimeMs === stat.mtimeMs) return last.value;
    const value = read(file);
    last = { file, size: stat.size, mtimeMs: stat.mtimeMs, value };
    return value;
  };
}
