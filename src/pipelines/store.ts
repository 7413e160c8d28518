/**
 * PipelineStore: the SQLite reads and once-only transitions of pipelines, stages and attempts
 * (claim, attach, finish, settle, cancel). Row mapping lives in store-rows.ts.
 */
import type { Db } from '../db/open.js';
import { attemptFromRow, opt, pipelineFromRow, stageFromRow, type AttemptDbRow, type PipelineDbRow, type StageDbRow } from './store-rows.js';
import { FINAL_STAGE_STATUSES, type AttemptRow, type PipelineSpec, type PipelineRow, type PipelineStatus, type StageRow, type StageStatus } from './types.js';

export interface AttemptKey {
  pipelineId: string;
  stage: string;
  attempt: number;
}

/** How an attempt ended, as the runner judged it. */
export type AttemptOutcome = { status: 'done'; output: string; files: string[] } | { status: 'failed'; error: string };

/** A stage that reached a final status, for pipeline_stage_done. */
export interface StageChange {
  stage: string;
  status: StageStatus;
}

const isFinal = (s: StageStatus) => FINAL_STAGE_STATUSES.includes(s);
const ATTEMPT_PK = 'pipeline_id = @pipelineId AND stage = @stage AND attempt = @attempt';

/** The lease that lets one process advance a pipeline. */
export const pipelineLease = (pipelineId: string): string => `pipeline:${pipelineId}`;

/**
 * SQLite access for pipelines, their stages and attempts. Every transition that must happen once
 * (claiming an attempt, finishing it, failing the stages that can no longer run) is one IMMEDIATE
 * transaction whose WHERE clause checks the state it expects, so a repeat or a race changes nothing.
 */
export class PipelineStore {
  constructor(private readonly db: Db) {}

