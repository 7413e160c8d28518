import { join } from 'node:path';
import type { AgentProfile, AgentTranscript } from '../agents/profile.js';
import { profileOf } from '../agents/registry.js';
import type { Dialog, SessionState } from '../agents/types.js';
import { acquireLease, leaseHolder, newHolder } from '../db/lease.js';
import { AegisError, invalidInput, notFound } from '../errors.js';
import { TmuxServer } from '../tmux/server.js';
import { checkBudgets, type BudgetSessions } from '../usage/index.js';
import { type WorktreeState, WorktreeService } from '../worktrees/index.js';
import { agentBaseEnv, agentMaySee } from '../agents/env.js';
import * as controls from './controls.js';
import type { SendResult, SessionCore, SessionDeps } from './core.js';
import { createSession, type CreateOptions } from './create.js';
import * as dialogs from './dialogs.js';
import { spawnEngine } from './engine-spawn.js';
import { idleSweepEveryMs } from './guards.js';
import { SessionMonitor, type StateChange } from './monitor.js';
import type { Observation, SessionObserver } from './observer.js';
import { SessionSender } from './sending.js';
import { SessionStore, type QueuedMessage, type SessionRecord } from './store.js';
import { pruneWorktrees, worktreeCommit, worktreeDiff, worktreeMerge, type PruneReport } from './worktree-work.js';

export type { CreateOptions } from './create.js';
export type { SendResult, SessionDeps } from './core.js';
export type { SessionRecord } from './store.js';

/** How long closing waits for a message being typed to be confirmed and recorded. */
const STOP_WAIT_MS = 5_000;
const MONITOR_LEASE = 'session-monitor';
const MONITOR_LEASE_MS = 6_000;
/** How often live sessions' budgets are compared with their usage. */
const BUDGET_CHECK_MS = 2_000;
/** How often a watching process looks for queued messages of ready sessions (one indexed query). */
const QUEUE_SWEEP_MS = 1_000;

/**
 * Sessions: create, drive and observe agents in tmux panes. tmux is the truth for what runs, SQLite
 * for what we remember; this service keeps the two in step through the monitor. It is the area's
 * public face: creation (create.ts), sending (sending.ts), dialogs (dialogs.ts), controls (controls.ts)
 * and worktree work (worktree-work.ts) each live in their own file and are reached through it.
 */
export class SessionService {
  readonly store: SessionStore;
  readonly tmux: TmuxServer;
  readonly monitor: SessionMonitor;
  readonly worktrees: WorktreeService;
  private readonly holder = newHolder();
  private running = false;
  private leaseTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private budgetTimer?: NodeJS.Timeout;
  private queueTimer?: NodeJS.Timeout;
  private readonly readers = new Map<string, AgentTranscript>();
  /** What the parts of the area share (see core.ts). */
  private readonly core: SessionCore;
  private readonly sender: SessionSender;
  /** What the budget check reads and does (see usage/budget.ts). */
  private readonly budgetView: BudgetSessions<SessionRecord>;

  constructor(private readonly deps: SessionDeps) {
    this.store = new SessionStore(deps.db);
    this.worktrees = new WorktreeService(deps.config);
    this.tmux = new TmuxServer(
      { command: deps.config.get('tmux.command'), socket: deps.config.get('tmux.socket') },
      deps.config.home,
      { width: deps.config.get('sessions.paneWidth'), height: deps.config.get('sessions.paneHeight') },
      { env: agentBaseEnv(deps.env), mayKeep: agentMaySee },
    );
    this.monitor = new SessionMonitor(this.tmux, this.store, deps.log, deps.config.get('sessions.stallSeconds') * 1000, join(deps.config.home, 'sessions'));
    this.core = {
      deps,
      store: this.store,
      tmux: this.tmux,
      monitor: this.monitor,
      worktrees: this.worktrees,
      holder: this.holder,
      running: () => this.running,
      watcherAlive: () => this.watcherAlive(),
      resolve: (ref) => this.resolve(ref),
      observe: (s) => this.observe(s),
      fresh: (ref) => this.fresh(ref),
      send: (ref, text) => this.send(ref, text),
      ensureWatcher: () => this.ensureWatcher(),
    };
    this.sender = new SessionSender(this.core);
    this.budgetView = {
      transcriptPath: (s) => this.transcriptPath(s),
      get: (id) => this.get(id),
      liveWithBudget: () => this.store.liveWithBudget(),
      claimBudgetLevel: (id, level) => this.store.claimBudgetLevel(id, level),
      interrupt: (ref, key) => this.interrupt(ref, key),
    };
    this.monitor.on('change', (c) => this.onChange(c));
    this.monitor.on('observation', (id, o) => this.sender.maybeDeliver(id, o));
    this.monitor.on('turn', (sessionId, turn) => this.deps.events.emit('session_turn_finished', { sessionId, at: turn.at, message: turn.message }));
    deps.onClose(() => this.stop());
  }

