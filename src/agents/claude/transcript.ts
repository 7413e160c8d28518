/**
 * Incremental reader of one Claude Code 2.1.197 JSONL transcript: the conversation as turns with
 * stable ids and cursor pagination (session_read), and the facts session_summary reports.
 *
 * Reading: `refresh()` reads only the bytes added since the last call. A line is taken only once
 * its newline has arrived (a half-written last line is re-read next time). A missing file is an
 * empty transcript (Claude Code creates it at the first prompt). A line that is not a JSON object
 * is skipped and counted (`skippedLines`). A file that shrank or was replaced (other inode) is
 * read again from the start.
 *
 * Order and cursors: records are put in conversation order by their parent chain
 * (transcript-order.ts), then every turn gets a sequence number in that release order; a turn's
 * number never changes, so the turns are always listed in one fixed order and a cursor is the
 * position after a given turn. A record that arrives late is held back briefly (`orphanHoldMs`)
 * until its parent shows up, so the usual out-of-order write (an answer written before its
 * prompt) is listed in the right place; one released later than that is listed where it arrived,
 * after turns already returned, so that no reader skips or repeats a turn. A cursor is
 * `<seq>-<turn id>`: the id lets a cursor survive a new reader (server restart) or a re-read of the
 * file, where the same turn may get a different number; a cursor whose turn no longer exists
 * (the file was replaced) starts again from the beginning.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { invalidInput } from '../../errors.js';
import { Conversation } from './transcript-conversation.js';
import { entryEffect, parseEntry, TURN_ROLES, type EntryEffect, type TranscriptEntry, type Turn, type TurnRole } from './transcript-records.js';

export { TURN_ROLES, type Turn, type TurnRole } from './transcript-records.js';

export interface ReadOptions {
  /** A `nextCursor` from an earlier read: return only turns after it. */
  after?: string;
  /** Page size, 1-500; default 50. */
  limit?: number;
  /** Only turns with these roles (pagination and `total` count only those). */
  roles?: readonly TurnRole[];
  /** Return the last N turns (1-500) instead of the first page. */
  last?: number;
}

export interface ReadPage {
  turns: Turn[];
  /** Pass as `after` to continue; when `hasMore` is false it still serves to poll for newer turns. */
  nextCursor?: string;
  hasMore: boolean;
  /** Turns in the transcript that match `roles` (all of them without a filter). */
  total: number;
}

export interface TranscriptReaderOptions {
  /** How long a record whose parent has not appeared is held back before it is listed anyway. */
  orphanHoldMs?: number;
  /** Clock (ms), for the hold. */
  now?: () => number;
  /** What one record means: Claude Code's records by default; another agent's log passes its own. */
  effect?: (entry: TranscriptEntry) => EntryEffect;
}

export const READ_LIMITS = { defaultLimit: 50, maxLimit: 500 } as const;
const DEFAULT_ORPHAN_HOLD_MS = 2000;
/** Bytes read per system call; bounds memory when a large transcript is read the first time. */
const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

export class TranscriptReader {
  readonly path: string;
  private readonly orphanHoldMs: number;
  private readonly now: () => number;
  private readonly effectOf: (entry: TranscriptEntry) => EntryEffect;
  private conv: Conversation;
  /** Bytes consumed: the end of the last complete line taken. */
  private offset = 0;
  /** Inode of the file read so far, to notice a replaced file. */
  private inode?: number;
  private skipped = 0;

  constructor(path: string, opts: TranscriptReaderOptions = {}) {
    this.path = path;
    this.orphanHoldMs = opts.orphanHoldMs ?? DEFAULT_ORPHAN_HOLD_MS;
    this.now = opts.now ?? Date.now;
    this.effectOf = opts.effect ?? entryEffect;
    this.conv = new Conversation(1, this.effectOf);
  }

  /** Lines skipped because they were not JSON objects (since the file was last read from the start). */
  get skippedLines(): number {
    return this.skipped;
  }

