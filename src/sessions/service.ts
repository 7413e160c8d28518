import { randomUUID } from 'node:crypto';
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentName } from '../agents/names.js';
import type { AgentProfile, AgentTranscript, KeyPlan } from '../agents/profile.js';
import { PROFILES, profileOf } from '../agents/registry.js';
import type { Dialog, SessionState } from '../agents/types.js';
import type { Config } from '../config/load.js';
import type { Db } from '../db/open.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../util/log.js';
import { acquireLease, leaseHolder, newHolder, releaseLease } from '../db/lease.js';
import { AegisError, invalidInput, notFound } from '../errors.js';
import { TmuxServer } from '../tmux/server.js';
import { SessionMonitor, type StateChange } from './monitor.js';
import type { Observation, SessionObserver } from './observer.js';
import { SessionStore, type QueuedMessage, type SessionRecord } from './store.js';
import { agentBaseEnv, agentMaySee } from './agent-env.js';
import { checkText, checkTypedAnswer } from './text.js';
import { DeliveryUnconfirmed, PromptDelivery } from './delivery.js';
import { spawnEngine } from './engine-spawn.js';
import { answerDialog } from './dialog-answer.js';
import { killPaneTree } from '../util/process-tree.js';
import { settleWithin } from '../util/settle.js';
import { WorktreeService, type WorktreeState } from '../worktrees/service.js';
import { checkMaxLive, idleSweepEveryMs, idleTooLong } from './guards.js';
import { checkBudgets } from '../usage/budget.js';
import type { Budget } from './store.js';

export interface CreateOptions {
  workDir: string;
  prompt?: string;
  agent: AgentName;
  command?: string[];
  name?: string;
  permissionMode?: string;
  model?: string;
  env?: Record<string, string>;
  reuse?: boolean;
  /** Text put in front of the prompt (e.g. a memory block). */
  preamble?: string;
  /** Start in a new git worktree of workDir's repository (default: config sessions.worktree). */
  worktree?: boolean;
  /** The worktree's new branch (default aegis/<name>) and what it starts from (default workDir's branch). */
  branch?: string;
  baseRef?: string;
  budget?: Budget;
}

export type SendResult = { status: 'delivered' | 'queued' | 'failed'; messageId: number; position?: number; error?: string };

/** States in which the agent takes a new prompt typed into its input box. */
const READY: SessionState[] = ['idle', 'asking', 'error'];
/** How long a send to a session the store shows ready waits for this process's reading to agree. */
const READY_CATCH_UP_MS = 2_000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CLAIM_TTL_MS = 20_000;
/** How long closing waits for a message being typed to be confirmed and recorded. */
const STOP_WAIT_MS = 5_000;
/** Pause before a failed delivery is attempted again. */
const RETRY_AFTER_MS = 1_000;
const MONITOR_LEASE = 'session-monitor';
const MONITOR_LEASE_MS = 6_000;
const nameExists = (name: string) =>
  new AegisError('conflict', `a session named "${name}" exists`, { field: 'name', fix: 'pick another name, or omit it for a generated one' });

/** The lease creates take turns on while sessions.maxLive is set; how long one may hold it and others wait. */
const CREATE_LEASE = 'session-create';
const CREATE_TURN_TTL_MS = 60_000;
const CREATE_TURN_WAIT_MS = 90_000;
const CREATE_TURN_POLL_MS = 25;
/** How often live sessions' budgets are compared with their usage. */
const BUDGET_CHECK_MS = 2_000;

/** Everything the sessions area uses, handed in by the composition root (src/app-core.ts). */
export interface SessionDeps {
  config: Config;
  db: Db;
  /** The environment agents start from (secrets are taken out: sessions/agent-env). */
  env: NodeJS.ProcessEnv;
  events: EventBus;
  log: Logger;
  onClose: (fn: () => void | Promise<void>) => void;
}

