import { watch, type FSWatcher } from 'node:fs';
import type { ScreenReading, SessionState } from '../agents/types.js';
import type { TerminalScreen } from '../terminal/screen.js';
import { fuse, type FusedState } from './fuse.js';
import { emptyFacts, type AgentProfile, type AgentReader, type AgentStatus, type AgentStatusSource, type HookFacts } from '../agents/profile.js';
import { JsonlTail } from './jsonl-tail.js';
import type { SessionRecord } from './store.js';
import { settleWithin } from '../util/settle.js';

/** How long output must settle before the screen is read: one frame of a redraw, not a poll. */
const DEBOUNCE_MS = 8;
/**
 * How often a pane read by its activity alone (a shell, a user's command: no screen rules) is read
 * while it is working and keeps printing. Its state cannot change while output flows (working until
 * it has been quiet; the quiet check reads it then), so reading every chunk only found `working`
 * again. The first output after quiet is read at once, and the last of a burst within this time.
 */
const ACTIVITY_READ_MS = 2_000;
/** How long a first reading waits for the agent's version (its `--version`, cached per binary). */
const READER_WAIT_MS = 3_000;
/** After this much silence, check whether the pane's process is still alive. */
const QUIET_CHECK_MS = 1600;
/**
 * A pane whose output never stops (a spinner, a dialog redrawn every second) is also checked this
 * often while it prints: found in the messaging tests under load, an emulator that had fallen out of
 * step with the pane (an idle screen with the new dialog drawn below it) was never healed, because
 * the quiet check never came, and the session read as idle under an open permission dialog.
 */
const BUSY_CHECK_MS = 5_000;
/** A disagreement seen while output flows is looked at again after this, before seeding again. */
const RECHECK_MS = 150;
/**
 * How long a ready-looking screen may wait for a start-up question the agent is known to ask
 * (AgentProfile.setupPending): Gemini CLI draws it within a second of its box. Past this the question is
 * taken as not coming (a setting or variable that answers it) and the screen is believed.
 */
const SETUP_GRACE_MS = 10_000;

export interface Observation extends FusedState {
  reading: ScreenReading;
  /** The running agent's version, from its status source, once found. */
  agentVersion?: string;
  at: number;
  /** The screen's content changed (spinner and timers excluded) at this time. */
  contentChangedAt: number;
  /**
   * Where the screen's cursor was at this reading (0-based; absent in one made without a screen). An
   * agent that draws its own caret still puts the terminal's cursor there (Claude Code).
   */
  cursor?: { x: number; y: number };
}

export interface ObserverDeps {
  /** Full-screen capture with escapes and the cursor position, to seed the emulator. */
  capture(paneId: string): Promise<{ text: string; cursor: { x: number; y: number } }>;
  /** The screen as plain text, to check that the emulator still agrees with tmux. */
  captureText(paneId: string): Promise<string>;
  /** The pane's process status; undefined when the pane no longer exists. */
  paneStatus(paneId: string): Promise<{ dead: boolean; deadStatus?: number; width: number; height: number } | undefined>;
  onObservation(o: Observation): void;
  /** The agent finished a turn: its event source says so, or (agents without one) working → idle. */
  onTurnFinished(turn: { at: number; message?: string }): void;
  /** The agent named its conversation log (its own hook), and it is not where the session expected it: worth remembering past this process. */
  onTranscriptPath?(path: string): void;
  /** The agent's version, first learned by this process: worth remembering past it (migration 9). */
  onAgentVersion?(version: string): void;
  onError(err: Error): void;
}

/**
 * Periodic work (a printing pane's 5 s check, a shell's read every 2 s) is due on a shared 250 ms grid
 * of the clock, so one wakeup of the process serves every pane due then, not one wakeup per pane.
 */
const GRID_MS = 250;
function onGrid(delayMs: number): number {
  const now = Date.now();
  return Math.ceil((now + delayMs) / GRID_MS) * GRID_MS - now;
}