  /** Reads what was appended since the last call; `added` = turns listed by this call. */
  refresh(): { added: number } {
    const seqBefore = this.conv.nextSeq;
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (fd !== undefined) {
      try {
        const { ino, size } = fstatSync(fd);
        if (this.inode !== undefined && (ino !== this.inode || size < this.offset)) this.restart();
        this.inode = ino;
        this.consume(fd, size);
      } finally {
        closeSync(fd);
      }
    }
    this.releaseOrphans();
    // A restart numbers on from seqBefore, so this counts exactly the turns listed by this call.
    return { added: this.conv.nextSeq - seqBefore };
  }

  /** A page of turns. Pure: reading twice without a refresh in between gives the same answer. */
  read(opts: ReadOptions = {}): ReadPage {
    const roles = checkRoles(opts.roles);
    const limit = checkCount('limit', opts.limit ?? READ_LIMITS.defaultLimit);
    const last = opts.last === undefined ? undefined : checkCount('last', opts.last);
    const turns = this.conv.turns;
    const start = this.indexAfter(opts.after);
    const matches = (t: Turn) => roles === undefined || roles.has(t.role);
    const total = roles === undefined ? turns.length : turns.reduce((n, t) => n + (matches(t) ? 1 : 0), 0);
    // Once everything up to the end was looked at, the cursor moves to the very last turn, so a
    // filtered poll does not rescan turns it skipped.
    const endCursor = turns.length > start ? this.cursorAt(turns.length - 1) : opts.after;

    if (last !== undefined) {
      const picked: Turn[] = [];
      for (let i = turns.length - 1; i >= start && picked.length < last; i--) if (matches(turns[i]!)) picked.push(turns[i]!);
      return { turns: picked.reverse(), ...(endCursor === undefined ? {} : { nextCursor: endCursor }), hasMore: false, total };
    }

    const page: Turn[] = [];
    let i = start;
    for (; i < turns.length && page.length < limit; i++) if (matches(turns[i]!)) page.push(turns[i]!);
    let hasMore = false;
    for (let j = i; j < turns.length && !hasMore; j++) hasMore = matches(turns[j]!);
    const nextCursor = hasMore ? this.cursorAt(i - 1) : endCursor;
    return { turns: page, ...(nextCursor === undefined ? {} : { nextCursor }), hasMore, total };
  }

  /** The text of the latest assistant reply (possibly one cut short by an interrupt). */
  lastAssistantText(): string | undefined {
    return this.conv.lastAssistantText;
  }

  /**
   * True when the latest prompt got a final text answer and the turn was closed after it
   * (stop_reason end_turn, or a system/turn_duration record). False while working, after an
   * interrupt, a rejected tool or an API error, and before the first prompt.
   */
  turnComplete(): boolean {
    return this.conv.prompts > 0 && this.conv.answered && this.conv.ended;
  }

  /** Files written by Write/Edit/MultiEdit/NotebookEdit and Bash calls that ran, in first-touch order. */
  filesTouched(): string[] {
    return [...this.conv.files];
  }

  /** Tool calls by tool name (rejected calls included: the agent asked for them). */
  toolsUsed(): Record<string, number> {
    return Object.fromEntries(this.conv.tools);
  }

  /** The session's name: the user's (/rename) if set, else the one Claude Code generated. */
  title(): string | undefined {
    return this.conv.customTitle ?? this.conv.aiTitle;
  }

  firstPrompt(): string | undefined {
    return this.conv.firstPrompt;
  }

  /** Counts for the summary. */
  counts(): { turns: number; prompts: number; errors: number } {
    return { turns: this.conv.turns.length, prompts: this.conv.prompts, errors: this.conv.errors };
  }

  /** The file was truncated or replaced: forget it all, keep numbering upwards. */
  private restart(): void {
    this.conv = new Conversation(this.conv.nextSeq, this.effectOf);
    this.offset = 0;
    this.skipped = 0;
  }