  /**
   * For long-lived processes (ag mcp, ag serve, ag engine): adopt every live pane, deliver queued
   * messages, and tell other processes (through a lease) that someone is watching.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.monitor.start();
    const renew = () => acquireLease(this.deps.db, MONITOR_LEASE, this.holder, MONITOR_LEASE_MS);
    renew();
    this.leaseTimer = setInterval(renew, MONITOR_LEASE_MS / 3);
    this.leaseTimer.unref();
    const idleMs = this.deps.config.get('sessions.idleTimeoutMinutes') * 60_000;
    if (idleMs > 0) {
      this.idleTimer = setInterval(() => void controls.stopIdle(this.core, idleMs), idleSweepEveryMs(idleMs));
      this.idleTimer.unref();
    }
    this.budgetTimer = setInterval(
      () => void checkBudgets(this.deps, this.budgetView).catch((err: Error) => this.deps.log.warn('budget check failed', { error: err.message })),
      BUDGET_CHECK_MS,
    );
    this.budgetTimer.unref();
    this.deliverQueued();
    // Deliveries start on this process's observations, but another process may queue a message for
    // an agent whose screen then never changes (an idle Claude Code draws nothing): it would wait for
    // the next change. So the queue is also looked at on a timer.
    this.queueTimer = setInterval(() => {
      try {
        this.deliverQueued();
      } catch (err) {
        this.deps.log.warn('queue sweep failed', { error: (err as Error).message });
      }
    }, QUEUE_SWEEP_MS);
    this.queueTimer.unref();
  }

  /** Starts delivering the head of every queue whose session this process sees ready. */
  private deliverQueued(): void {
    for (const id of this.store.sessionsWithQueue()) {
      const o = this.monitor.observer(id)?.last;
      if (o) this.sender.maybeDeliver(id, o);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.leaseTimer);
    clearInterval(this.idleTimer);
    clearInterval(this.budgetTimer);
    clearInterval(this.queueTimer);
    // A message being typed right now is let finish and recorded (up to STOP_WAIT_MS), so it is not
    // left claimed-but-unrecorded and typed again by another process after the claim expires.
    await this.sender.finishInflight(STOP_WAIT_MS);
    this.monitor.stop();
    this.running = false;
  }

  /** Whether some long-lived Aegis process is watching sessions (and so delivers queued messages). */
  watcherAlive(): boolean {
    return leaseHolder(this.deps.db, MONITOR_LEASE) !== undefined;
  }

  // ---------- lookup ----------

  /**
   * A one-shot process (the CLI) has not been watching: look at every live pane once, so what it
   * reports is what tmux shows now and panes killed behind our back are marked dead.
   */
  async refreshLive(): Promise<void> {
    if (!this.running) await this.monitor.sync();
  }

  /** Live sessions plus sessions with messages waiting: what keeps a background engine running. */
  activeCount(): number {
    return this.store.live().length + this.store.sessionsWithQueue().length;
  }

  /** The record as stored now (not observed). */
  get(id: string): SessionRecord | undefined {
    return this.store.get(id);
  }

  /** The session with exactly this name, if any (names are unique). */
  named(name: string): SessionRecord | undefined {
    return this.store.find(name).find((s) => s.name === name);
  }

  /** One queued (or delivered) message by its id. */
  message(id: number): QueuedMessage | undefined {
    return this.store.message(id);
  }

  /** The lines on the session's screen as this process last read them; undefined when it does not watch the pane. */
  screenLines(sessionId: string): string[] | undefined {
    return this.monitor.observer(sessionId)?.screen.lines();
  }

  /** The pane's life as tmux reports it (dead, its exit status once reaped); undefined when it is gone. */
  paneExit(paneId: string): Promise<{ dead: boolean; deadStatus?: number } | undefined> {
    return this.tmux.pane(paneId);
  }

  /** Watches every live pane from this process (its own readings), without taking on the queue and sweeps `start` runs: for a viewer such as `ag watch`. */
  watchPanes(): Promise<void> {
    return this.monitor.start();
  }

