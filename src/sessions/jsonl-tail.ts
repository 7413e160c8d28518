import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Reads a growing JSONL file incrementally by byte offset: each call returns only the complete lines
 * appended since the last call. A partial last line waits for its newline; a file that shrank (was
 * replaced) is read again from the start; a line that is not JSON is skipped.
 */
export class JsonlTail<T = Record<string, unknown>> {
  private offset = 0;
  /** Bytes after the last newline: kept as bytes, since a read can end inside a multi-byte character. */
  private partial = Buffer.alloc(0);

  constructor(readonly path: string) {}

  readNew(): T[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) {
        this.offset = 0;
        this.partial = Buffer.alloc(0);
      }
      if (size === this.offset) return [];
      const buf = Buffer.allocUnsafe(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const bytes = Buffer.concat([this.partial, buf.subarray(0, n)]);
      const end = bytes.lastIndexOf(0x0a) + 1;
      this.partial = Buffer.from(bytes.subarray(end));
      const lines = bytes.toString('utf8', 0, end).split('\n');
      const out: T[] = [];
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          out.push(JSON.parse(line) as T);
        } catch {
          /* a torn or foreign line; skip it */
        }
      }
      return out;
    } finally {
      closeSync(fd);
    }
  }
}
