import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionState } from '../agents/types.js';
import type { Logger } from '../util/log.js';
import { controlLine, type ControlClient } from '../tmux/control.js';
import { HUB_SESSION, type PaneInfo, type TmuxServer } from '../tmux/server.js';
import { holderGone } from '../db/lease.js';
import { SessionObserver, type Observation } from './observer.js';
import { profileOf } from '../agents/registry.js';
import { ENDED_BEFORE_DELIVERY, ENDED_STATES, type SessionStore } from './store.js';
import { procStat } from '../util/process-tree.js';

export interface StateChange {
  sessionId: string;
  from?: SessionState;
  to: SessionState;
  at: number;
  observation: Observation;
}

/** How often sessions' last activity is written: all sessions that showed any in one transaction. */
const ACTIVITY_WRITE_MS = 5_000;
/** A session id as create makes it (a UUID). */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A cheap safety net: one list-panes over the control connection catches anything events missed. */
const SWEEP_MS = 5_000;

/**
 * Watches every live session of this Aegis home from one process: one tmux control connection for
 * all output, one observer per pane. State changes are written to SQLite (the shared truth) and
 * emitted locally for waiters, notifiers and the delivery loop. Stalls are judged here because they
 * are the absence of events.
 */
export class SessionMonitor extends EventEmitter<{
  change: [StateChange];
  observation: [string, Observation];
  turn: [string, { at: number; message?: string }];
}> {
  private control?: ControlClient;
  private connecting?: Promise<void>;
  private readonly observers = new Map<string, SessionObserver>();
  private readonly byPane = new Map<string, SessionObserver>();
  /** Content changes seen since the last activity write (session → when), written together. */
  private readonly pendingActivity = new Map<string, number>();
  /** The latest content change taken per session (pending or written), so an unchanged screen is not written again. */
  private readonly activitySeen = new Map<string, number>();
  /** What this process last wrote per session (state, dialog, message, error), to write only changes. */
  private readonly recorded = new Map<string, { key: string; state: SessionState }>();
  /** When each stalled session was judged stalled; only a real change after that ends the stall. */
  private readonly stalledAt = new Map<string, number>();
  private sweepTimer?: NodeJS.Timeout;
  private stallTimer?: NodeJS.Timeout;
  private activityTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly tmux: TmuxServer,
    private readonly store: SessionStore,
    private readonly log: Logger,
    private readonly stallMs: number,
    /** Where each session's own folder is (`<dir>/<id>`, made by its create). */
    private readonly sessionsDir: string,
  ) {
    super();
    this.setMaxListeners(200);
  }

  /** Adopts every live session in the store: the panes outlive any one Aegis process. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.dropOrphanClients().catch(() => {});
    await this.sync();
    this.sweepTimer = setInterval(() => this.syncInBackground(), SWEEP_MS);
    this.sweepTimer.unref();
    this.stallTimer = setInterval(() => this.checkStalls(), 1_000);
    this.stallTimer.unref();
    this.activityTimer = setInterval(() => this.writeActivity(), ACTIVITY_WRITE_MS);
    this.activityTimer.unref();
  }

  /** Writes the pending last-activity times in one transaction (one write per session per tick was the cost). */
  private writeActivity(): void {
    if (!this.pendingActivity.size || this.stopped) return;
    try {
      this.store.touch(this.pendingActivity);
      this.pendingActivity.clear();
    } catch (err) {
      this.log.warn('writing session activity failed', { error: (err as Error).message });
    }
  }

  observer(sessionId: string): SessionObserver | undefined {
    return this.observers.get(sessionId);
  }

  /** sync() from a timer or an event: a failure is logged, never left unhandled. */
  private syncInBackground(): void {
    this.sync().catch((err: Error) => {
      if (!this.stopped) this.log.warn('session sweep failed', { error: err.message });
    });
  }

  /** Reconciles observers with the store and with tmux: new sessions get watched, vanished panes die. */
  async sync(): Promise<void> {
    if (this.stopped) return;
    const live = this.store.livePanes();
    const panes = await this.tmux.listPanes();
    const paneById = new Map(panes.map((p) => [p.paneId, p]));
    for (const s of live) {
      // Stopped while waiting on tmux: the app may have closed the database since.
      if (this.stopped) return;
      const pane = s.tmuxPane ? paneById.get(s.tmuxPane) : undefined;
      const existing = this.observers.get(s.id);
      if (!pane) {
        if (existing) existing.markGone();
        else this.record(s.id, 'dead', undefined, 'tmux', Date.now());
        continue;
      }
      if (!existing) await this.watch(s.id, pane.width, pane.height);
      else if (pane.dead) void existing.checkPane();
    }
    for (const [id, obs] of this.observers) {
      if (!live.some((s) => s.id === id) && obs.last && ['exited', 'dead'].includes(obs.last.state)) this.unwatch(id);
    }
    const liveIds = new Set(live.map((s) => s.id));
    for (const pane of panes) if (!this.stopped && this.unrecorded(pane, liveIds)) await this.closeUnrecorded(pane);
  }

  /**
   * Whether `pane` is one a create of this home made and was stopped (killed, a crash) before recording:
   * no session has its id and the creating process is gone. Its store is read before and after the
   * creator is found gone, so a create that recorded its session and exited in between is never taken
   * for one; a creator still alive may yet record it, and is left to.
   */
  private unrecorded(pane: PaneInfo, liveIds: Set<string>): boolean {
    if (pane.home !== this.tmux.homeTag || !pane.creator || !pane.aegisId || liveIds.has(pane.aegisId)) return false;
    return !this.store.has(pane.aegisId) && holderGone(pane.creator) && !this.store.has(pane.aegisId);
  }

  /**
   * Closes the window of a create stopped before it recorded its session: an agent nobody can see or
   * reach must not run on. The folder the create made for the session goes too; the id comes from a tmux
   * option, so only one of the form create gives it names a folder.
   */
  private async closeUnrecorded(pane: PaneInfo): Promise<void> {
    await this.tmux.killWindow(pane.windowId);
    if (SESSION_ID.test(pane.aegisId)) rmSync(join(this.sessionsDir, pane.aegisId), { recursive: true, force: true });
    this.log.warn('closed the window of a session create stopped before it recorded the session', {
      session: pane.aegisId,
      creator: pane.creator,
      pid: pane.pid,
    });
  }

  private async ensureControl(): Promise<void> {
    if (this.control?.alive) return;
    this.connecting ??= (async () => {
      const client = this.tmux.controlClient();
      client.on('output', (paneId, data) => this.byPane.get(paneId)?.feed(data));
      client.on('window-close', () => this.syncInBackground());
      client.on('exit', (reason) => {
        this.log.debug('tmux control connection ended', { reason });
        if (this.control === client) this.control = undefined;
        // The hub session ends with its last window; any session still live has lost its pane.
        if (!this.stopped) this.syncInBackground();
      });
      client.on('pause', (paneId) => void this.resume(paneId));
      await client.start(HUB_SESSION);
      // Flow control: if this process ever falls 5 s behind, tmux pauses output to this client only,
      // instead of buffering for it or holding the pane back; we resume and re-read the screen.
      await client.run('refresh-client -f pause-after=5').catch(() => {});
      this.control = client;
      // Our other tmux commands (captures, list-panes, new windows) go over it too: no fork each.
      this.tmux.useControl(client);
    })().finally(() => {
      this.connecting = undefined;
    });
    await this.connecting;
  }

  /** A paused pane: ask tmux to continue, then seed the emulator again (output was skipped). */
  private async resume(paneId: string): Promise<void> {
    // Sent on this connection itself: refresh-client acts on the client that runs it.
    await this.control?.run(controlLine(['refresh-client', '-A', `${paneId}:continue`])!).catch(() => {});
    await this.byPane
      .get(paneId)
      ?.seed()
      .catch(() => {});
  }

  /**
   * A control client whose Aegis process was killed (SIGKILL) can outlive it, attached and unread.
   * Such orphans (re-parented to init) are detached before we attach our own.
   */
  private async dropOrphanClients(): Promise<void> {
    const r = await this.tmux.run(['list-clients', '-F', '#{client_pid} #{client_control_mode}'], { reject: false });
    for (const line of r.stdout.split('\n')) {
      const [pid, control] = line.trim().split(' ');
      if (control !== '1' || !pid || parentPid(Number(pid)) !== 1) continue;
      try {
        process.kill(Number(pid), 'SIGTERM');
        this.log.warn('stopped an orphaned tmux control client', { pid });
      } catch {
        /* already gone */
      }
    }
  }

  /** Runs a tmux command (over the control connection when there is one, see TmuxServer.run). */
  private async query(args: string[]): Promise<string> {
    return (await this.tmux.run(args)).stdout;
  }

  /** Starts observing one session (after create, or when adopting). */
  async watch(sessionId: string, width?: number, height?: number): Promise<SessionObserver | undefined> {
    const existing = this.observers.get(sessionId);
    if (existing) return existing;
    const s = this.store.get(sessionId);
    if (!s?.tmuxPane) return undefined;
    await this.ensureControl().catch((err) => this.log.warn('tmux control connection failed', { error: (err as Error).message }));
    const profile = profileOf(s.agent);
    // xterm loads on first use: a CLI command that never looks at a screen does not pay for it.
    const { TerminalScreen } = await import('../terminal/screen.js');
    const screen = new TerminalScreen(width ?? this.tmux.size.width, height ?? this.tmux.size.height);
    const obs = new SessionObserver(s, profile, screen, {
      capture: async (paneId) => {
        const text = await this.query(['capture-pane', '-p', '-e', '-t', paneId]);
        const [x, y] = (await this.query(['display-message', '-p', '-t', paneId, '#{cursor_x} #{cursor_y}'])).trim().split(' ').map(Number);
        return { text, cursor: { x: x ?? 0, y: y ?? 0 } };
      },
      captureText: (paneId) => this.query(['capture-pane', '-p', '-t', paneId]),
      paneStatus: async (paneId) => {
        const out = (
          await this.query(['display-message', '-p', '-t', paneId, '#{pane_id} #{pane_dead} #{pane_dead_status} #{pane_width} #{pane_height}']).catch(() => '')
        ).trim();
        const [id, dead, status, w, h] = out.split(' ');
        if (id !== paneId) return undefined;
        return { dead: dead === '1', deadStatus: status ? Number(status) : undefined, width: Number(w), height: Number(h) };
      },
      onObservation: (o) => this.onObservation(sessionId, o),
      onTurnFinished: (turn) => this.emit('turn', sessionId, turn),
      onTranscriptPath: (path) => this.store.update(sessionId, { transcriptPath: path }),
      onAgentVersion: (version) => this.store.update(sessionId, { agentVersion: version }),
      onError: (err) => this.log.warn('observer error', { session: sessionId, error: err.message }),
    });
    this.observers.set(sessionId, obs);
    this.byPane.set(s.tmuxPane, obs);
    await obs.seed().catch((err) => this.log.warn('seeding the screen failed', { session: sessionId, error: (err as Error).message }));
    return obs;
  }

  unwatch(sessionId: string): void {
    const obs = this.observers.get(sessionId);
    this.recorded.delete(sessionId);
    this.activitySeen.delete(sessionId);
    if (!obs) return;
    obs.dispose();
    this.observers.delete(sessionId);
    this.byPane.delete(obs.paneId);
  }

  private onObservation(sessionId: string, o: Observation): void {
    const stalledAt = this.stalledAt.get(sessionId);
    if (stalledAt !== undefined) {
      const lastChange = Math.max(o.contentChangedAt, this.observers.get(sessionId)?.hookFacts.lastEventAt ?? 0);
      if (o.state === 'working' && lastChange <= stalledAt) o = { ...o, state: 'stalled' };
      else this.stalledAt.delete(sessionId);
    }
    this.emit('observation', sessionId, o);
    this.record(sessionId, o.state, o, 'screen', o.at);
    if (o.contentChangedAt > (this.activitySeen.get(sessionId) ?? 0)) {
      this.activitySeen.set(sessionId, o.contentChangedAt);
      this.pendingActivity.set(sessionId, o.contentChangedAt);
    }
  }

  /**
   * Writes what this process observed when it differs from what it last wrote, and emits a local
   * change when the state it sees changes. Changes are judged on this process's own view, not on the
   * database write: another process watching the same pane may have written the same state first.
   */
  private record(sessionId: string, state: SessionState, o: Observation | undefined, source: string, at: number): void {
    // A late observation after stop(): the store may be closed, and another process is watching now.
    if (this.stopped) return;
    const obs = this.observers.get(sessionId);
    const dialog = o ? (o.dialog ?? null) : undefined;
    const key = JSON.stringify([state, dialog, o?.lastAssistant, o?.error]);
    const prev = this.recorded.get(sessionId);
    if (prev?.key === key) return;
    const written = this.store.setState(sessionId, state, at, source, {
      dialog,
      lastAssistant: o?.lastAssistant,
      error: o ? (o.error ?? null) : undefined,
      exitStatus: state === 'exited' ? obs?.exit : undefined,
    });
    const { from } = written;
    // An agent that ended by itself (it crashed, or its program exits at once) leaves its queue undelivered for good.
    if (written.changed && ENDED_STATES.includes(state)) this.store.failUndelivered(sessionId, ENDED_BEFORE_DELIVERY);
    // The store may keep another state (an exited session stays exited): report what it holds.
    if (written.state && written.state !== state) {
      state = written.state;
      o = undefined;
    }
    this.recorded.set(sessionId, { key, state });
    const before = prev?.state ?? from;
    if (before !== state) {
      const observation = o ?? ({ state, reading: { state: null, inputText: '', queued: [], turnFinished: false }, at, contentChangedAt: at } as Observation);
      this.emit('change', { sessionId, from: before, to: state, at, observation });
    }
  }

  /** Working with no screen or hook change for the configured time is a stall; it ends with any change. */
  private checkStalls(): void {
    const now = Date.now();
    for (const [id, obs] of this.observers) {
      const o = obs.last;
      if (!o || o.state !== 'working') continue;
      const lastChange = Math.max(o.contentChangedAt, obs.hookFacts.lastEventAt ?? 0);
      if (now - lastChange >= this.stallMs) {
        this.stalledAt.set(id, now);
        obs.last = { ...o, state: 'stalled' };
        this.record(id, 'stalled', obs.last, 'stall', now);
      }
    }
  }

  stop(): void {
    clearInterval(this.activityTimer);
    this.writeActivity();
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearInterval(this.stallTimer);
    for (const id of [...this.observers.keys()]) this.unwatch(id);
    this.control?.close();
    this.control = undefined;
  }
}

/** The parent of a process, from /proc (Linux); undefined where that cannot be read. */
function parentPid(pid: number): number | undefined {
  const ppid = procStat(pid)?.[1];
  return ppid === undefined ? undefined : Number(ppid);
}