function sameScreen(captured: string, lines: string[]): boolean {
  const a = captured.split('\n').map((l) => l.trimEnd());
  while (a.length && !a[a.length - 1]) a.pop();
  const b = [...lines];
  while (b.length && !b[b.length - 1]) b.pop();
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

/**
 * Watches one session's pane: a terminal emulator fed with the pane's output as it happens, the
 * agent's event file as it grows, and the pane's life. Every change is read (debounced to one frame) and
 * fused into a state; nothing runs while the agent is quiet except one liveness check.
 */
export class SessionObserver {
  private facts: HookFacts = emptyFacts();
  private readonly events?: JsonlTail<Record<string, unknown>>;
  private readonly status?: AgentStatusSource;
  private hookWatcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;
  /** When the pending read (debounce) runs. */
  private debounceDue = 0;
  private lastReadAt = 0;
  private quietTimer?: NodeJS.Timeout;
  private busyTimer?: NodeJS.Timeout;
  private lastOutputAt = Date.now();
  /** Whether this observer has seen the pane print (not only its first capture). */
  private outputSeen = false;
  private signature = '';
  private contentChangedAt = Date.now();
  private state: SessionState;
  private everReady: boolean;
  private paneGone = false;
  private paneDead = false;
  private exitStatus?: number;
  private seeded = false;
  private pendingOutput: Uint8Array[] = [];
  private disposed = false;
  last?: Observation;
  /** The version-specific screen reader, once the agent's version is known (profile.reader). */
  reader?: AgentReader;
  /** Settles once the reader is known (or could not be): the first reading waits for it, bounded. */
  private readerReady?: Promise<void>;
  /** When Aegis last typed a prompt into this pane (0 = never), to pair it with its hook. */
  typedAt = 0;
  /** The agent's start-up question is answered (or not coming); until then a ready-looking screen is not ready. */
  private setupSettled = false;
  private readyLookSince?: number;

  constructor(
    readonly session: SessionRecord,
    readonly profile: AgentProfile,
    /** The emulator at the pane's size (built by the caller, which loads xterm only when needed). */
    readonly screen: TerminalScreen,
    private readonly deps: ObserverDeps,
  ) {
    this.state = session.state;
    this.everReady = session.state !== 'starting';
    this.startReader();
    const eventsFile = profile.events?.file(session);
    if (eventsFile && profile.events) {
      this.events = new JsonlTail<Record<string, unknown>>(eventsFile);
      for (const e of this.events.readNew()) this.facts = profile.events.fold(this.facts, e, session);
      this.rememberTranscriptPath();
      try {
        this.hookWatcher = watch(eventsFile, () => this.onHooks());
      } catch (err) {
        deps.onError(err as Error);
      }
    }
    this.status = profile.statusSource?.(
      session,
      () => [session.agentSessionId, this.facts.sessionId],
      () => this.schedule(),
    );
  }

  /** Reads with the rules for the agent's version from now on, and reads the screen again. */
  private startReader(): void {
    this.readerReady = this.profile.reader?.(this.session).then(
      (reader) => {
        this.reader = reader;
        if (reader.agentVersion && reader.agentVersion !== this.session.agentVersion) {
          this.session.agentVersion = reader.agentVersion;
          this.deps.onAgentVersion?.(reader.agentVersion);
        }
        this.schedule();
      },
      (err: Error) => this.deps.onError(err),
    );
  }

  get paneId(): string {
    return this.session.tmuxPane!;
  }

  get hookFacts(): HookFacts {
    return this.facts;
  }

  /** The agent's own status (profile.statusSource), when found and checked to be this agent's. */
  get agentStatus(): AgentStatus | undefined {
    return this.status?.current();
  }

  get exit(): number | undefined {
    return this.exitStatus;
  }

  /** Seeds the emulator from a capture; output that arrived meanwhile is applied after it. */
  async seed(): Promise<void> {
    const { text, cursor } = await this.deps.capture(this.paneId);
    this.screen.reset();
    await this.screen.writeCapture(text);
    // A capture does not carry the cursor; agents draw relative to it, so put it where tmux has it.
    await this.screen.write(`\x1b[${cursor.y + 1};${cursor.x + 1}H`);
    this.seeded = true;
    const queued = this.pendingOutput;
    this.pendingOutput = [];
    for (const chunk of queued) await this.screen.write(chunk);
    await this.evaluate();
  }

  /** Raw pane output from tmux control mode. */
  feed(data: Uint8Array): void {
    if (this.disposed) return;
    this.lastOutputAt = Date.now();
    this.outputSeen = true;
    if (!this.seeded) {
      this.pendingOutput.push(data);
      return;
    }
    this.screen.feed(data, this.scheduleRead);
    this.armQuietCheck();
  }

  /** The window or pane is gone (killed behind our back or by us). */
  markGone(): void {
    this.paneGone = true;
    void this.evaluate();
  }

  onHooks(): void {
    const fold = this.profile.events?.fold;
    if (!this.events || !fold || this.disposed) return;
    const events = this.events.readNew();
    if (!events.length) return;
    for (const e of events) {
      const before = this.facts.lastStop;
      this.facts = fold(this.facts, e, this.session);
      const stop = this.facts.lastStop;
      if (stop && stop !== before) this.deps.onTurnFinished({ at: stop.at, message: stop.message });
    }
    this.rememberTranscriptPath();
    this.schedule();
  }

  /** Usage and session_read after the session ends (or from another process) read the log the agent named, not a guess. */
  private rememberTranscriptPath(): void {
    const reported = this.facts.transcriptPath;
    if (!reported || reported === this.session.transcriptPath) return;
    this.session.transcriptPath = reported;
    this.deps.onTranscriptPath?.(reported);
  }

  private readonly quietDue = (): void => {
    this.quietTimer = undefined;
    void this.checkPane();
  };

  /** Runs after every chunk of output has been parsed: schedules a read (see ACTIVITY_READ_MS). */
  private readonly scheduleRead = (): void => {
    const byActivity = !this.profile.dialogs && this.state === 'working';
    this.schedule(byActivity ? onGrid(Math.max(DEBOUNCE_MS, this.lastReadAt + ACTIVITY_READ_MS - Date.now())) : DEBOUNCE_MS);
  };

  private readonly debounceFired = (): void => {
    this.debounce = undefined;
    void this.evaluate();
  };

  /** Re-reads state in `delayMs` (used after our own keystrokes and by timers), or sooner if a read is due sooner. */
  schedule(delayMs = DEBOUNCE_MS): void {
    if (this.disposed) return;
    const due = Date.now() + delayMs;
    if (this.debounce) {
      if (this.debounceDue <= due) return;
      clearTimeout(this.debounce);
    }
    this.debounceDue = due;
    this.debounce = setTimeout(this.debounceFired, delayMs);
  }

  /**
   * Arms the quiet check, due QUIET_CHECK_MS after the last output: the same timer restarted per chunk
   * (no new timer, and no wakeup while output flows). The busy check is set on the shared grid.
   */
  private armQuietCheck(): void {
    if (this.quietTimer) this.quietTimer.refresh();
    else this.quietTimer = setTimeout(this.quietDue, QUIET_CHECK_MS);
    this.busyTimer ??= setTimeout(() => {
      this.busyTimer = undefined;
      // Quiet by now: the quiet check does it.
      if (Date.now() - this.lastOutputAt < QUIET_CHECK_MS) void this.checkWhileBusy();
    }, onGrid(BUSY_CHECK_MS));
  }

  /**
   * The check of a pane that keeps printing: one capture, compared with the emulator. The pane is
   * alive (it just printed; the quiet check after its last output asks tmux) and its screen is read
   * as output arrives anyway, so only a disagreement goes on to the full check (size, a second look,
   * seeding again). A size change that has not yet changed the text shows as a disagreement once it
   * does. Half the tmux commands and no extra reading per check, for every printing pane.
   */
  private async checkWhileBusy(): Promise<void> {
    if (this.disposed) return;
    try {
      if (sameScreen(await this.deps.captureText(this.paneId), this.screen.lines())) return;
    } catch (err) {
      this.deps.onError(err as Error);
      return;
    }
    await this.checkPane();
  }

  /**
   * Once the pane has gone quiet (exits go quiet; so does a finished turn): is the process alive, did
   * the size change, and does the emulator still agree with tmux? A disagreement (output that raced
   * the first capture) is healed by seeding again.
   */
  async checkPane(): Promise<void> {
    if (this.disposed) return;
    try {
      const status = await this.deps.paneStatus(this.paneId);
      if (!status) this.paneGone = true;
      else {
        this.paneDead = status.dead;
        this.exitStatus = status.deadStatus;
        if (status.width !== this.screen.cols || status.height !== this.screen.rows) this.screen.resize(status.width, status.height);
        if (!status.dead && !(await this.agreesWithPane())) {
          await this.seed();
          return;
        }
      }
      await this.evaluate();
    } catch (err) {
      this.deps.onError(err as Error);
    }
  }

  /**
   * Whether the emulator shows what tmux shows. Output still in flight can make them differ for a
   * moment, so a difference counts only if it is still there a moment later.
   */
  private async agreesWithPane(): Promise<boolean> {
    if (sameScreen(await this.deps.captureText(this.paneId), this.screen.lines())) return true;
    await new Promise((resolve) => setTimeout(resolve, RECHECK_MS));
    return sameScreen(await this.deps.captureText(this.paneId), this.screen.lines());
  }

  async evaluate(): Promise<Observation | undefined> {
    // A process that adopts a pane reads it first with the rules for the agent's version, not the
    // fallback ones: those would publish a dialog without its details (or a newer layout's reading).
    if (!this.reader && this.readerReady) await settleWithin([this.readerReady], READER_WAIT_MS);
    if (this.disposed) return undefined;
    const now = Date.now();
    this.lastReadAt = now;
    const lines = this.screen.lines({ withoutHints: this.profile.inlineHints });
    const animated = this.profile.animated;
    const signature = (animated ? lines.filter((l) => !animated.test(l)) : lines).join('\n');
    if (signature !== this.signature) {
      this.signature = signature;
      this.contentChangedAt = now;
    }
    let reading = (this.reader ?? this.profile).read(lines, now - this.lastOutputAt);
    // Read by its activity, an agent is "working" until quiet for a while: a process that has just
    // started watching (a one-shot `ag send`) has seen no output yet and cannot tell, and writing
    // "working" would overwrite the idle a watcher recorded. Until output comes, the state stays.
    const unsure = !this.profile.dialogs && !this.outputSeen && reading.state === 'working';
    if (unsure) reading = { ...reading, state: null };
    // Keys typed before the question is drawn would answer it (a prompt's digits picked a folder-trust option).
    if (reading.state === 'idle' && this.awaitingSetup(now)) reading = { ...reading, state: 'starting' };
    const status = this.status?.current();
    const { turnRunning, pendingCall } = this.profile;
    const { recheckAt, ...fused } = fuse({
      paneGone: this.paneGone,
      paneDead: this.paneDead,
      reading,
      facts: this.facts,
      status,
      screenChangedAt: this.contentChangedAt,
      now,
      previous: this.state,
      everReady: this.everReady,
      turnRunning: turnRunning && (() => turnRunning(this.session.argv)),
      pendingCall: pendingCall && (() => pendingCall(this.session.argv)),
    });
    if (fused.state !== 'starting') this.everReady = true;
    if (!this.events && this.state === 'working' && fused.state === 'idle') this.deps.onTurnFinished({ at: now });
    this.state = fused.state;
    this.last = {
      ...fused,
      reading,
      agentVersion: status?.version ?? this.last?.agentVersion,
      at: now,
      contentChangedAt: this.contentChangedAt,
      cursor: this.screen.cursor(),
    };
    this.deps.onObservation(this.last);
    if (recheckAt !== undefined) this.schedule(Math.max(0, recheckAt - now));
    // Activity-based agents become idle by silence, so a quiet pane needs one more look later.
    if (unsure || (!this.profile.dialogs && fused.state === 'working')) this.armQuietCheck();
    return this.last;
  }

  /** Whether a ready-looking screen comes before the agent's start-up question (AgentProfile.setupPending). */
  private awaitingSetup(now: number): boolean {
    if (this.setupSettled || !this.profile.setupPending) return false;
    this.readyLookSince ??= now;
    if (!this.profile.setupPending(this.session.argv) || now - this.readyLookSince >= SETUP_GRACE_MS) {
      this.setupSettled = true;
      return false;
    }
    this.schedule(this.readyLookSince + SETUP_GRACE_MS - now);
    return true;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.debounce);
    clearTimeout(this.quietTimer);
    clearTimeout(this.busyTimer);
    this.hookWatcher?.close();
    this.status?.dispose();
    this.screen.dispose();
  }
}