  /** Inserts a validated pipeline and its stages; picks a session-name prefix no other pipeline uses. */
  insert(id: string, spec: PipelineSpec, now: number): PipelineRow {
    const tx = this.db.transaction(() => {
      const taken = new Set(
        (
          this.db
            .prepare("SELECT session_prefix FROM pipelines WHERE session_prefix = ? OR session_prefix LIKE ? ESCAPE '\\'")
            .all(spec.name, `${spec.name.replace(/[\\%_]/g, '\\$&')}-%`) as { session_prefix: string }[]
        ).map((r) => r.session_prefix),
      );
      let prefix = spec.name;
      for (let n = 2; taken.has(prefix); n++) prefix = `${spec.name}-${n}`;
      this.db
        .prepare(
          'INSERT INTO pipelines (id, name, session_prefix, work_dir, on_failure, max_concurrent, status, spec, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, spec.name, prefix, spec.workDir, spec.onFailure, spec.maxConcurrent, 'running', JSON.stringify(spec), now);
      const stage = this.db.prepare("INSERT INTO pipeline_stages (pipeline_id, name, position, status) VALUES (?, ?, ?, 'pending')");
      spec.stages.forEach((s, i) => stage.run(id, s.name, i));
    });
    tx.immediate();
    return this.pipeline(id)!;
  }

  pipeline(id: string): PipelineRow | undefined {
    const r = this.db.prepare('SELECT * FROM pipelines WHERE id = ?').get(id) as PipelineDbRow | undefined;
    return r && pipelineFromRow(r);
  }

  /** By exact id, a unique id prefix (4+ characters), or name (newest first). */
  find(ref: string): PipelineRow[] {
    const exact = this.db.prepare('SELECT * FROM pipelines WHERE id = ?').all(ref) as PipelineDbRow[];
    if (exact.length) return exact.map(pipelineFromRow);
    const byName = this.db
      .prepare('SELECT * FROM pipelines WHERE name = ? OR session_prefix = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
      .all(ref, ref) as PipelineDbRow[];
    if (byName.length) return byName.map(pipelineFromRow);
    if (ref.length < 4) return [];
    return (this.db.prepare("SELECT * FROM pipelines WHERE id LIKE ? ESCAPE '\\' LIMIT 5").all(`${ref.replace(/[\\%_]/g, '\\$&')}%`) as PipelineDbRow[]).map(
      pipelineFromRow,
    );
  }

  list(filter: { statuses?: PipelineStatus[]; limit: number; offset: number }): {
    pipelines: (PipelineRow & { done: number; total: number })[];
    total: number;
  } {
    const where = filter.statuses?.length ? `WHERE status IN (${filter.statuses.map(() => '?').join(', ')})` : '';
    const params = filter.statuses ?? [];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM pipelines ${where}`).get(...params) as { n: number }).n;
    const rows = this.db
      .prepare(
        `SELECT p.*, (SELECT count(*) FROM pipeline_stages s WHERE s.pipeline_id = p.id AND s.status = 'done') AS done,
           (SELECT count(*) FROM pipeline_stages s WHERE s.pipeline_id = p.id) AS total
         FROM pipelines p ${where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
      )
      .all(...params, filter.limit, filter.offset) as (PipelineDbRow & { done: number; total: number })[];
    return { pipelines: rows.map((r) => ({ ...pipelineFromRow(r), done: r.done, total: r.total })), total };
  }

  runningIds(): string[] {
    return (this.db.prepare("SELECT id FROM pipelines WHERE status = 'running' ORDER BY created_at").all() as { id: string }[]).map((r) => r.id);
  }

  stages(pipelineId: string): StageRow[] {
    return (this.db.prepare('SELECT * FROM pipeline_stages WHERE pipeline_id = ? ORDER BY position').all(pipelineId) as StageDbRow[]).map(stageFromRow);
  }

  attempts(pipelineId: string): AttemptRow[] {
    return (this.db.prepare('SELECT * FROM pipeline_attempts WHERE pipeline_id = ? ORDER BY created_at, stage, attempt').all(pipelineId) as AttemptDbRow[]).map(
      attemptFromRow,
    );
  }

  attempt(key: AttemptKey): AttemptRow | undefined {
    const r = this.db.prepare(`SELECT * FROM pipeline_attempts WHERE ${ATTEMPT_PK}`).get(key) as AttemptDbRow | undefined;
    return r && attemptFromRow(r);
  }

  /** Attempts claimed and not finished: being started, or running in a session. */
  activeAttempts(pipelineId: string): AttemptRow[] {
    return (
      this.db
        .prepare("SELECT * FROM pipeline_attempts WHERE pipeline_id = ? AND status IN ('starting', 'running') ORDER BY created_at")
        .all(pipelineId) as AttemptDbRow[]
    ).map(attemptFromRow);
  }

  /** The unfinished attempt running in a session, if the session belongs to a pipeline. */
  attemptOfSession(sessionId: string): AttemptRow | undefined {
    const r = this.db.prepare("SELECT * FROM pipeline_attempts WHERE session_id = ? AND status IN ('starting', 'running')").get(sessionId) as
      AttemptDbRow | undefined;
    return r && attemptFromRow(r);
  }

  /**
   * Claims the next attempt of a pending stage, only while `holder` holds the pipeline's lease, the
   * pipeline runs, and fewer than its maxConcurrent stages are running. The claim records the session
   * name and rendered prompt, so whoever finishes starting it (this process, or one resuming after a
   * crash) starts exactly that session.
   */
  claim(key: { pipelineId: string; stage: string }, holder: string, sessionPrefix: string, prompt: string, now: number): AttemptRow | undefined {
    const tx = this.db.transaction((): AttemptRow | undefined => {
      const lease = this.db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(pipelineLease(key.pipelineId)) as
        { holder: string; expires_at: number } | undefined;
      if (!lease || lease.holder !== holder || lease.expires_at <= now) return undefined;
      const p = this.db.prepare('SELECT status, max_concurrent FROM pipelines WHERE id = ?').get(key.pipelineId) as
        { status: string; max_concurrent: number } | undefined;
      if (p?.status !== 'running') return undefined;
      const running = (
        this.db.prepare("SELECT count(*) AS n FROM pipeline_stages WHERE pipeline_id = ? AND status = 'running'").get(key.pipelineId) as { n: number }
      ).n;
      if (running >= p.max_concurrent) return undefined;
      const stage = this.db
        .prepare(
          "UPDATE pipeline_stages SET status = 'running', attempts = attempts + 1, session_id = NULL, started_at = coalesce(started_at, ?) WHERE pipeline_id = ? AND name = ? AND status = 'pending' RETURNING attempts",
        )
        .get(now, key.pipelineId, key.stage) as { attempts: number } | undefined;
      if (!stage) return undefined;
      const row: AttemptDbRow = {
        pipeline_id: key.pipelineId,
        stage: key.stage,
        attempt: stage.attempts,
        session_name: `${sessionPrefix}-${key.stage}-${stage.attempts}`,
        prompt,
        status: 'starting',
        claimed_by: holder,
        session_id: null,
        message_id: null,
        error: null,
        created_at: now,
        session_created_at: null,
        finished_at: null,
      };
      this.db
        .prepare(
          `INSERT INTO pipeline_attempts (pipeline_id, stage, attempt, session_name, prompt, status, claimed_by, created_at)
           VALUES (@pipeline_id, @stage, @attempt, @session_name, @prompt, @status, @claimed_by, @created_at)`,
        )
        .run(row);
      return attemptFromRow(row);
    });
    return tx.immediate();
  }

  /**
   * Records the session an attempt runs in. False when the attempt is no longer starting (cancelled
   * meanwhile): the caller then stops the session it just made.
   */
  attachSession(key: AttemptKey, sessionId: string, messageId: number | undefined, at: number): boolean {
    const tx = this.db.transaction(() => {
      const r = this.db
        .prepare(
          `UPDATE pipeline_attempts SET status = 'running', session_id = @sessionId, message_id = @messageId, session_created_at = @at WHERE ${ATTEMPT_PK} AND status = 'starting'`,
        )
        .run({ ...key, sessionId, messageId: messageId ?? null, at });
      if (r.changes === 0) return false;
      this.db
        .prepare("UPDATE pipeline_stages SET session_id = ? WHERE pipeline_id = ? AND name = ? AND status = 'running'")
        .run(sessionId, key.pipelineId, key.stage);
      return true;
    });
    return tx.immediate();
  }

  /**
   * Ends an attempt and updates its stage: done; or, when it failed, pending again while attempts
   * remain (a retry starts a fresh session), else failed. Undefined when the attempt had already
   * ended (a second report of the same finish, or a cancel in between).
   */
  finishAttempt(key: AttemptKey, outcome: AttemptOutcome, maxAttempts: number, now: number): StageStatus | undefined {
    const tx = this.db.transaction((): StageStatus | undefined => {
      const error = outcome.status === 'failed' ? outcome.error : null;
      const r = this.db
        .prepare(`UPDATE pipeline_attempts SET status = @status, error = @error, finished_at = @now WHERE ${ATTEMPT_PK} AND status IN ('starting', 'running')`)
        .run({ ...key, status: outcome.status, error, now });
      if (r.changes === 0) return undefined;
      if (outcome.status === 'done') {
        this.db
          .prepare(
            "UPDATE pipeline_stages SET status = 'done', output = ?, files = ?, error = NULL, finished_at = ? WHERE pipeline_id = ? AND name = ? AND status = 'running'",
          )
          .run(outcome.output, JSON.stringify(outcome.files), now, key.pipelineId, key.stage);
        return 'done';
      }
      const retry = key.attempt < maxAttempts;
      const message = maxAttempts > 1 ? `attempt ${key.attempt} of ${maxAttempts}: ${outcome.error}` : outcome.error;
      this.db
        .prepare("UPDATE pipeline_stages SET status = ?, error = ?, finished_at = ? WHERE pipeline_id = ? AND name = ? AND status = 'running'")
        .run(retry ? 'pending' : 'failed', message, retry ? null : now, key.pipelineId, key.stage);
      return retry ? 'pending' : 'failed';
    });
    return tx.immediate();
  }

  /**
   * Settles stages that can no longer run after a failure: with onFailure "stop" every pending stage
   * is cancelled; with "continue" only those depending (transitively) on a failed, skipped or
   * cancelled stage are skipped, and the rest go on.
   */
  settleAfterFailures(pipelineId: string, spec: PipelineSpec, now: number): StageChange[] {
    const tx = this.db.transaction((): StageChange[] => {
      const status = new Map(this.stages(pipelineId).map((s) => [s.name, s.status]));
      const changes: StageChange[] = [];
      const set = this.db.prepare(
        "UPDATE pipeline_stages SET status = ?, error = ?, finished_at = ? WHERE pipeline_id = ? AND name = ? AND status = 'pending'",
      );
      const failed = [...status].find(([, s]) => s === 'failed')?.[0];
      if (spec.onFailure === 'stop') {
        if (!failed) return [];
        for (const [name, s] of status) {
          if (s !== 'pending') continue;
          set.run('cancelled', `not started: stage "${failed}" failed and onFailure is "stop"`, now, pipelineId, name);
          changes.push({ stage: name, status: 'cancelled' });
        }
        return changes;
      }
      for (let grew = true; grew;) {
        grew = false;
        for (const st of spec.stages) {
          if (status.get(st.name) !== 'pending') continue;
          const blocker = st.dependsOn.find((d) => ['failed', 'skipped', 'cancelled'].includes(status.get(d) ?? ''));
          if (!blocker) continue;
          set.run(
            'skipped',
            `skipped: it depends on "${blocker}", which ${status.get(blocker) === 'failed' ? 'failed' : `was ${status.get(blocker)}`}`,
            now,
            pipelineId,
            st.name,
          );
          status.set(st.name, 'skipped');
          changes.push({ stage: st.name, status: 'skipped' });
          grew = true;
        }
      }
      return changes;
    });
    return tx.immediate();
  }

  /** Marks a running pipeline finished once every stage is final: done if all are done, else failed. */
  finishIfComplete(pipelineId: string, now: number): PipelineStatus | undefined {
    const tx = this.db.transaction((): PipelineStatus | undefined => {
      const stages = this.stages(pipelineId);
      if (!stages.every((s) => isFinal(s.status))) return undefined;
      const failed = stages.filter((s) => s.status === 'failed');
      const status: PipelineStatus = failed.length ? 'failed' : stages.every((s) => s.status === 'done') ? 'done' : 'failed';
      const error = failed.length
        ? `${failed.map((s) => `stage "${s.name}" failed: ${s.error ?? 'unknown error'}`).join('; ')}`
        : status === 'failed'
          ? 'not every stage ran'
          : null;
      const r = this.db
        .prepare("UPDATE pipelines SET status = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'running'")
        .run(status, error, now, pipelineId);
      return r.changes ? status : undefined;
    });
    return tx.immediate();
  }

  /**
   * Cancels a running pipeline: every stage not final becomes cancelled, and so does every attempt
   * not finished. Returns the sessions of the attempts that were running (to stop them) and the
   * stages it cancelled; undefined when the pipeline was not running.
   */
  cancel(pipelineId: string, reason: string, now: number): { sessionIds: string[]; stages: string[] } | undefined {
    const tx = this.db.transaction(() => {
      const r = this.db
        .prepare("UPDATE pipelines SET status = 'cancelled', error = ?, finished_at = ? WHERE id = ? AND status = 'running'")
        .run(reason, now, pipelineId);
      if (r.changes === 0) return undefined;
      const sessionIds = (
        this.db
          .prepare("SELECT session_id FROM pipeline_attempts WHERE pipeline_id = ? AND status IN ('starting', 'running') AND session_id IS NOT NULL")
          .all(pipelineId) as { session_id: string }[]
      ).map((x) => x.session_id);
      this.db
        .prepare("UPDATE pipeline_attempts SET status = 'cancelled', error = ?, finished_at = ? WHERE pipeline_id = ? AND status IN ('starting', 'running')")
        .run(reason, now, pipelineId);
      const stages = (
        this.db
          .prepare(
            "UPDATE pipeline_stages SET status = 'cancelled', error = ?, finished_at = ? WHERE pipeline_id = ? AND status IN ('pending', 'running') RETURNING name",
          )
          .all(reason, now, pipelineId) as { name: string }[]
      ).map((x) => x.name);
      return { sessionIds, stages };
    });
    return tx.immediate();
  }

  /** The first message queued for a session (its brief), to follow its delivery after adopting it. */
  firstMessageId(sessionId: string): number | undefined {
    const r = this.db.prepare('SELECT min(id) AS id FROM session_messages WHERE session_id = ?').get(sessionId) as { id: number | null };
    return opt(r.id);
  }

  /** Pipelines not finished: the background engine stays up while there are any. */
  runningCount(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM pipelines WHERE status = 'running'").get() as { n: number }).n;
  }
}