/**
 * Sessions: create, drive and observe agents in tmux panes. tmux is the truth for what runs, SQLite
 * for what we remember; this service keeps the two in step through the monitor.
 */
export class SessionService {
  readonly store: SessionStore;
  readonly tmux: TmuxServer;
  readonly monitor: SessionMonitor;
  private readonly holder = newHolder();
  private running = false;
  private leaseTimer?: NodeJS.Timeout;
  /** Deliveries this process is typing now: by session (one at a time) and by message id. */
  private readonly delivering = new Map<string, Promise<SendResult>>();
  private readonly inflight = new Map<number, Promise<SendResult>>();
  private readonly readers = new Map<string, AgentTranscript>();
  private readonly delivery: PromptDelivery;
  private idleTimer?: NodeJS.Timeout;
  private budgetTimer?: NodeJS.Timeout;
  readonly worktrees: WorktreeService;

  constructor(private readonly deps: SessionDeps) {
    this.store = new SessionStore(deps.db);
    this.worktrees = new WorktreeService(deps.config);
    this.tmux = new TmuxServer(
      { command: deps.config.get('tmux.command'), socket: deps.config.get('tmux.socket') },
      deps.config.home,
      { width: deps.config.get('sessions.paneWidth'), height: deps.config.get('sessions.paneHeight') },
      { env: agentBaseEnv(deps.env), mayKeep: agentMaySee },
    );
    this.monitor = new SessionMonitor(this.tmux, this.store, deps.log, deps.config.get('sessions.stallSeconds') * 1000);
    this.delivery = new PromptDelivery({ tmux: this.tmux, log: deps.log, until: (o, p, t) => this.until(o, p, t), settle: (o, q, t) => this.settle(o, q, t) });
    this.monitor.on('change', (c) => this.onChange(c));
    this.monitor.on('observation', (id, o) => this.maybeDeliver(id, o));
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
      this.idleTimer = setInterval(() => void this.stopIdle(idleMs), idleSweepEveryMs(idleMs));
      this.idleTimer.unref();
    }
    this.budgetTimer = setInterval(
      () => void checkBudgets(this.deps, this).catch((err: Error) => this.deps.log.warn('budget check failed', { error: err.message })),
      BUDGET_CHECK_MS,
    );
    this.budgetTimer.unref();
    for (const id of this.store.sessionsWithQueue()) {
      const o = this.monitor.observer(id)?.last;
      if (o) this.maybeDeliver(id, o);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.leaseTimer);
    clearInterval(this.idleTimer);
    clearInterval(this.budgetTimer);
    // A message being typed right now is let finish and recorded (up to STOP_WAIT_MS), so it is not
    // left claimed-but-unrecorded and typed again by another process after the claim expires.
    await settleWithin(this.inflight.values(), STOP_WAIT_MS);
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

  /** The transcript file: what the agent's SessionStart hook reported, else where it was expected. */
  transcriptPath(s: SessionRecord): string | undefined {
    return this.monitor.observer(s.id)?.hookFacts.transcriptPath ?? s.transcriptPath ?? this.profileOf(s).transcriptFile?.(s.argv);
  }

