import type { Config } from '../config/load.js';
import type { TranscriptReader } from './claude/transcript.js';
import type { AgentName } from './names.js';
import type { Dialog, ScreenReading } from './types.js';

/**
 * What the sessions layer may ask of an agent. Every agent's knowledge (launch, screen rules, keys,
 * log, events) lives under src/agents/<name>/ behind this interface; the registry (registry.ts)
 * names them. Adding an agent (or a new release of one) is a change there, not in the engine.
 */

/** The conversation reader session_read uses (one turn reader; each agent supplies what its records mean). */
export type AgentTranscript = TranscriptReader;

export interface LaunchRequest {
  sessionId: string;
  workDir: string;
  /** Per-session folder under $AEGIS_HOME/sessions/<id>. */
  dataDir: string;
  permissionMode: string;
  model?: string;
  env: Record<string, string>;
  /** The argv for `custom` agents. */
  command?: string[];
  config: Config;
  /** The environment the agent will see (for HOME). */
  baseEnv: NodeJS.ProcessEnv;
  /**
   * Whether workDir starts trusted in an agent home Aegis writes (Codex, Gemini CLI): the user trusted it
   * before, or pre-trusts every folder (agents.trustWorkFolders). Otherwise the agent asks first.
   */
  workDirTrusted: boolean;
}

export interface LaunchPlan {
  argv: string[];
  /**
   * The executable the launch needs (argv[0], or the command `env` starts): checked on the pane's PATH
   * before anything is made, so a missing agent is an error at create, not a session that exits at once.
   */
  program: string;
  env: Record<string, string>;
  agentSessionId?: string;
  transcriptPath?: string;
  /** The file the agent's event source (hooks, notify program) appends to; see AgentProfile.events. */
  hooksFile?: string;
}

/** Key names (tmux send-keys) an agent understands for the generic controls. */
export interface AgentKeys {
  interrupt: string[];
  escape: string[];
  clearInput: string[];
  submit: string[];
  /** For agents with a shell mode (see ShellMode). */
  shellMode?: ShellMode;
}

/**
 * An input box with a shell mode: a `!` typed first into the empty box (or pasted into it) switches
 * to it, and Enter would then run the box as a command, with no permission asked.
 */
export interface ShellMode {
  /** The keys that leave it once the box is empty. */
  leave: string[];
  /**
   * How a prompt beginning with `!` is typed so that it stays a prompt and arrives byte for byte:
   * - `after-space`: pasted after one space, which the agent leaves out of the prompt (Codex, Gemini CLI).
   * - `anchored`: the agent would pass that space on (Claude Code). A space typed first only keeps the
   *   box from being empty: the cursor goes back before it (Left), the text is pasted there, and the
   *   space is taken out again (Right, Backspace), each key seen done on screen before the next.
   */
  bangPrompt: 'after-space' | 'anchored';
}

/**
 * Which keys answer a dialog: `keys` are tmux key names sent first; `text`, when present, is typed
 * literally afterwards and submitted with Enter by the caller. `label` is the option chosen, for reports.
 */
export interface KeyPlan {
  keys: string[];
  text?: string;
  label?: string;
  /**
   * A multi-select list: the option numbers to leave ticked. Each is toggled with its digit (only when
   * the screen shows it unticked, and confirmed before the next), then the cursor goes down to the
   * submit row and Enter sends the list; `keys` is then empty.
   */
  tick?: number[];
  /**
   * The option number pressed is not drawn (outside the list's window), so its label is not known
   * before the key: it must close the question (an entry that takes typed text would only take the
   * cursor), and the reply names what the screen then shows as answered.
   */
  unseen?: number;
  /** Keys that take the cursor out of such a text entry again when the number named it (nothing typed there). */
  leaveField?: string[];
  /** The option chosen trusts the session's work folder (an agent's folder-trust dialog): Aegis remembers it. */
  trustsWorkDir?: boolean;
  /**
   * The answer leaves the agent where the session can do nothing more (Codex refused its folder's
   * trust goes to its agent list): nothing is pressed, the session is ended with this reason.
   */
  endsSession?: string;
}

/** The screen rule set an agent's version gets: its name, whether it was verified on that version, a note for people. */
export interface RuleChoice {
  rules: string;
  exact: boolean;
  note: string;
}

/** A screen reader for one running agent, chosen by its version (agents with versioned screen rules). */
export interface AgentReader {
  /** The running agent's version, when known. */
  agentVersion?: string;
  /** The version of the screen rules that read it. */
  rules: string;
  /** The rules were checked against this very version. */
  rulesExact: boolean;
  /** For people, e.g. "rules 2.1.332, running 2.1.400 (newer than every rule set)". */
  rulesNote: string;
  read(lines: string[], quietMs: number): ScreenReading;
}

/**
 * What an agent's event source (Claude Code's hooks, Codex's notify program) has told us so far
 * about one session, folded from its records in order. Events are precise but partial (no turn end
 * after an interrupt, a rejection or an API error), so they refine what the screen says.
 */
export interface HookFacts {
  transcriptPath?: string;
  /** The agent's own session id as its events last reported it (it changes on /clear). */
  sessionId?: string;
  /** Prompts the agent accepted, newest last, with their times. */
  submitted: { prompt: string; at: number }[];
  /** The tool currently asking for permission, until it runs or the turn ends. */
  permission?: { tool: string; input: Record<string, unknown>; at: number };
  /**
   * Tool calls of this turn the agent announced before running them (Claude Code's PreToolUse hook,
   * which comes before any permission dialog) and has not finished: `asked` once a PermissionRequest
   * named one. A call rejected in its dialog never finishes; the next prompt clears them all.
   */
  calls?: ToolCall[];
  /** The last turn end the agent reported (a new object per turn end). */
  lastStop?: { at: number; message?: string };
  lastPromptAt?: number;
  ended?: { at: number; reason?: string };
  lastEventAt?: number;
}

