import { Transform, type TransformCallback } from 'node:stream';

/**
 * The largest JSON-RPC message `ag mcp` reads: 8 MiB. The SDK's stdio reader closes the whole
 * connection when its buffer passes 10 MiB, so lines are cut off here, below that, and answered.
 */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Bytes of an oversized line kept from each end to find its request id; the rest is dropped unread. */
const ID_SCAN_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export type RequestId = string | number;

/**
 * The top-level "id" of a JSON-RPC request, read from the first bytes of its line: a small scanner
 * that skips strings and nested values, so an "id" inside params is never taken for it.
 */
export function idFromHead(head: string): RequestId | undefined {
  let depth = 0;
  let i = 0;
  while (i < head.length) {
    const c = head[i]!;
    if (c === '"') {
      const end = stringEnd(head, i);
      if (end < 0) return undefined;
      if (depth === 1 && head.slice(i, end + 1) === '"id"') {
        const value = /^\s*:\s*(-?\d+(?![\d.eE])|"(?:[^"\\]|\\.)*")/.exec(head.slice(end + 1));
        if (value) return value[1]!.startsWith('"') ? (JSON.parse(value[1]!) as string) : Number(value[1]);
      }
      i = end + 1;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return undefined;
}

/** The index of the quote closing the string that opens at `start`, or -1 when the head ends first. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/**
 * The id when it is the last member of the top-level object (`...,"id":7}`), as serializers that put
 * params first write it: a value followed by exactly one closing brace is a member of the outer object.
 */
export function idFromTail(tail: string): RequestId | undefined {
  const m = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")\s*\}\s*$/.exec(tail);
  if (!m) return undefined;
  return m[1]!.startsWith('"') ? (JSON.parse(m[1]!) as string) : Number(m[1]);
}

/** What the guard reports about one line it dropped. */
export interface OversizedLine {
  bytes: number;
  id?: RequestId;
}

/**
 * Sits between stdin and the SDK's stdio transport: passes every line up to `maxBytes` through whole,
 * and drops a longer one as it streams (never holding more than `maxBytes` of it), then reports it
 * with the request id it found so the caller can answer it with an error. The connection lives on.
 */
export class LineGuard extends Transform {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Set while a line over the limit is being dropped. */
  private dropping?: { bytes: number; head: Buffer; tail: Buffer };

  constructor(
    private readonly onOversized: (line: OversizedLine) => void,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let rest = chunk;
    while (rest.length) {
      const nl = rest.indexOf(NEWLINE);
      const piece = nl < 0 ? rest : rest.subarray(0, nl + 1);
      rest = nl < 0 ? Buffer.alloc(0) : rest.subarray(nl + 1);
      if (this.dropping) this.discard(piece);
      else this.keep(piece);
      if (nl >= 0) this.endLine();
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.partialBytes) this.push(Buffer.concat(this.partial));
    done();
  }

  /** Holds a piece of a line that is still within the limit, or starts dropping the line. */
  private keep(piece: Buffer): void {
    if (this.partialBytes + piece.length <= this.maxBytes + 1) {
      this.partial.push(piece);
      this.partialBytes += piece.length;
      return;
    }
    const held = Buffer.concat(this.partial);
    this.partial = [];
    this.partialBytes = 0;
    this.dropping = { bytes: 0, head: Buffer.alloc(0), tail: Buffer.alloc(0) };
    this.discard(held);
    this.discard(piece);
  }

  private discard(piece: Buffer): void {
    const d = this.dropping!;
    d.bytes += piece.length;
    if (d.head.length < ID_SCAN_BYTES) d.head = Buffer.concat([d.head, piece.subarray(0, ID_SCAN_BYTES - d.head.length)]);
    const joined = Buffer.concat([d.tail, piece.subarray(Math.max(0, piece.length - ID_SCAN_BYTES))]);
    d.tail = joined.subarray(Math.max(0, joined.length - ID_SCAN_BYTES));
  }

  /** A newline was reached: pass the held line on, or report the dropped one. */
  private endLine(): void {
    if (this.dropping) {
      const { bytes, head, tail } = this.dropping;
      this.dropping = undefined;
      this.onOversized({ bytes, id: idFromHead(head.toString('utf8')) ?? idFromTail(tail.toString('utf8').replace(/\r?\n$/, '')) });
      return;
    }
    this.push(Buffer.concat(this.partial));
    this.partial = [];
    this.partialBytes = 0;
  }
}
