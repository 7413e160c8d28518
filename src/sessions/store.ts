/** SQLite access for sessions: their rows, state history, budget levels and message queue (the row mapping is in records.ts). */
import type { Dialog, SessionState } from '../agents/types.js';
import type { Db } from '../db/open.js';
import { fromRow, messageFromRow, opt, type MessageRow, type QueuedMessage, type Row, type SessionRecord } from './records.js';

export type { QueuedMessage, SessionRecord } from './records.js';

/** Terminal states: the agent is gone; the record and transcript stay. */
export const ENDED_STATES: readonly SessionState[] = ['exited', 'dead'];
/** Why a message that still waited when its session ended was never typed. */
export const ENDED_BEFORE_DELIVERY = 'the session ended before its delivery was confirmed';

/** SQLite access for sessions, their message queue and state history. No tmux, no agents. */
export class SessionStore {
  constructor(private readonly db: Db) {}

  insert(s: SessionRecord): void {
    this.db
      .prepare(
        `INSERT INTO sessions (id, name, agent, argv, work_dir, permission_mode, model, state, state_since, last_activity, tmux_window, tmux_pane, pane_pid,
          agent_session_id, transcript_path, hooks_file, initial_prompt, prompt_delivered, created_at, worktree, budget)
         VALUES (@id, @name, @agent, @argv, @workDir, @permissionMode, @model, @state, @stateSince, @lastActivity, @tmuxWindow, @tmuxPane, @panePid,
          @agentSessionId, @transcriptPath, @hooksFile, @initialPrompt, @promptDelivered, @createdAt, @worktree, @budget)`,
      )
      .run({
        ...s,
        argv: JSON.stringify(s.argv),
        model: s.model ?? null,
        tmuxWindow: s.tmuxWindow ?? null,
        tmuxPane: s.tmuxPane ?? null,
        panePid: s.panePid ?? null,
        agentSessionId: s.agentSessionId ?? null,
        transcriptPath: s.transcriptPath ?? null,
        hooksFile: s.hooksFile ?? null,
        initialPrompt: s.initialPrompt ?? null,
        promptDelivered: s.promptDelivered ? 1 : 0,
        worktree: s.worktree ? JSON.stringify(s.worktree) : null,
        budget: s.budget ? JSON.stringify(s.budget) : null,
      });
  }

  get(id: string): SessionRecord | undefined {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return r && fromRow(r);
  }

  /** Whether a session with this id is recorded, live or ended (the sweep asks it of every window it does not watch). */
  has(id: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(id);
  }

  /** Finds by exact id, exact name, or a unique id prefix (at least 4 characters). */
  find(ref: string): SessionRecord[] {
    const exact = this.db.prepare('SELECT * FROM sessions WHERE id = ? OR name = ?').all(ref, ref) as Row[];
    if (exact.length) return exact.map(fromRow);
    if (ref.length < 4) return [];
    return (this.db.prepare("SELECT * FROM sessions WHERE id LIKE ? ESCAPE '\\' LIMIT 5").all(`${ref.replace(/[\\%_]/g, '\\$&')}%`) as Row[]).map(fromRow);
  }

