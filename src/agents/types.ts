import type { PasteSize } from './paste-placeholder.js';

/** Every state a session can be in. Order here is documentation only; precedence lives in the engine. */
export const SESSION_STATES = [
  'starting',
  'idle',
  'working',
  'permission_prompt',
  'asking',
  'plan',
  'compacting',
  'rate_limited',
  'error',
  'stalled',
  'exited',
  'dead',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** One numbered choice of a dialog, as shown on screen. */
export interface DialogOption {
  number: number;
  label: string;
  /** The option under the `❯` cursor. */
  selected: boolean;
  /** Ticked in a list where several may be chosen (Gemini's multi-select `[x]`); absent outside one. */
  checked?: boolean;
}

/** Permission mode shown in the footer, named as in Claude Code's hooks (`permission_mode`). */
export type PermissionMode = 'default' | 'acceptEdits' | 'plan' | 'auto' | 'bypassPermissions' | 'dontAsk';

/** Title of an agent's folder-trust dialog (Codex, Gemini CLI): trusting lets the folder's own agent config run. */
export const FOLDER_TRUST = 'Folder trust';

/**
 * A dialog the agent is waiting on. `kind` says how to answer it:
 * permission = tool approval; question = a picker (AskUserQuestion); plan = plan-mode exit approval;
 * setup = a start-up dialog (trust folder, API key) that blocks the agent before it is ready.
 */
export interface Dialog {
  kind: 'permission' | 'question' | 'plan' | 'setup';
  /** Heading of the box, e.g. "Bash command", "Create file", "Edit file", "Fetch". */
  title?: string;
  /** The question line, e.g. "Do you want to proceed?". */
  question: string;
  options: DialogOption[];
  /** Tool the permission is for (Bash, Write, Edit, WebFetch, mcp__server__tool...). */
  tool?: string;
  /** Shell command (Bash), file path (Write/Edit), URL (WebFetch) the tool acts on. */
  command?: string;
  file?: string;
  url?: string;
  /**
   * false: the screen does not show the tool or its target unambiguously for this Claude Code
   * release, so they are left out until the PermissionRequest hook brings them. Absent = known.
   */
  detailsKnown?: boolean;
  /** How the screen names the tool when that is not its name (2.1.33x MCP dialogs: `echo — Echo Tool`). */
  toolLabel?: string;
  /** The dialog takes a typed answer besides its options, even when its field is not drawn (Gemini's "Other" entry). */
  freeText?: boolean;
  /** The cursor is in the dialog's text field: keys typed now become the answer. Absent = the screen does not say. */
  typing?: boolean;
  /** What a `text` question's field shows (its placeholder until something is typed). */
  field?: string;
  /** Several options may be ticked (answer with a comma-separated list); the list is sent from its submit row. */
  multiSelect?: boolean;
  /** The cursor is on the row that submits a multi-select list (Gemini's unnumbered `Done`). */
  onSubmitRow?: boolean;
  /**
   * The list has entries the screen does not draw (Gemini's 3-item window): each is named by its
   * number, its label unknown until it is picked. Absent = every entry is drawn.
   */
  moreOptions?: boolean;
  /**
   * One of several questions asked at once: how many, how many the tab row marks answered, and whether
   * the review page that sends them all is shown (answer it with `submit`). Which tab is current is
   * drawn only in bold, so it is not known.
   */
  questions?: { count: number; answered: number; review: boolean };
}

/** What one rendered screen says about the agent, before fusion with hooks and the transcript. */
export interface ScreenReading {
  /** `null` when the screen alone cannot tell (e.g. blank or still drawing). */
  state: Exclude<SessionState, 'stalled' | 'dead'> | null;
  dialog?: Dialog;
  /** Text left in the input box (e.g. a prompt put back after an interrupt); '' when empty. */
  inputText: string;
  /** The box holds one long paste the agent drew collapsed (its placeholder is `inputText`): the size it names. */
  inputPaste?: PasteSize;
  /**
   * The box takes a shell command, not a prompt: the agent's shell mode (a `!` typed first switches
   * Claude Code, Codex and Gemini CLI to it). Enter would run `inputText` with no permission asked.
   */
  inputMode?: 'shell';
  /** The box shows as many rows as it can: it may hold more text above them (Gemini CLI scrolls it), so `inputText` may be its tail only. */
  inputTail?: boolean;
  /** Prompts typed while the agent was busy and shown as queued above the input box. */
  queued: string[];
  /** A finished-turn marker is the last conversation line (`✻ Baked for 3s`). */
  turnFinished: boolean;
  /** The last assistant message visible on screen (text after the last `●`), for question detection. */
  lastAssistantText?: string;
  /** An error line shown by the agent (e.g. "API Error: 400 ..."). */
  error?: string;
  /**
   * The last turn ended by an interrupt (Esc/Ctrl-C) or a rejected dialog ("Interrupted · What should
   * Claude do instead?", "User rejected …"): no Stop hook will come for it.
   */
  interrupted?: boolean;
  /** How the agent last drew an answered question (Gemini's `User answered:` box: `Choice → Africa`), after the last prompt. */
  lastAnswer?: string;
  /** Permission mode named in the footer; absent when the footer does not show it. */
  permissionMode?: PermissionMode;
}