  /** Whether this process's own reading of the session shows a dialog now (another process may have recorded it first). */
  seesDialog(sessionId: string): boolean {
    return !!this.monitor.observer(sessionId)?.last?.dialog;
  }

  /** Calls `listener` on every screen reading of every watched session; returns what stops it. */
  onObservation(listener: (sessionId: string, o: Observation) => void): () => void {
    this.monitor.on('observation', listener);
    return () => this.monitor.off('observation', listener);
  }

  /** How a person's terminal reaches the panes: the tmux program, the socket's name, and its path (to tell whether a client already runs on this server). */
  async tmuxServer(): Promise<{ command: string; socket: string; socketPath: string }> {
    const { command, socket } = this.tmux.target;
    const here = await this.tmux.run(['display-message', '-p', '#{socket_path}'], { reject: false });
    return { command, socket, socketPath: here.stdout.trim() };
  }

  /** Sessions, newest first, filtered and paged. */
  list(filter: { states?: SessionState[]; workDir?: string; agent?: string; limit: number; offset: number }): { sessions: SessionRecord[]; total: number } {
    return this.store.list(filter);
  }

  /** Messages waiting for the agent (or being typed), oldest first. */
  queued(sessionId: string): QueuedMessage[] {
    return this.store.queued(sessionId);
  }

  /** Messages that will never be delivered (the session ended first, or delivery was not confirmed). */
  undelivered(sessionId: string): QueuedMessage[] {
    return this.store.undelivered(sessionId);
  }

  /** The open dialog as last recorded. */
  dialog(sessionId: string): Dialog | undefined {
    return this.store.get(sessionId)?.dialog;
  }

  /** The command that attaches a terminal to the session's pane. */
  attachCommand(s: SessionRecord): string {
    return `tmux -L ${this.tmux.target.socket} attach -t ${s.tmuxWindow ?? s.name}`;
  }

  /** The pane's capture with its escape sequences (colours). */
  rawScreen(s: SessionRecord): Promise<string> {
    return this.tmux.capture(s.tmuxPane!, { escapes: true });
  }

  /** The transcript file: what the agent's SessionStart hook reported, else where it was expected. */
  transcriptPath(s: SessionRecord): string | undefined {
    return this.monitor.observer(s.id)?.hookFacts.transcriptPath ?? s.transcriptPath ?? profileOf(s.agent).transcriptFile?.(s.argv);
  }

  /** One incremental reader per session, so repeated reads only parse what was appended. */
  transcript(sessionId: string, path: string): AgentTranscript {
    let reader = this.readers.get(sessionId);
    if (!reader || reader.path !== path) {
      const profile: AgentProfile = profileOf(this.store.get(sessionId)?.agent);
      if (!profile.openTranscript)
        throw new AegisError('conflict', `agent ${profile.name} keeps no conversation log Aegis can read`, {
          field: 'id',
          fix: 'read the pane instead (session_get shows the screen state)',
        });
      reader = profile.openTranscript(path);
      this.readers.set(sessionId, reader);
    }
    return reader;
  }

  /** The sessions not ended, as last stored. */
  live(): SessionRecord[] {
    return this.store.live();
  }

  resolve(ref: string): SessionRecord {
    const found = this.store.find(ref);
    if (found.length === 1) return found[0]!;
    if (found.length > 1)
      throw invalidInput('id', `"${ref}" matches ${found.length} sessions`, 'use more characters of the id, or the full id from `ag session list`');
    throw notFound(`no such session: "${ref}"`, 'run `ag session list` (MCP: session_list) to see the sessions', 'id');
  }

  /** The observer of a live session, watching it first if this process was not yet. */
  async observe(s: SessionRecord): Promise<SessionObserver | undefined> {
    if (['exited', 'dead'].includes(s.state) || !s.tmuxPane) return undefined;
    const obs = await this.monitor.watch(s.id);
    if (!obs) return undefined;
    await obs.evaluate();
    return obs;
  }

  /**
   * What is known about the agent's turns, observed now: when it last accepted a prompt and when it
   * last finished a turn (with its final message). Lets a process that was not watching (after a
   * restart) tell whether a turn ended meanwhile.
   */
  async turnStatus(ref: string): Promise<{ state: SessionState; lastPromptAt?: number; lastStopAt?: number; lastMessage?: string }> {
    const { session, observer } = await this.fresh(ref);
    const facts = observer?.hookFacts;
    return {
      state: session.state,
      lastPromptAt: facts?.lastPromptAt,
      lastStopAt: facts?.lastStop?.at,
      lastMessage: facts?.lastStop?.message ?? session.lastAssistant,
    };
  }

