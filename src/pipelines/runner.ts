/**
 * PipelineRunner: the long-lived engine that holds pipelines' leases, reacts to their sessions'
 * events, starts ready stages, judges and finishes attempts. Per-attempt timers: attempt-timers.ts;
 * the verdict on a session: judge.ts; the SQL: store.ts. About 400 lines on purpose: what a lease
 * holder does for one pipeline (hold, start, judge, finish, advance) reads as one sequence.
 */
import type { SessionState } from '../agents/types.js';
import type { Db } from '../db/open.js';
import { AegisError } from '../errors.js';
import { AttemptTimers } from './attempt-timers.js';
import { judgeAttempt, type TurnSignal } from './judge.js';
import { acquireLease, anyLeaseHeld, holderGone, newHolder, releaseLease } from '../db/lease.js';
import type { PipelineDeps } from './deps.js';
import { stagePrompt } from './stage-prompt.js';
import { pipelineLease, type AttemptKey, type AttemptOutcome, type PipelineStore, type StageChange } from './store.js';
import type { AttemptRow, PipelineRow, StageSpec } from './types.js';
import { branchReference } from './validate.js';

/** How often a runner renews its leases and looks for pipelines nobody advances. */
const HEARTBEAT_MS = 500;
/** A lease not renewed for this long is free; a holder seen dead on this host frees it at once. */
const LEASE_TTL_MS = 5_000;
/** Safety net: re-judge the running attempts of a held pipeline this often, in case an event was missed. */
const SWEEP_MS = 5_000;
/** A claim by another live process that has not got its session yet is left to it this long. */
const CLAIM_GRACE_MS = 30_000;
/** Turns of sessions not (yet) known to belong to an attempt are kept this long (the create race). */
const RECENT_TURN_MS = 60_000;
const PRESENCE_PREFIX = 'pipeline-runner:';
/** Session states after which an attempt may have finished or failed. */
const DECISIVE: SessionState[] = ['idle', 'asking', 'error', 'exited', 'dead'];

interface Held {
  chain: Promise<void>;
  timers: AttemptTimers;
  lastSweep: number;
}

const keyOf = (a: AttemptKey): AttemptKey => ({ pipelineId: a.pipelineId, stage: a.stage, attempt: a.attempt });
const idOf = (a: AttemptKey): string => `${a.pipelineId}/${a.stage}/${a.attempt}`;
const stageSpec = (p: PipelineRow, name: string): StageSpec => p.spec.stages.find((s) => s.name === name)!;

/** Whether any process (this one or another) runs a pipeline runner now; a crashed one does not count. */
export function runnerAlive(db: Db): boolean {
  return anyLeaseHeld(db, PRESENCE_PREFIX);
}

/**
 * Advances pipelines in a long-lived process. Each running pipeline is advanced by exactly one
 * process, the holder of its lease; every runner asks for the leases of running pipelines on each
 * heartbeat, so when the holder exits (or is killed) another picks the pipeline up from what SQLite
 * says. Within a holder, the work for one pipeline is serialized on a promise chain and driven by
 * the session engine's events (turn finished, state changed); a timer per attempt enforces its
 * timeout, and a slow sweep re-judges running attempts in case an event was missed.
 */
export class PipelineRunner {
  readonly holder = newHolder();
  private readonly held = new Map<string, Held>();
  /** Attempts whose session this process is creating right now. */
  private readonly creating = new Set<string>();
  /** Sessions of finished stages this process stopped (or is stopping), so each is stopped once. */
  private readonly closed = new Set<string>();
  private readonly recentTurns = new Map<string, TurnSignal & { seenAt: number }>();
  private readonly unsubscribe: (() => void)[] = [];
  private heartbeat?: NodeJS.Timeout;
  private started = false;

  constructor(
    private readonly deps: PipelineDeps,
    private readonly store: PipelineStore,
  ) {}

  get running(): boolean {
    return this.started;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.deps.sessions.start();
    this.unsubscribe.push(
      this.deps.events.on('session_turn_finished', (e) => this.onSessionEvent(e.sessionId, { at: e.at, message: e.message })),
      this.deps.events.on('session_state_changed', (e) => {
        if (DECISIVE.includes(e.to as SessionState)) this.onSessionEvent(e.sessionId);
      }),
    );
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.beat();
  }

