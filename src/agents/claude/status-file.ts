import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { procStat } from '../../util/process-tree.js';
import type { AgentStatus } from '../profile.js';

/**
 * Claude Code's status file, `<config dir>/sessions/<pid>.json` (2.1.197 and 2.1.332 alike): written
 * while it runs, rewritten on every status change, deleted on exit. FINDINGS.md §5.
 */

const STATUSES = new Set(['idle', 'busy', 'waiting']);

/** The file's fields Aegis uses, or undefined when it is not a status file of this shape. */
export function parseAgentStatus(text: string): AgentStatus | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined; // caught mid-write; the next change event reads it whole
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.sessionId !== 'string' || typeof r.status !== 'string' || !STATUSES.has(r.status)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    status: r.status as AgentStatus['status'],
    waitingFor: str(r.waitingFor),
    sessionId: r.sessionId,
    version: str(r.version),
    updatedAt: num(r.statusUpdatedAt) ?? num(r.updatedAt),
    procStart: str(r.procStart) ?? (typeof r.procStart === 'number' ? String(r.procStart) : undefined),
  };
}

/**
 * Claude Code's config folder from a transcript path (`<config>/projects/<encoded cwd>/<id>.jsonl`):
 * it honours HOME and CLAUDE_CONFIG_DIR as the agent saw them, which Aegis cannot read back.
 */
export const configDirOfTranscript = (transcriptPath: string): string => dirname(dirname(dirname(transcriptPath)));

/**
 * Whether a status file belongs to the agent Aegis started, not to another process that got the same
 * pid later: it names one of the session's ids, and the process with that pid started when the file
 * says (its start time, where both are known).
 */
export function statusBelongs(s: AgentStatus, pid: number, sessionIds: (string | undefined)[]): boolean {
  if (!sessionIds.includes(s.sessionId)) return false;
  if (s.procStart === undefined) return true;
  return procStat(pid)?.[19] === s.procStart;
}

/**
 * Follows one agent's status file: read when its folder reports a change to it, kept until the next
 * change. The folder appears only once Claude Code starts, so watching begins lazily (`refresh`).
 */
export class AgentStatusFile {
  private watcher?: FSWatcher;
  private cached?: AgentStatus;
  private readonly file: string;
  private disposed = false;

  constructor(
    private readonly dir: string,
    readonly pid: number,
    /** Whether a status read belongs to this agent (see statusBelongs); others are ignored. */
    private readonly accept: (s: AgentStatus) => boolean,
    /** Called when the file changed, so the owner reads state again. */
    private readonly onChange: () => void,
  ) {
    this.file = join(dir, `${pid}.json`);
  }

  /** The last status read, watching the folder first if it was not yet. */
  current(): AgentStatus | undefined {
    if (!this.watcher && !this.disposed) this.startWatching();
    return this.cached;
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.dir, (_event, name) => {
        if (name === `${this.pid}.json`) this.read(true);
      });
      this.watcher.on('error', () => this.stopWatching());
    } catch {
      return; // no folder yet: tried again at the next look
    }
    this.read(false);
  }

  private read(notify: boolean): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      this.cached = undefined; // deleted: the agent exited (tmux tells that first)
      return;
    }
    const parsed = parseAgentStatus(text);
    if (!parsed) return;
    const next = this.accept(parsed) ? parsed : undefined;
    const changed =
      next?.status !== this.cached?.status ||
      next?.waitingFor !== this.cached?.waitingFor ||
      next?.version !== this.cached?.version ||
      next?.updatedAt !== this.cached?.updatedAt;
    this.cached = next;
    if (changed && notify) this.onChange();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.stopWatching();
  }
}