  /** One incremental reader per session, so repeated reads only parse what was appended. */
  transcript(sessionId: string, path: string): AgentTranscript {
    let reader = this.readers.get(sessionId);
    if (!reader || reader.path !== path) {
      const profile = this.profileOf(this.store.get(sessionId));
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

  private profileOf(s: SessionRecord | undefined): AgentProfile {
    return profileOf(s?.agent);
  }

  /** The keys that answer the session's dialogs; only agents with dialogs show one to answer. */
  private dialogKeys(s: SessionRecord): NonNullable<AgentProfile['dialogKeys']> {
    const keys = this.profileOf(s).dialogKeys;
    if (!keys)
      throw new AegisError('conflict', `agent ${s.agent} shows no dialogs Aegis can answer`, {
        field: 'id',
        fix: 'send the answer as a prompt with session_send',
      });
    return keys;
  }

  /** One session as last stored (undefined: no such id). */
  record(id: string): SessionRecord | undefined {
    return this.store.get(id);
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

  // ---------- create ----------

  async create(opts: CreateOptions): Promise<{ session: SessionRecord; reused: boolean; message?: SendResult }> {
    const workDir = this.checkWorkDir(opts.workDir);
    const profile = PROFILES[opts.agent];
    if (opts.agent === 'custom' && !opts.command?.length)
      throw invalidInput('command', 'agent "custom" needs a command', 'pass command as an argv array, e.g. ["aider", "--yes"]');
    for (const key of Object.keys(opts.env ?? {})) {
      if (!ENV_KEY.test(key))
        throw invalidInput(`env.${key}`, `"${key}" is not a valid environment variable name`, 'use letters, digits and _ only, not starting with a digit');
    }
    const prompt = opts.prompt !== undefined ? checkText('prompt', opts.preamble ? `${opts.preamble}\n\n${opts.prompt}` : opts.prompt) : undefined;

    if (opts.reuse) {
      const idle = this.store.list({ states: ['idle'], workDir, agent: opts.agent, limit: 1, offset: 0 }).sessions[0];
      if (idle) {
        const message = prompt ? await this.send(idle.id, prompt) : undefined;
        return { session: this.store.get(idle.id)!, reused: true, message };
      }
    }

    const id = randomUUID();
    const name = opts.name ?? `${opts.agent}-${id.slice(0, 8)}`;
    if (!NAME.test(name))
      throw invalidInput('name', `"${name}" is not a valid session name`, 'use 1-64 letters, digits, . _ - starting with a letter or digit');
    if (this.store.nameTaken(name)) throw nameExists(name);
    // Checked and recorded as one step (across processes too), so creates that race cannot pass the limit together.
    const { cwd, now } = await this.createTurn(async () => {
      checkMaxLive(this.store, this.deps.config.get('sessions.maxLive'));
      const wantWorktree = opts.worktree ?? this.deps.config.get('sessions.worktree');
      if (!wantWorktree && (opts.branch || opts.baseRef))
        throw invalidInput(
          opts.branch ? 'branch' : 'baseRef',
          `${opts.branch ? 'branch' : 'baseRef'} is only used with worktree: true`,
          'add worktree: true, or leave it out',
        );
      const worktree = wantWorktree ? await this.worktrees.create(workDir, name, { branch: opts.branch, baseRef: opts.baseRef }) : undefined;
      // The agent starts in its worktree: that is its work folder from now on.
      const cwd = worktree?.path ?? workDir;

      const dataDir = join(this.deps.config.home, 'sessions', id);
      mkdirSync(dataDir, { recursive: true });
      const permissionMode = opts.permissionMode ?? this.deps.config.get('sessions.defaultPermissionMode');
      const plan = profile.launch({
        sessionId: id,
        workDir: cwd,
        dataDir,
        permissionMode,
        model: opts.model,
        env: opts.env ?? {},
        command: opts.command,
        config: this.deps.config,
        baseEnv: this.deps.env,
      });
      let pane;
      try {
        pane = await this.tmux.createWindow({ aegisId: id, name, cwd, env: { ...plan.env, AEGIS_SESSION_ID: id }, argv: plan.argv });
      } catch (err) {
        if (worktree) await this.worktrees.release(worktree, { keepUnmerged: true }).catch(() => undefined);
        throw err;
      }
      const now = Date.now();
      const record: SessionRecord = {
        id,
        name,
        agent: opts.agent,
        argv: plan.argv,
        workDir: cwd,
        permissionMode,
        model: opts.model,
        state: 'starting',
        stateSince: now,
        lastActivity: now,
        tmuxWindow: pane.windowId,
        tmuxPane: pane.paneId,
        panePid: pane.pid,
        agentSessionId: plan.agentSessionId,
        transcriptPath: plan.transcriptPath,
        hooksFile: plan.hooksFile,
        initialPrompt: prompt,
        promptDelivered: false,
        createdAt: now,
        worktree,
        budget: opts.budget,
        budgetNotified: 0,
      };
      try {
        this.store.insert(record);
      } catch (err) {
        // Another process took the name between the check above and now: its session stands; this
        // pane and worktree must not outlive the refusal.
        await this.tmux.killWindow(pane.windowId).catch(() => undefined);
        if (worktree) await this.worktrees.release(worktree, { keepUnmerged: true }).catch(() => undefined);
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && this.store.nameTaken(name)) throw nameExists(name);
        throw err;
      }
      this.store.setState(id, 'starting', now, 'create');
      return { cwd, now };
    });
    let message: SendResult | undefined;
    if (prompt) {
      const m = this.store.enqueue(id, prompt, now);
      message = { status: 'queued', messageId: m.id, position: 1 };
    }
    this.deps.events.emit('session_created', { sessionId: id, name, agent: opts.agent, workDir: cwd });
    if (this.running) await this.monitor.watch(id);
    else this.ensureWatcher();
    return { session: this.store.get(id)!, reused: false, message };
  }

  /**
   * Runs one create's check-and-record while no other create does, in any process sharing the database,
   * when `sessions.maxLive` is set: otherwise creates started together (a batch, two servers) all count
   * the same live sessions before any has recorded its own. The turn is a lease, so a creator killed
   * mid-way is passed over at once.
   */
  private async createTurn<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.deps.config.get('sessions.maxLive')) return fn();
    const holder = newHolder();
    const deadline = Date.now() + CREATE_TURN_WAIT_MS;
    while (!acquireLease(this.deps.db, CREATE_LEASE, holder, CREATE_TURN_TTL_MS)) {
      if (Date.now() > deadline)
        throw new AegisError('unavailable', `another session create held its turn for over ${CREATE_TURN_WAIT_MS / 1000} s`, {
          fix: 'try again; if it keeps happening, check `ag doctor` (tmux may be stuck)',
        });
      await new Promise((r) => setTimeout(r, CREATE_TURN_POLL_MS));
    }
    try {
      return await fn();
    } finally {
      releaseLease(this.deps.db, CREATE_LEASE, holder);
    }
  }