  list(filter: { states?: SessionState[]; workDir?: string; agent?: string; limit: number; offset: number }): { sessions: SessionRecord[]; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      params.push(...filter.states);
    }
    if (filter.workDir) {
      where.push('work_dir = ?');
      params.push(filter.workDir);
    }
    if (filter.agent) {
      where.push('agent = ?');
      params.push(filter.agent);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM sessions ${clause}`).get(...params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM sessions ${clause} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`)
      .all(...params, filter.limit, filter.offset) as Row[];
    return { sessions: rows.map(fromRow), total };
  }

  /** Sessions whose pane should still be running (everything not exited or dead). */
  live(): SessionRecord[] {
    return (this.db.prepare("SELECT * FROM sessions WHERE state NOT IN ('exited', 'dead') ORDER BY created_at").all() as Row[]).map(fromRow);
  }

  /** Id and pane of every live session: what the monitor's sweep needs, without parsing whole rows (it runs every few seconds). */
  livePanes(): { id: string; tmuxPane?: string }[] {
    return (
      this.db.prepare("SELECT id, tmux_pane FROM sessions WHERE state NOT IN ('exited', 'dead') ORDER BY created_at").all() as {
        id: string;
        tmux_pane: string | null;
      }[]
    ).map((r) => ({ id: r.id, tmuxPane: opt(r.tmux_pane) }));
  }

  /** Live sessions with a budget not yet used up: the ones the budget check (every 2 s) looks at. */
  liveWithBudget(): SessionRecord[] {
    return (
      this.db
        .prepare("SELECT * FROM sessions WHERE state NOT IN ('exited', 'dead') AND budget IS NOT NULL AND budget_notified < 100 ORDER BY created_at")
        .all() as Row[]
    ).map(fromRow);
  }

  /** Records that the budget share `level` was announced; false when it (or more) already was. */
  claimBudgetLevel(id: string, level: number): boolean {
    return this.db.prepare('UPDATE sessions SET budget_notified = ? WHERE id = ? AND budget_notified < ?').run(level, id, level).changes === 1;
  }

  /** Forgets a worktree Aegis removed (the record keeps everything else). */
  dropWorktree(id: string): void {
    this.db.prepare('UPDATE sessions SET worktree = NULL WHERE id = ?').run(id);
  }

  /** Sessions whose worktree Aegis has not removed yet, oldest first. */
  withWorktree(): SessionRecord[] {
    return (this.db.prepare('SELECT * FROM sessions WHERE worktree IS NOT NULL ORDER BY created_at').all() as Row[]).map(fromRow);
  }

  nameTaken(name: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM sessions WHERE name = ?').get(name);
  }

  /**
   * Records a state change. Several processes may observe the same pane; the WHERE clause makes the
   * write (and its history row) happen once per real change.
   */
  setState(
    id: string,
    to: SessionState,
    at: number,
    source: string,
    extra: { dialog?: Dialog | null; lastAssistant?: string; error?: string | null; exitStatus?: number } = {},
  ): { changed: boolean; from?: SessionState; state?: SessionState } {
    const tx = this.db.transaction(() => {
      const cur = this.db.prepare('SELECT state, dialog FROM sessions WHERE id = ?').get(id) as { state: SessionState; dialog: string | null } | undefined;
      if (!cur) return { changed: false };
      // Exited is final: a watcher (in any process) that sees the pane of a killed session die or
      // vanish afterwards must not record it `dead`.
      if (cur.state === 'exited' && to !== 'exited') return { changed: false, from: cur.state, state: cur.state };
      const dialogJson = extra.dialog === undefined ? cur.dialog : extra.dialog === null ? null : JSON.stringify(extra.dialog);
      const changed = cur.state !== to;
      this.db
        .prepare(
          `UPDATE sessions SET state = ?, state_since = CASE WHEN state = ? THEN state_since ELSE ? END, last_activity = max(last_activity, ?), dialog = ?,
             last_assistant = coalesce(?, last_assistant), error = CASE WHEN ? THEN ? ELSE error END, exit_status = coalesce(?, exit_status),
             ended_at = CASE WHEN ? IN ('exited', 'dead') THEN coalesce(ended_at, ?) ELSE ended_at END
           WHERE id = ?`,
        )
        .run(
          to,
          to,
          at,
          at,
          dialogJson,
          extra.lastAssistant ?? null,
          extra.error !== undefined ? 1 : 0,
          extra.error ?? null,
          extra.exitStatus ?? null,
          to,
          at,
          id,
        );
      if (changed) {
        this.db
          .prepare('INSERT INTO session_events (session_id, at, from_state, to_state, source, detail) VALUES (?, ?, ?, ?, ?, ?)')
          .run(id, at, cur.state, to, source, dialogJson);
      }
      return { changed, from: cur.state, state: to };
    });
    return tx.immediate();
  }

  /** Records when sessions last showed activity (id → ms since the epoch), all in one transaction. */
  touch(activity: ReadonlyMap<string, number>): void {
    const stmt = this.db.prepare('UPDATE sessions SET last_activity = max(last_activity, ?) WHERE id = ?');
    this.db.transaction(() => {
      for (const [id, at] of activity) stmt.run(at, id);
    })();
  }

  update(
    id: string,
    fields: Partial<
      Pick<
        SessionRecord,
        'tmuxWindow' | 'tmuxPane' | 'panePid' | 'transcriptPath' | 'promptDelivered' | 'lastAssistant' | 'stopReason' | 'budgetNotified' | 'agentVersion'
      >
    >,
  ): void {
    const cols: Record<string, string> = {
      tmuxWindow: 'tmux_window',
      tmuxPane: 'tmux_pane',
      panePid: 'pane_pid',
      transcriptPath: 'transcript_path',
      promptDelivered: 'prompt_delivered',
      lastAssistant: 'last_assistant',
      stopReason: 'stop_reason',
      budgetNotified: 'budget_notified',
      agentVersion: 'agent_version',
    };
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (!entries.length) return;
    const sql = `UPDATE sessions SET ${entries.map(([k]) => `${cols[k]} = ?`).join(', ')} WHERE id = ?`;
    this.db.prepare(sql).run(...entries.map(([, v]) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)), id);
  }

  /** Claims the initial prompt for delivery exactly once across processes. */
  claimInitialPrompt(id: string): string | undefined {
    const r = this.db
      .prepare('UPDATE sessions SET prompt_delivered = 1 WHERE id = ? AND prompt_delivered = 0 AND initial_prompt IS NOT NULL RETURNING initial_prompt')
      .get(id) as { initial_prompt: string } | undefined;
    return r?.initial_prompt;
  }

  events(id: string, limit = 50): { at: number; from?: string; to: string; source: string }[] {
    return (
      this.db.prepare('SELECT at, from_state, to_state, source FROM session_events WHERE session_id = ? ORDER BY id DESC LIMIT ?').all(id, limit) as {
        at: number;
        from_state: string | null;
        to_state: string;
        source: string;
      }[]
    )
      .reverse()
      .map((e) => ({ at: e.at, from: e.from_state ?? undefined, to: e.to_state, source: e.source }));
  }

  // ---- message queue ----

  enqueue(sessionId: string, text: string, at: number): QueuedMessage {
    const r = this.db
      .prepare("INSERT INTO session_messages (session_id, text, status, created_at) VALUES (?, ?, 'queued', ?) RETURNING *")
      .get(sessionId, text, at) as MessageRow;
    return messageFromRow(r);
  }

  queued(sessionId: string): QueuedMessage[] {
    return (
      this.db.prepare("SELECT * FROM session_messages WHERE session_id = ? AND status IN ('queued', 'delivering') ORDER BY id").all(sessionId) as MessageRow[]
    ).map(messageFromRow);
  }

  /** Sessions with messages still to deliver: asked every second by each watcher, so read from the small index of those (migration 9). */
  sessionsWithQueue(): string[] {
    // Named: without table statistics SQLite prefers the covering index of every message, a full scan.
    const sql = "SELECT DISTINCT session_id FROM session_messages INDEXED BY session_messages_waiting WHERE status IN ('queued', 'delivering')";
    return (this.db.prepare(sql).all() as { session_id: string }[]).map((r) => r.session_id);
  }

  /**
   * Claims the oldest waiting message of a session for `holder` for `ttlMs`, so that only one process
   * types it. An expired claim (its process died mid-delivery) can be taken over.
   */
  claimNext(sessionId: string, holder: string, now: number, ttlMs: number): QueuedMessage | undefined {
    const tx = this.db.transaction(() => {
      const r = this.db
        .prepare(
          "SELECT * FROM session_messages WHERE session_id = ? AND (status = 'queued' OR (status = 'delivering' AND claimed_until < ?)) ORDER BY id LIMIT 1",
        )
        .get(sessionId, now) as MessageRow | undefined;
      if (!r) return undefined;
      // Only the head of the queue may go: an older message still being delivered blocks newer ones.
      const older = this.db
        .prepare("SELECT 1 FROM session_messages WHERE session_id = ? AND status = 'delivering' AND claimed_until >= ? AND id < ?")
        .get(sessionId, now, r.id);
      if (older) return undefined;
      this.db
        .prepare("UPDATE session_messages SET status = 'delivering', claimed_by = ?, claimed_until = ?, attempts = attempts + 1 WHERE id = ?")
        .run(holder, now + ttlMs, r.id);
      return messageFromRow({ ...r, status: 'delivering', attempts: r.attempts + 1 });
    });
    return tx.immediate();
  }

  finishMessage(id: number, ok: boolean, at: number, error?: string): void {
    this.db
      .prepare('UPDATE session_messages SET status = ?, delivered_at = ?, error = ?, claimed_until = NULL WHERE id = ?')
      .run(ok ? 'delivered' : 'failed', ok ? at : null, error ?? null, id);
  }

  /** Back to the queue for another attempt; failed instead if its session has ended meanwhile (nothing would try again). */
  releaseMessage(id: number): void {
    this.db
      .prepare(
        `UPDATE session_messages SET claimed_by = NULL, claimed_until = NULL,
           status = CASE WHEN (SELECT state FROM sessions WHERE id = session_id) IN ('exited', 'dead') THEN 'failed' ELSE 'queued' END,
           error = CASE WHEN (SELECT state FROM sessions WHERE id = session_id) IN ('exited', 'dead') THEN ? ELSE error END
         WHERE id = ?`,
      )
      .run(ENDED_BEFORE_DELIVERY, id);
  }

  /** The session ended: what still waited for it will never be typed, and says so (`session_get`, a stage's judge). */
  failUndelivered(sessionId: string, error: string): void {
    this.db
      .prepare("UPDATE session_messages SET status = 'failed', error = ?, claimed_until = NULL WHERE session_id = ? AND status IN ('queued', 'delivering')")
      .run(error, sessionId);
  }

  /** Messages that will never be delivered (failed), oldest first. */
  undelivered(sessionId: string): QueuedMessage[] {
    return (this.db.prepare("SELECT * FROM session_messages WHERE session_id = ? AND status = 'failed' ORDER BY id").all(sessionId) as MessageRow[]).map(
      messageFromRow,
    );
  }

  message(id: number): QueuedMessage | undefined {
    const r = this.db.prepare('SELECT * FROM session_messages WHERE id = ?').get(id) as MessageRow | undefined;
    return r && messageFromRow(r);
  }
}