  /** Reads [offset, size) in chunks and takes every complete line. */
  private consume(fd: number, size: number): void {
    let pos = this.offset;
    // Bytes of a line that started in an earlier chunk and has not ended yet.
    let carry: Buffer[] = [];
    while (pos < size) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size - pos));
      const got = readSync(fd, chunk, 0, chunk.length, pos);
      if (got === 0) break; // shrank while reading; the next refresh notices
      pos += got;
      const bytes = chunk.subarray(0, got);
      let nl = bytes.indexOf(NEWLINE);
      if (nl === -1) {
        carry.push(bytes);
        continue;
      }
      const carried = carry.reduce((n, b) => n + b.length, 0);
      const head = carried > 0 ? Buffer.concat([...carry, bytes.subarray(0, nl)]) : bytes.subarray(0, nl);
      this.takeLine(head.toString('utf8'), this.offset);
      this.offset += head.length + 1;
      carry = [];
      let start = nl + 1;
      for (nl = bytes.indexOf(NEWLINE, start); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
        this.takeLine(bytes.toString('utf8', start, nl), this.offset);
        this.offset += nl - start + 1;
        start = nl + 1;
      }
      if (start < bytes.length) carry.push(bytes.subarray(start));
    }
  }

  private takeLine(line: string, offset: number): void {
    if (line.trim() === '') return;
    const entry = parseEntry(line, offset);
    if (entry === undefined) {
      this.skipped++;
      return;
    }
    for (const ready of this.conv.orderer.add(entry, this.now())) this.conv.apply(ready);
  }

  /** Lists held records whose parent is still unknown once they (or their timestamps) are old enough. */
  private releaseOrphans(): void {
    if (this.conv.orderer.heldCount === 0) return;
    const now = this.now();
    const expired = (entry: TranscriptEntry, readAt: number) => {
      // A record written long ago (an old or finished transcript) will not get its parent later.
      const written = Date.parse(String(entry.record.timestamp));
      return now - readAt >= this.orphanHoldMs || now - written >= this.orphanHoldMs;
    };
    for (const ready of this.conv.orderer.releaseOrphans(expired)) this.conv.apply(ready);
  }

  private cursorAt(index: number): string {
    return `${this.conv.firstSeq + index}-${this.conv.turns[index]!.id}`;
  }

  /** Index of the first turn after the cursor. */
  private indexAfter(cursor: string | undefined): number {
    if (cursor === undefined) return 0;
    const m = /^(\d+)-(.+)$/.exec(cursor);
    if (!m) {
      throw invalidInput(
        'after',
        `"${cursor}" is not a transcript cursor`,
        'pass the nextCursor of an earlier read, or leave after out to start at the first turn',
      );
    }
    const id = m[2]!;
    const bySeq = Number(m[1]) - this.conv.firstSeq;
    if (this.conv.turns[bySeq]?.id === id) return bySeq + 1;
    // Numbered by another reader (or before a re-read): find the turn by its id.
    const byId = this.conv.indexById.get(id);
    return byId === undefined ? 0 : byId + 1;
  }
}

/** What session_summary reports about a transcript. */
export interface TranscriptSummary {
  /** The first prompt: what the session was asked to do. */
  brief?: string;
  title?: string;
  tools: Record<string, number>;
  files: string[];
  lastAssistantMessage?: string;
  turns: number;
  prompts: number;
  errors: number;
  turnComplete: boolean;
}

export function summarizeTranscript(reader: TranscriptReader): TranscriptSummary {
  const { turns, prompts, errors } = reader.counts();
  const brief = reader.firstPrompt();
  const title = reader.title();
  const lastAssistantMessage = reader.lastAssistantText();
  return {
    ...(brief === undefined ? {} : { brief }),
    ...(title === undefined ? {} : { title }),
    tools: reader.toolsUsed(),
    files: reader.filesTouched(),
    ...(lastAssistantMessage === undefined ? {} : { lastAssistantMessage }),
    turns,
    prompts,
    errors,
    turnComplete: reader.turnComplete(),
  };
}

function checkCount(field: 'limit' | 'last', value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > READ_LIMITS.maxLimit) {
    throw invalidInput(
      field,
      `${field} must be a whole number from 1 to ${READ_LIMITS.maxLimit}, got ${value}`,
      `pass ${field} between 1 and ${READ_LIMITS.maxLimit}; page on with nextCursor for more`,
    );
  }
  return value;
}

function checkRoles(roles: readonly TurnRole[] | undefined): Set<TurnRole> | undefined {
  if (roles === undefined) return undefined;
  for (const role of roles) {
    if (!TURN_ROLES.includes(role)) {
      throw invalidInput('roles', `unknown role "${role}"`, `use any of: ${TURN_ROLES.join(', ')}`);
    }
  }
  return new Set(roles);
}