  private checkWorkDir(dir: string): string {
    let st;
    try {
      st = statSync(dir);
    } catch {
      throw invalidInput('workDir', `workDir ${dir} does not exist`, 'pass an existing folder (absolute path), or create it first');
    }
    if (!st.isDirectory()) throw invalidInput('workDir', `workDir ${dir} is not a folder`, 'pass the project folder, not a file');
    // Agents key their state on the physical path (Claude Code's trust and transcript folders).
    return realpathSync(dir);
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

  // ---------- send and the queue ----------

  /**
   * Sends text as one prompt. It goes through the persisted queue either way: delivered now when the
   * agent is ready and nothing is ahead of it, otherwise kept (in order) until the agent is ready.
   */
  async send(ref: string, rawText: string): Promise<SendResult> {
    const s = this.resolve(ref);
    if (['exited', 'dead'].includes(s.state))
      throw new AegisError('conflict', `session ${s.name} has ${s.state}`, {
        field: 'id',
        fix: 'start a new session with session_create (its transcript stays readable with session_read)',
      });
    const text = checkText('text', rawText);
    const msg = this.store.enqueue(s.id, text, Date.now());
    // Observing may already start delivering the queue head (ours, when nothing is ahead of it).
    const obs = await this.observe(s);
    // A delivery of ours still confirming (e.g. the brief) must finish first; then, if the agent is
    // ready, this message goes now rather than waiting for the next screen change.
    const earlier = this.delivering.get(s.id);
    if (earlier && !this.inflight.has(msg.id)) await earlier;
    if (obs?.last) this.maybeDeliver(s.id, obs.last);
    if (obs && !this.inflight.has(msg.id) && this.readyInStore(s.id) && this.store.queued(s.id)[0]?.id === msg.id) {
      // The store says ready (this process wrote it, or another watcher did) but this process's own
      // reading is a redraw behind (seen right after a turn on a loaded machine): answering "queued"
      // to a send to an idle agent would be untrue a moment later, so its reading gets to catch up.
      await this.until(obs, () => this.inflight.has(msg.id), READY_CATCH_UP_MS);
    }
    const inflight = this.inflight.get(msg.id);
    if (inflight) return inflight;
    if (!this.running) this.ensureWatcher();
    const ahead = this.store.queued(s.id).filter((m) => m.id < msg.id).length;
    return { status: 'queued', messageId: msg.id, position: ahead + 1 };
  }

  private readyInStore(sessionId: string): boolean {
    const stored = this.store.get(sessionId);
    return !!stored && READY.includes(stored.state) && !stored.dialog;
  }

  private isReady(o: Observation): boolean {
    if (!READY.includes(o.state) || o.dialog) return false;
    return !o.reading.queued.length;
  }

  /** Delivery loop: whenever a watched session is ready, the next queued message goes (once, across processes). */
  private maybeDeliver(sessionId: string, o: Observation): void {
    if (this.delivering.has(sessionId) || !this.isReady(o)) return;
    const obs = this.monitor.observer(sessionId);
    const s = this.store.get(sessionId);
    if (!obs || !s) return;
    const claimed = this.store.claimNext(sessionId, this.holder, Date.now(), CLAIM_TTL_MS);
    if (!claimed) return;
    const delivery = this.deliverClaimed(s, obs, claimed).finally(() => {
      this.delivering.delete(sessionId);
      this.inflight.delete(claimed.id);
    });
    this.delivering.set(sessionId, delivery);
    this.inflight.set(claimed.id, delivery);
  }

  private async deliverClaimed(s: SessionRecord, obs: SessionObserver, msg: QueuedMessage): Promise<SendResult> {
    try {
      await this.delivery.deliver(s, obs, this.profileOf(s), msg);
      this.delivery.forget(msg.id);
      this.store.finishMessage(msg.id, true, Date.now());
      if (msg.text === s.initialPrompt) this.store.update(s.id, { promptDelivered: true });
      return { status: 'delivered', messageId: msg.id };
    } catch (err) {
      const error = (err as Error).message;
      const final = msg.attempts >= 3 || err instanceof DeliveryUnconfirmed;
      if (final) this.delivery.forget(msg.id);
      try {
        if (final) this.store.finishMessage(msg.id, false, Date.now(), error);
        else this.store.releaseMessage(msg.id);
      } catch {
        // The app closed under us (past STOP_WAIT_MS): the claim expires and a watching process retries.
      }
      this.deps.log.warn('delivery failed', { session: s.id, attempt: msg.attempts, error });
      // Deliveries start on screen changes; a pane that shows nothing new would leave the message
      // queued for ever, so the next attempt is also started after a pause.
      if (!final) setTimeout(() => this.retryDelivery(s.id), RETRY_AFTER_MS).unref();
      return { status: final ? 'failed' : 'queued', messageId: msg.id, error };
    }
  }

  private retryDelivery(sessionId: string): void {
    // After stop() nothing is watched any more, so nothing is retried here.
    const o = this.monitor.observer(sessionId)?.last;
    if (o) this.maybeDeliver(sessionId, o);
  }

  /** Waits for the observer to report something that satisfies `pred`, or the deadline. */
  private async until(obs: SessionObserver, pred: (o: Observation) => boolean, timeoutMs: number): Promise<Observation | undefined> {
    if (obs.last && pred(obs.last)) return obs.last;
    return new Promise((resolve) => {
      const onObs = (id: string, o: Observation) => {
        if (id === obs.session.id && pred(o)) done(o);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (o: Observation | undefined) => {
        clearTimeout(timer);
        this.monitor.off('observation', onObs);
        resolve(o);
      };
      this.monitor.on('observation', onObs);
    });
  }

  /** Resolves with the latest observation once none has come for `quietMs` (or at the deadline). */
  private settle(obs: SessionObserver, quietMs: number, timeoutMs: number): Promise<Observation> {
    return new Promise((resolve) => {
      let quiet: NodeJS.Timeout;
      const finish = () => {
        clearTimeout(quiet);
        clearTimeout(deadline);
        this.monitor.off('observation', onObs);
        resolve(obs.last!);
      };
      const onObs = (id: string) => {
        if (id !== obs.session.id) return;
        clearTimeout(quiet);
        quiet = setTimeout(finish, quietMs);
      };
      quiet = setTimeout(finish, quietMs);
      const deadline = setTimeout(finish, timeoutMs);
      this.monitor.on('observation', onObs);
    });
  }

  // ---------- dialogs ----------

  private async dialogOf(ref: string): Promise<{ session: SessionRecord; observer: SessionObserver; dialog: Dialog }> {
    const { session, observer } = await this.fresh(ref);
    const dialog = observer?.last?.dialog;
    if (!observer || !dialog) {
      throw new AegisError('conflict', `session ${session.name} has no open dialog (state: ${session.state})`, {
        field: 'id',
        fix:
          session.state === 'asking'
            ? 'the agent asked in plain text: answer with session_answer (free text) or session_send'
            : 'wait for state permission_prompt or asking (session_wait) before answering',
      });
    }
    return { session, observer, dialog };
  }

  /** Answers the open dialog and returns the state once it is gone from the screen (see answerDialog). */
  private async pressAndSettle(s: SessionRecord, obs: SessionObserver, plan: KeyPlan, dialog: Dialog): Promise<SessionState> {
    const pane = s.tmuxPane!;
    const gone = await answerDialog(
      {
        press: async (keys) => {
          await this.tmux.sendKeys(pane, keys);
          obs.schedule();
        },
        type: (text) => this.tmux.typeLiteral(pane, text),
        until: (pred, timeoutMs) => this.until(obs, pred, timeoutMs),
        last: () => obs.last,
        leftDialogSince: (since) => {
          const status = obs.agentStatus;
          return status !== undefined && status.status !== 'waiting' && (status.updatedAt ?? 0) >= since;
        },
        onRepeat: (keys, press) => this.deps.log.info('dialog key not taken; pressing again', { session: s.id, keys: keys.join(' '), press }),
      },
      obs.last?.reading.dialog ?? dialog,
      plan,
    );
    return gone.state;
  }

  async approve(ref: string, scope: 'once' | 'always'): Promise<{ state: SessionState; dialog: Dialog; chose: string }> {
    const { session, observer, dialog } = await this.dialogOf(ref);
    const plan = this.dialogKeys(session).approve(dialog, scope);
    const state = await this.pressAndSettle(session, observer, plan, dialog);
    return { state, dialog, chose: plan.label ?? plan.keys.join(' ') };
  }

  async reject(ref: string, reason?: string): Promise<{ state: SessionState; dialog: Dialog; followUp?: SendResult }> {
    const { session, observer, dialog } = await this.dialogOf(ref);
    let state = await this.pressAndSettle(session, observer, this.dialogKeys(session).reject(dialog), dialog);
    if (reason && state === 'working') {
      // The agent winds the refused tool call down before it takes input; the reason should be its
      // next prompt, not a message queued behind a transient spinner.
      state = (await this.until(observer, (o) => o.state !== 'working', 5_000))?.state ?? state;
    }
    const followUp = reason ? await this.send(session.id, reason) : undefined;
    return { state: followUp?.status === 'delivered' ? 'working' : state, dialog, followUp };
  }

  async answer(ref: string, choice: string | number): Promise<{ state: SessionState; answeredWith: string; viaMessage?: SendResult }> {
    const { session, observer } = await this.fresh(ref);
    const dialog = observer?.last?.dialog;
    if (!dialog) {
      if (session.state === 'asking' || session.state === 'idle') {
        const viaMessage = await this.send(session.id, String(choice));
        return { state: this.store.get(session.id)!.state, answeredWith: String(choice), viaMessage };
      }
      throw new AegisError('conflict', `session ${session.name} is not asking anything (state: ${session.state})`, {
        field: 'id',
        fix: 'wait for state asking (session_wait), or use session_send',
      });
    }
    const plan = this.dialogKeys(session).answer(dialog, choice);
    if (plan.text) plan.text = checkTypedAnswer('answer', plan.text);
    const state = await this.pressAndSettle(session, observer!, plan, dialog);
    return { state, answeredWith: plan.label ?? String(choice) };
  }

  // ---------- controls ----------

  /** Ctrl-C or Escape, then the state the agent settles in (a put-back prompt shows as inputText). */
  async interrupt(ref: string, key: 'interrupt' | 'escape'): Promise<{ state: SessionState; inputText: string }> {
    const { session, observer } = await this.fresh(ref);
    if (!observer)
      throw new AegisError('conflict', `session ${session.name} has ${session.state}`, { field: 'id', fix: 'nothing to interrupt; start a new session' });
    const profile = this.profileOf(session);
    const keys = key === 'interrupt' ? profile.keys.interrupt : profile.keys.escape;
    const stopped = (since: number) => (o: Observation) => o.at > since && o.state !== 'working' && o.state !== 'stalled';
    // An agent that reports prompts may ignore keys while it runs its prompt hooks (Claude Code's
    // UserPromptSubmit): let the event of the prompt we typed last arrive first, or the key is lost.
    if (profile.events?.reportsPrompts && observer.typedAt > (observer.hookFacts.lastPromptAt ?? 0)) {
      await this.until(observer, () => (observer.hookFacts.lastPromptAt ?? 0) >= observer.typedAt, 5_000);
    }
    const wasWorking = ['working', 'stalled'].includes(observer.last?.state ?? '');
    // Pressed again only while the agent still works, so a repeat can never become "press twice to exit".
    for (let press = 0; press < 3; press++) {
      const sent = Date.now();
      await this.tmux.sendKeys(session.tmuxPane!, keys);
      observer.schedule();
      if (await this.until(observer, stopped(sent), 1_500)) break;
      if (!['working', 'stalled'].includes(observer.last?.state ?? '')) break;
    }
    // Agents redraw in steps (Claude Code removes the turn, then puts the prompt back), slower under load:
    // a stopped turn ends with its prompt back in the box or an "Interrupted" line; then report the
    // screen once it has stopped changing, not the first frame after the key.
    if (wasWorking) await this.until(observer, (o) => o.reading.inputText !== '' || o.reading.interrupted === true, 1_500);
    const last = await this.settle(observer, 250, 2_000);
    return { state: last.state, inputText: last.reading.inputText };
  }

  /**
   * Stops the agent and every process it started, removes the pane, keeps the record and transcript.
   * Its worktree is never removed here (ag worktree prune removes clean ones); what it holds is
   * reported, so the caller knows what is left there. `reason` records why
   * Aegis itself stopped it (idle timeout, budget).
   */
  async kill(ref: string, reason?: string): Promise<{ session: SessionRecord; killedProcesses: number; worktree?: WorktreeState }> {
    const s = this.resolve(ref);
    if (reason) this.store.update(s.id, { stopReason: reason });
    // Recorded `exited` before anything is killed, so that no watcher (this process's or another's)
    // sees the pane die first and reports a dead pane: the store keeps an exited session exited.
    this.monitor.unwatch(s.id);
    const now = Date.now();
    const { changed, from } = this.store.setState(s.id, 'exited', now, reason ? 'guard' : 'kill', { dialog: null });
    // Sent as the monitor's change, so waiters in this process (session_wait, an idle stop) see it too.
    if (changed)
      this.monitor.emit('change', {
        sessionId: s.id,
        from,
        to: 'exited',
        at: now,
        observation: { state: 'exited', reading: { state: 'exited', inputText: '', queued: [], turnFinished: false }, at: now, contentChangedAt: now },
      });
    let killed = 0;
    if (s.tmuxWindow && !['dead'].includes(s.state)) {
      const pane = s.tmuxPane ? await this.tmux.pane(s.tmuxPane) : undefined;
      killed = await killPaneTree(pane?.pid ?? s.panePid, () => this.tmux.killWindow(s.tmuxWindow!));
    }
    killed += this.profileOf(s).stopped?.(s.argv) ?? 0;
    for (const m of this.store.queued(s.id)) this.store.finishMessage(m.id, false, now, 'session killed');
    const worktree = s.worktree ? await this.worktrees.inspect(s.worktree) : undefined;
    return { session: this.store.get(s.id)!, killedProcesses: killed, worktree };
  }

  /** The idle timeout: agents idle too long are stopped with the reason recorded (their worktrees stay). */
  private async stopIdle(timeoutMs: number): Promise<void> {
    for (const s of idleTooLong(this.store, timeoutMs)) {
      try {
        await this.kill(
          s.id,
          `idle timeout: idle for ${Math.round((Date.now() - Math.max(s.stateSince, s.lastActivity)) / 1000)} s (sessions.idleTimeoutMinutes ${timeoutMs / 60_000})`,
        );
        this.deps.log.info('stopped an idle session', { session: s.id });
      } catch (err) {
        this.deps.log.warn('could not stop an idle session', { session: s.id, error: (err as Error).message });
      }
    }
  }

  /** Blocks until the session is in one of `states` (or the timeout), reporting progress meanwhile. */
  async wait(
    ref: string,
    states: SessionState[],
    timeoutMs: number,
    signal: AbortSignal,
    progress: (elapsedMs: number, state: SessionState) => void,
  ): Promise<{ state: SessionState; matched: boolean; waitedMs: number }> {
    const started = Date.now();
    const { session, observer } = await this.fresh(ref);
    // Ready with a prompt still queued is not "done": the agent is about to get it (e.g. the brief).
    const reached = (state: SessionState) => states.includes(state) && !(READY.includes(state) && this.store.queued(session.id).length > 0);
    if (reached(session.state) || !observer) return { state: session.state, matched: states.includes(session.state), waitedMs: 0 };
    return new Promise((resolve) => {
      const finish = (state: SessionState, matched: boolean) => {
        clearTimeout(timer);
        clearInterval(ticker);
        this.monitor.off('change', onChange);
        signal.removeEventListener('abort', onAbort);
        resolve({ state, matched, waitedMs: Date.now() - started });
      };
      const onChange = (c: StateChange) => {
        if (c.sessionId === session.id && reached(c.to)) finish(c.to, true);
      };
      const current = () => this.store.get(session.id)!.state;
      const onAbort = () => finish(current(), false);
      const timer = setTimeout(() => finish(current(), false), timeoutMs);
      const ticker = setInterval(() => progress(Date.now() - started, current()), 5_000);
      this.monitor.on('change', onChange);
      signal.addEventListener('abort', onAbort);
    });
  }

  private onChange(c: StateChange): void {
    this.deps.events.emit('session_state_changed', { sessionId: c.sessionId, from: c.from ?? 'none', to: c.to, detail: c.observation.dialog });
    if (['exited', 'dead'].includes(c.to)) setTimeout(() => this.monitor.unwatch(c.sessionId), 0);
  }
}