  /** The freshest record: observed now when the pane is live. */
  async fresh(ref: string): Promise<{ session: SessionRecord; observer?: SessionObserver }> {
    const s = this.resolve(ref);
    const observer = await this.observe(s);
    return { session: this.store.get(s.id)!, observer };
  }

  // ---------- create and send ----------

  create(opts: CreateOptions): Promise<{ session: SessionRecord; reused: boolean; message?: SendResult }> {
    return createSession(this.core, opts);
  }

  /**
   * Sends text as one prompt. It goes through the persisted queue either way: delivered now when the
   * agent is ready and nothing is ahead of it, otherwise kept (in order) until the agent is ready.
   */
  send(ref: string, rawText: string): Promise<SendResult> {
    return this.sender.send(ref, rawText);
  }

  /**
   * A process that only runs one command (the CLI) cannot deliver a prompt later; when no long-lived
   * Aegis process is watching, start the background engine that does (`ag engine`).
   */
  private ensureWatcher(): void {
    if (this.watcherAlive()) return;
    // Spawned synchronously: the CLI exits right after the command, and must not exit first.
    try {
      spawnEngine({ env: this.deps.env, home: this.deps.config.home });
    } catch (err) {
      this.deps.log.warn('could not start the background engine', { error: (err as Error).message });
    }
  }

  // ---------- dialogs ----------

  approve(ref: string, scope: 'once' | 'always', expect?: dialogs.DialogCheck): Promise<{ state: SessionState; dialog: Dialog; chose: string }> {
    return dialogs.approve(this.core, ref, scope, expect);
  }

  reject(ref: string, reason?: string, expect?: dialogs.DialogCheck): Promise<{ state: SessionState; dialog: Dialog; followUp?: SendResult }> {
    return dialogs.reject(this.core, ref, reason, expect);
  }

  answer(ref: string, choice: string | number, expect?: dialogs.DialogCheck): Promise<{ state: SessionState; answeredWith: string; viaMessage?: SendResult }> {
    return dialogs.answer(this.core, ref, choice, expect);
  }

  // ---------- controls ----------

  /** Ctrl-C or Escape, then the state the agent settles in (a put-back prompt shows as inputText). */
  interrupt(ref: string, key: 'interrupt' | 'escape'): Promise<{ state: SessionState; inputText: string }> {
    return controls.interrupt(this.core, ref, key);
  }

  /**
   * Stops the agent and every process it started, removes the pane, keeps the record and transcript.
   * Its worktree is kept and what it holds reported; `reason` records why Aegis itself stopped it.
   */
  kill(ref: string, reason?: string): Promise<{ session: SessionRecord; killedProcesses: number; worktree?: WorktreeState }> {
    return controls.kill(this.core, ref, reason);
  }

  /** Blocks until the session is in one of `states` (or the timeout), reporting progress meanwhile. */
  wait(
    ref: string,
    states: SessionState[],
    timeoutMs: number,
    signal: AbortSignal,
    progress: (elapsedMs: number, state: SessionState) => void,
  ): Promise<{ state: SessionState; matched: boolean; waitedMs: number }> {
    return controls.wait(this.core, ref, states, timeoutMs, signal, progress);
  }

  // ---------- worktrees ----------

  worktreeDiff(ref: string, page: { offset: number; maxBytes: number }): ReturnType<typeof worktreeDiff> {
    return worktreeDiff(this.core, ref, page);
  }

  worktreeMerge(ref: string, target?: string): ReturnType<typeof worktreeMerge> {
    return worktreeMerge(this.core, ref, target);
  }

  /** Commits what the session's agent left uncommitted on its branch; the commit, or undefined when nothing was. */
  worktreeCommit(ref: string): Promise<string | undefined> {
    return worktreeCommit(this.core, ref);
  }

  /** Removes the worktrees of ended sessions that hold no uncommitted work (after looking at live panes). */
  async pruneWorktrees(): Promise<PruneReport> {
    await this.refreshLive();
    return pruneWorktrees(this.core);
  }

  private onChange(c: StateChange): void {
    this.deps.events.emit('session_state_changed', { sessionId: c.sessionId, from: c.from ?? 'none', to: c.to, detail: c.observation.dialog });
    if (['exited', 'dead'].includes(c.to)) setTimeout(() => this.monitor.unwatch(c.sessionId), 0);
  }
}
