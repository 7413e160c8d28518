/**
 * What a transcript's records add up to: the turns in release order, and the facts the reader and
 * session_summary report (tools used, files written, titles, whether the last turn completed).
 * TranscriptReader (transcript.ts) feeds it records and replaces it when the file is read again.
 */
import { filesWrittenByCommand } from './bash-files.js';
import { ChainOrderer } from './transcript-order.js';
import type { EntryEffect, TranscriptEntry, Turn } from './transcript-records.js';

/** Tools whose input names a file they write (Bash's files are read from its command: bash-files.ts). */
const FILE_TOOLS = new Map([
  ['Write', 'file_path'],
  ['Edit', 'file_path'],
  ['MultiEdit', 'file_path'],
  ['NotebookEdit', 'notebook_path'],
]);

/** Everything built from the file's content; replaced as a whole when the file is read again. */
export class Conversation {
  readonly turns: Turn[] = [];
  /** Sequence number of turns[0]; numbers keep growing across re-reads so they never repeat. */
  readonly firstSeq: number;
  readonly indexById = new Map<string, number>();
  readonly orderer = new ChainOrderer<TranscriptEntry>();
  readonly tools = new Map<string, number>();
  readonly files = new Set<string>();
  /** Tool calls that write files, by tool_use id, until their result says whether they did. */
  readonly pendingFileWrites = new Map<string, string[]>();
  customTitle?: string;
  aiTitle?: string;
  firstPrompt?: string;
  lastAssistantText?: string;
  prompts = 0;
  errors = 0;
  /** Since the last prompt: a final text answer came and nothing (tool, error, interrupt) followed it. */
  answered = false;
  /** …and the turn was closed (stop_reason end_turn on that answer, or a turn_duration record). */
  ended = false;

  constructor(
    firstSeq: number,
    private readonly effectOf: (entry: TranscriptEntry) => EntryEffect,
  ) {
    this.firstSeq = firstSeq;
  }

  get nextSeq(): number {
    return this.firstSeq + this.turns.length;
  }

  apply(entry: TranscriptEntry): void {
    const effect = this.effectOf(entry);
    switch (effect.kind) {
      case 'turns':
        for (const turn of effect.turns) this.addTurn(turn, effect.stopReason);
        break;
      case 'turn_end':
        if (this.answered) this.ended = true;
        break;
      case 'title':
        if (effect.source === 'custom') this.customTitle = effect.title || undefined;
        else this.aiTitle = effect.title || undefined;
        break;
      case 'none':
        break;
    }
  }

  private addTurn(turn: Turn, stopReason: string | undefined): void {
    this.indexById.set(turn.id, this.turns.length);
    this.turns.push(Object.freeze(turn));
    this.answered = false;
    this.ended = false;
    switch (turn.role) {
      case 'user':
        this.prompts++;
        this.firstPrompt ??= turn.text;
        break;
      case 'assistant':
        this.lastAssistantText = turn.text;
        if (!turn.interrupted) {
          this.answered = true;
          this.ended = stopReason === 'end_turn';
        }
        break;
      case 'tool_call': {
        const { name, id, input } = turn.tool!;
        this.tools.set(name, (this.tools.get(name) ?? 0) + 1);
        const pathKey = FILE_TOOLS.get(name);
        const path = pathKey === undefined ? undefined : input[pathKey];
        const paths =
          typeof path === 'string' && path !== '' ? [path] : name === 'Bash' && typeof input.command === 'string' ? filesWrittenByCommand(input.command) : [];
        if (paths.length) this.pendingFileWrites.set(id, paths);
        break;
      }
      case 'tool_result': {
        // A file counts as touched only when its tool ran: a rejected or failed call wrote nothing.
        const { toolUseId, isError } = turn.result!;
        const paths = this.pendingFileWrites.get(toolUseId);
        if (paths === undefined) break;
        this.pendingFileWrites.delete(toolUseId);
        if (!isError) for (const p of paths) this.files.add(p);
        break;
      }
      case 'error':
        this.errors++;
        break;
    }
  }
}