/** One tool call as the agent's events announced it. */
export interface ToolCall {
  id?: string;
  tool: string;
  input: Record<string, unknown>;
  at: number;
  asked: boolean;
}

export function emptyFacts(): HookFacts {
  return { submitted: [] };
}

/** An agent's own event file and what one of its records means. */
export interface AgentEvents {
  /** The file the session's agent appends events to (one JSON record per line). */
  file(session: { argv: string[]; hooksFile?: string }): string | undefined;
  /** Folds one record (stamped `aegis_t` by bin/aegis-hook) into the facts. */
  fold(facts: HookFacts, record: Record<string, unknown>, session: { argv: string[] }): HookFacts;
  /** Whether it reports each prompt the agent accepts (then delivery and interrupt wait on it). */
  reportsPrompts: boolean;
}

/** What an agent process says about itself outside its screen (Claude Code's status file). */
export interface AgentStatus {
  status: 'idle' | 'busy' | 'waiting';
  /** With `waiting`: "permission prompt", "input needed", … */
  waitingFor?: string;
  sessionId: string;
  /** The running agent's version. */
  version?: string;
  /** When the agent wrote this status (ms since the epoch). */
  updatedAt?: number;
  /** /proc/<pid>/stat start time (clock ticks since boot) of the process that wrote the file. */
  procStart?: string;
}

/** A followed status source; `current()` is the last status read that belongs to the session. */
export interface AgentStatusSource {
  current(): AgentStatus | undefined;
  dispose(): void;
}

export interface AgentProfile {
  name: AgentName;
  /** Its event source (hooks, notify): turn ends, accepted prompts, permission details. */
  events?: AgentEvents;
  /** Whether it shows dialogs Aegis can answer (approve/reject/answer). */
  dialogs: boolean;
  keys: AgentKeys;
  launch(req: LaunchRequest): LaunchPlan;
  /** Reads a rendered screen; `quietMs` is how long the pane has produced no output. */
  read(lines: string[], quietMs: number): ScreenReading;
  /** Screen lines that change while nothing real happens (spinner glyphs, elapsed seconds). */
  animated?: RegExp;
  /**
   * Its input box draws text nobody typed (a completion, a placeholder) as an inline hint, which
   * the screen leaves out before `read` (TerminalScreen.lines, withoutHints).
   */
  inlineHints?: boolean;
  /** Keys answering its dialogs (required when `dialogs`). */
  dialogKeys?: {
    approve(dialog: Dialog, scope: 'once' | 'always'): KeyPlan;
    reject(dialog: Dialog): KeyPlan;
    answer(dialog: Dialog, choice: string | number): KeyPlan;
  };
  /**
   * Said to whoever trusts the work folder in its dialog when the running agent keeps what it loaded,
   * the folder's own configuration (MCP servers, hooks) applying only from its next start.
   */
  trustAppliesLater?: string;
  /** Its own conversation log, when it keeps one Aegis finds after launch (from the session's argv). */
  transcriptFile?(argv: string[]): string | undefined;
  /** A reader of its conversation log (session_read). */
  openTranscript?(path: string): AgentTranscript;
  /** Whether the agent recorded `text` as a prompt since `since` (delivery proof without prompt events). */
  promptTaken?(argv: string[], text: string, since: number, same: (a: string, b: string) => boolean): boolean;
  /**
   * Whether the agent's own log says a turn is running (started, not yet ended); undefined when it
   * cannot tell. Asked only when the screen reads idle without showing how the last turn ended.
   */
  turnRunning?(argv: string[]): boolean | undefined;
  /**
   * The tool call the agent's own log says is waiting for its result (called, not yet answered):
   * the exact input behind a permission dialog the screen may show wrapped, cut, or without the
   * characters it does not draw. Asked only while a permission dialog is on screen.
   */
  pendingCall?(argv: string[]): { tool: string; input: Record<string, unknown> } | undefined;
  /**
   * Whether the agent has yet to ask a start-up question it is known to ask (Gemini CLI's folder trust,
   * launched untrusted): its screen may look ready a moment before the question is drawn, and keys
   * typed then answer it. Until it is settled the session is starting (bounded, see the observer).
   */
  setupPending?(argv: string[]): boolean;
  /** Ends what the agent leaves running outside its pane once the session is killed. */
  stopped?(argv: string[]): number;
  /** The screen rules a version of this agent gets (ag doctor, session_get). */
  rulesFor?(version: string | undefined): RuleChoice;
  /**
   * The reader for one launched session's version; `read` serves until it is known. The version is
   * the session's recorded one (`agentVersion`), else asked of its command (`--version`).
   */
  reader?(session: { argv: string[]; agentVersion?: string }): Promise<AgentReader>;
  /**
   * Follows what the running agent says about itself (its status file), when it keeps one;
   * `sessionIds` are the agent's own ids for this session now, `onChange` re-reads state.
   */
  statusSource?(
    session: { panePid?: number; transcriptPath?: string },
    sessionIds: () => (string | undefined)[],
    onChange: () => void,
  ): AgentStatusSource | undefined;
}