  /** Gives up every lease at once, so another process resumes these pipelines without waiting. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    clearInterval(this.heartbeat);
    this.unsubscribe.splice(0).forEach((fn) => fn());
    for (const id of [...this.held.keys()]) this.drop(id);
    try {
      releaseLease(this.deps.db, PRESENCE_PREFIX + this.holder, this.holder);
    } catch {
      /* the database may already be closed at exit */
    }
  }

  /** A pipeline was just created in this process: take it now rather than at the next heartbeat. */
  kick(pipelineId: string): void {
    if (this.started) this.tryHold(pipelineId);
  }

  // ---------- leases ----------

  private beat(): void {
    try {
      acquireLease(this.deps.db, PRESENCE_PREFIX + this.holder, this.holder, LEASE_TTL_MS);
      const running = new Set(this.store.runningIds());
      for (const id of running) this.tryHold(id);
      for (const id of this.held.keys()) if (!running.has(id)) this.drop(id);
    } catch (err) {
      this.deps.log.warn('pipeline heartbeat failed', { error: (err as Error).message });
    }
  }

  private tryHold(id: string): void {
    const ok = acquireLease(this.deps.db, pipelineLease(id), this.holder, LEASE_TTL_MS);
    const h = this.held.get(id);
    if (!ok) {
      if (h) this.drop(id, false);
      return;
    }
    const now = Date.now();
    if (!h) {
      this.held.set(id, { chain: Promise.resolve(), timers: new AttemptTimers(), lastSweep: now });
      this.serial(id, () => this.resume(id));
    } else if (now - h.lastSweep >= SWEEP_MS) {
      h.lastSweep = now;
      this.serial(id, () => this.resume(id));
    }
  }

  private drop(id: string, release = true): void {
    const h = this.held.get(id);
    if (!h) return;
    h.timers.clearAll();
    this.held.delete(id);
    if (release) {
      try {
        releaseLease(this.deps.db, pipelineLease(id), this.holder);
      } catch {
        /* the database may already be closed at exit */
      }
    }
  }

  /** Runs `fn` after everything already queued for this pipeline; only while this process holds it. */
  private serial(id: string, fn: () => Promise<void>): void {
    const h = this.held.get(id);
    if (!h) return;
    h.chain = h.chain
      .then(() => (this.held.has(id) ? fn() : undefined))
      .catch((err) => this.deps.log.warn('pipeline step failed', { pipeline: id, error: (err as Error).message }));
  }

  // ---------- events ----------

  private onSessionEvent(sessionId: string, turn?: TurnSignal): void {
    const now = Date.now();
    const a = this.store.attemptOfSession(sessionId);
    if (!a) {
      // The session may be a stage's whose id is not written yet (its agent answered very fast).
      if (turn) this.recentTurns.set(sessionId, { ...turn, seenAt: now });
      for (const [id, t] of this.recentTurns) if (now - t.seenAt > RECENT_TURN_MS) this.recentTurns.delete(id);
      return;
    }
    this.serial(a.pipelineId, () => this.judge(a, turn));
  }

  // ---------- the work ----------

  /** Picks a pipeline up from what the database says: finish starting claimed attempts, judge running ones, start ready stages. */
  private async resume(id: string): Promise<void> {
    const p = this.store.pipeline(id);
    if (p?.status !== 'running') return this.drop(id);
    for (const a of this.store.activeAttempts(id)) {
      this.armTimeout(p, a);
      if (a.status === 'starting') await this.ensureStarted(p, a);
      else await this.judge(a);
    }
    await this.advance(id);
  }

  /**
   * An attempt was claimed but its session id never written: the claiming process died (or is still
   * creating it). Adopt the session made for it, found by its name, or start it now; never a second one.
   */
  private async ensureStarted(p: PipelineRow, a: AttemptRow): Promise<void> {
    if (this.creating.has(idOf(a))) return;
    if (a.claimedBy !== this.holder && !holderGone(a.claimedBy) && Date.now() - a.createdAt < CLAIM_GRACE_MS) return;
    const existing = this.deps.sessions.named(a.sessionName);
    if (!existing) {
      void this.launch(p, a);
      return;
    }
    // A session of that name from before the claim is someone else's, not this attempt's.
    if (existing.createdAt < a.createdAt - 1_000) {
      await this.finish(p, a, { status: 'failed', error: `a session named "${a.sessionName}" already exists and is not this stage's` });
      return;
    }
    if (this.store.attachSession(keyOf(a), existing.id, this.store.firstMessageId(existing.id), existing.createdAt)) {
      this.deps.log.info('pipeline stage session adopted', { pipeline: p.id, stage: a.stage, session: existing.id });
      await this.judge({ ...a, status: 'running', sessionId: existing.id, messageId: this.store.firstMessageId(existing.id) });
    }
  }

  /**
   * A stage's baseRef: an earlier stage's branch for {{stages.<name>.branch}}, else the ref as written.
   * That stage's agent may have left its work uncommitted: its branch takes it first, so this stage
   * starts from all of it.
   */
  private async baseRefOf(p: PipelineRow, baseRef: string): Promise<string> {
    const source = branchReference(baseRef);
    if (source === undefined) return baseRef;
    const sessionId = this.store.stages(p.id).find((s) => s.name === source)?.sessionId;
    const branch = sessionId ? this.deps.sessions.get(sessionId)?.worktree?.branch : undefined;
    if (!branch) throw new Error(`stage "${source}" has no worktree branch to start from`);
    await this.deps.sessions.worktreeCommit(sessionId!);
    return branch;
  }

  /**
   * Creates the session of a claimed attempt, outside the pipeline's chain so stages start in
   * parallel. The promise settles once the session is recorded (or the failure handed to the chain).
   */
  private launch(p: PipelineRow, a: AttemptRow): Promise<void> {
    const id = idOf(a);
    this.creating.add(id);
    const stage = stageSpec(p, a.stage);
    return (async () => {
      try {
        const r = await this.deps.sessions.create({
          workDir: stage.workDir,
          prompt: a.prompt,
          agent: stage.agent,
          name: a.sessionName,
          permissionMode: stage.permissionMode,
          model: stage.model,
          env: p.spec.env,
          worktree: stage.worktree,
          baseRef: stage.baseRef && (await this.baseRefOf(p, stage.baseRef)),
        });
        this.creating.delete(id);
        if (!this.store.attachSession(keyOf(a), r.session.id, r.message?.messageId, r.session.createdAt)) {
          // Cancelled while the session was being created.
          await this.closeSession(r.session.id);
          return;
        }
        const turn = this.recentTurns.get(r.session.id);
        const state = this.deps.sessions.get(r.session.id)?.state;
        if (turn || (state && DECISIVE.includes(state) && state !== 'idle')) {
          this.recentTurns.delete(r.session.id);
          this.serial(p.id, () => this.judge({ ...a, status: 'running', sessionId: r.session.id, messageId: r.message?.messageId }, turn));
        }
      } catch (err) {
        this.creating.delete(id);
        if (err instanceof AegisError && err.code === 'conflict' && err.field === 'name') {
          // Someone created it after all (a resumed runner racing a slow one): adopt rather than duplicate.
          this.serial(p.id, async () => {
            const fresh = this.store.attempt(keyOf(a));
            if (fresh?.status === 'starting') await this.ensureStarted(p, { ...fresh, claimedBy: this.holder });
          });
          return;
        }
        this.serial(p.id, () => this.finish(p, a, { status: 'failed', error: `its session could not be started: ${(err as Error).message}` }));
      }
    })();
  }

  /** Asks the session whether the attempt finished, failed or still runs, and acts on the answer. */
  private async judge(a: AttemptRow, turn?: TurnSignal): Promise<void> {
    const current = this.store.attempt(keyOf(a));
    if (!current || current.status !== 'running') return;
    const p = this.store.pipeline(a.pipelineId);
    if (p?.status !== 'running') return;
    const v = await judgeAttempt(this.deps.sessions, this.deps.screens, current, turn);
    if (v.kind === 'running') {
      if (v.recheck) this.recheck(current);
      return;
    }
    await this.finish(p, current, v.kind === 'done' ? { status: 'done', output: v.output, files: v.files } : { status: 'failed', error: v.error });
  }

  private recheck(a: AttemptRow): void {
    this.held.get(a.pipelineId)?.timers.recheck(idOf(a), () => this.serial(a.pipelineId, () => this.judge(a)));
  }

  private armTimeout(p: PipelineRow, a: AttemptRow): void {
    const timeoutMs = stageSpec(p, a.stage).timeoutSec * 1000;
    this.held.get(p.id)?.timers.armTimeout(idOf(a), a.createdAt + timeoutMs, () => this.serial(p.id, () => this.onTimeout(p, a, timeoutMs)));
  }

  private async onTimeout(p: PipelineRow, a: AttemptRow, timeoutMs: number): Promise<void> {
    const current = this.store.attempt(keyOf(a));
    if (!current || !['starting', 'running'].includes(current.status)) return;
    if (current.status === 'running') {
      await this.judge(current);
      if (this.store.attempt(keyOf(a))?.status !== 'running') return;
    }
    const s = current.sessionId ? this.deps.sessions.get(current.sessionId) : undefined;
    const d = s?.dialog;
    const waiting = d
      ? `, left waiting on a ${d.kind} dialog${d.tool ? ` for ${d.tool}` : ''}: ${d.command ?? d.file ?? d.url ?? d.question}`
      : s
        ? ` (session state: ${s.state})`
        : ' before its session started';
    await this.finish(p, current, { status: 'failed', error: `timed out after ${Math.round(timeoutMs / 1000)} s${waiting}` });
  }

  /** Records how an attempt ended, tells listeners, starts what can start now, then stops its session. */
  private async finish(p: PipelineRow, a: AttemptRow, outcome: AttemptOutcome): Promise<void> {
    const stage = stageSpec(p, a.stage);
    const status = this.store.finishAttempt(keyOf(a), outcome, stage.retries + 1, Date.now());
    this.held.get(p.id)?.timers.clear(idOf(a));
    if (!status) return;
    if (status !== 'pending') this.emitDone(p.id, [{ stage: a.stage, status }]);
    if (outcome.status === 'failed')
      this.deps.log.info('pipeline stage attempt failed', { pipeline: p.id, stage: a.stage, attempt: a.attempt, error: outcome.error });
    const starting = await this.advance(p.id);
    // A failed attempt's agent has nothing more to give; a done one is stopped by advance() once
    // the stages waiting for it have started.
    if (outcome.status === 'failed' && a.sessionId) this.closeAfter(starting, [a.sessionId]);
  }

  /**
   * Settles what a failure decided, finishes the pipeline when every stage is final, and otherwise
   * claims and starts every stage whose dependencies are done, up to maxConcurrent.
   */
  private async advance(id: string): Promise<Promise<void>[]> {
    const p = this.store.pipeline(id);
    if (p?.status !== 'running') {
      this.drop(id);
      return [];
    }
    const now = Date.now();
    this.emitDone(id, this.store.settleAfterFailures(id, p.spec, now));
    if (this.store.finishIfComplete(id, now)) {
      this.drop(id);
      this.closeAfter([], this.servedStages(p));
      return [];
    }
    const rows = new Map(this.store.stages(id).map((s) => [s.name, s]));
    const ready = p.spec.stages.filter((s) => rows.get(s.name)?.status === 'pending' && s.dependsOn.every((d) => rows.get(d)?.status === 'done'));
    const starting: Promise<void>[] = [];
    for (const stage of ready) {
      const rendered = stagePrompt(p.spec, stage, rows, this.deps.memory);
      const a = this.store.claim(
        { pipelineId: id, stage: stage.name },
        this.holder,
        p.sessionPrefix,
        'prompt' in rendered ? rendered.prompt : stage.prompt,
        now,
      );
      if (!a) break;
      this.armTimeout(p, a);
      if ('error' in rendered) {
        // finish() advances again, which starts the remaining ready stages.
        await this.finish(p, a, { status: 'failed', error: rendered.error });
        return starting;
      }
      starting.push(this.launch(p, a));
    }
    this.closeAfter(starting, this.servedStages(p));
    return starting;
  }

  /**
   * Live sessions of done stages whose dependents have all started (or will never start): their
   * output is in SQLite and their agents are idle, so they are stopped.
   */
  private servedStages(p: PipelineRow): string[] {
    const status = new Map(this.store.stages(p.id).map((s) => [s.name, s]));
    return p.spec.stages.flatMap((st) => {
      const row = status.get(st.name);
      if (row?.status !== 'done' || !row.sessionId) return [];
      if (['exited', 'dead'].includes(this.deps.sessions.get(row.sessionId)?.state ?? 'dead')) return [];
      const waiting = p.spec.stages.some((d) => d.dependsOn.includes(st.name) && status.get(d.name)?.status === 'pending');
      return waiting ? [] : [row.sessionId];
    });
  }

  /**
   * Stops sessions once `starting` have settled: stopping an agent (ps, signals, its exit hooks)
   * competes for the CPU with starting the next ones, so it waits until their sessions exist.
   */
  private closeAfter(starting: Promise<void>[], sessionIds: string[]): void {
    // An agent that exited on its own still has its window (remain-on-exit); only a dead pane is gone.
    const open = sessionIds.filter((id) => !this.closed.has(id) && (this.deps.sessions.get(id)?.state ?? 'dead') !== 'dead');
    if (!open.length) return;
    open.forEach((id) => this.closed.add(id));
    void Promise.allSettled(starting).then(() => Promise.all(open.map((id) => this.closeSession(id))));
  }

  private emitDone(pipelineId: string, changes: StageChange[]): void {
    for (const c of changes) this.deps.events.emit('pipeline_stage_done', { pipelineId, stage: c.stage, status: c.status });
  }

  /** A finished stage's agent is stopped; its transcript stays readable (session_read). */
  private async closeSession(sessionId: string): Promise<void> {
    try {
      await this.deps.sessions.kill(sessionId);
    } catch (err) {
      if (this.started) this.deps.log.warn('could not stop a finished stage session', { session: sessionId, error: (err as Error).message });
    }
  }
}
