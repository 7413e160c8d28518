/**
 * What Claude Code's terminal UI says, per version, as data. The detector (detect.ts) finds the
 * parts of the screen by their structure (input box between two `────` rules, the footer under it,
 * a dialog below a rule ending in numbered options) and reads them with these strings and
 * patterns. A Claude Code release that moves a string gets a new rules object, not a new detector.
 *
 * Sources: the captures in /work/shared/fixtures/claude-code-2.1.197 and
 * test/fixtures/claude-code-2.1.197, and the UI strings in the 2.1.197 binary (marked "binary"
 * below where no capture shows them yet).
 *
 * Conventions: every pattern is matched against one screen row that is already right-trimmed.
 * U+00A0 follows `❯` on an empty input line, so separators are matched as `[\s\u00a0]`.
 */

import type { PermissionMode } from '../types.js';

/** A permission dialog recognised by its heading. */
export interface PermissionDialogRule {
  title: RegExp;
  /** Tool named in hooks (`tool_name`); `undefined` = read it from the dialog body ("Tool use"). */
  tool?: string;
  /** What the body names: a shell command, a file (subtitle / question), a URL, or a tool call line. */
  target: 'command' | 'file' | 'url' | 'toolCall';
}

/** A start-up dialog that blocks Claude Code before it is ready. */
export interface SetupDialogRule {
  id: 'trust-folder' | 'api-key';
  /** Text anywhere in the dialog that identifies it. */
  match: RegExp;
  /** Where the question is, when it is not the line right above the options. Group 1 = question. */
  question?: RegExp;
  /** The line under the heading is a path (the workspace of the trust dialog). */
  pathUnderTitle?: boolean;
}

export interface PlanDialogRule {
  title: RegExp;
  tool: string;
}

export interface ClaudeScreenRules {
  /** The release these rules were written for (its captures are the fixtures). */
  version: string;
  /**
   * The first release that draws its screens this way, where releases before `version` were found to
   * (their captures compared, test/fixtures/claude-code-<release>): these rules serve releases from it on,
   * up to the next set's. Absent: from `version` on.
   */
  since?: string;
  /** Releases whose real screens these rules were checked against (fixtures, `npm run canary`). */
  verified: string[];
  layout: {
    /** Full-width rule at column 0 (input box edges, dialog top); may carry a label: `──── name ──`. */
    rule: RegExp;
    /** Rule inside a dialog framing file content or a plan (not a box edge). */
    innerRule: RegExp;
    /** First line of the input box; group 1 = text. */
    inputLine: RegExp;
    /** First line of the input box in shell mode (`! echo hi`, `! ` when empty); group 1 = text. */
    shellInputLine: RegExp;
    /** Further lines of a multi-line input; group 1 = text. */
    inputContinuation: RegExp;
    /** Dim placeholder texts shown in an empty input box (not typed by anyone). */
    inputPlaceholders: RegExp[];
    /** A long paste drawn collapsed in the box; groups name its size (paste-placeholder.ts). */
    pastePlaceholder: RegExp;
    /** A prompt the user sent, echoed in the conversation; group 1 = text. */
    userPrompt: RegExp;
    /** A prompt queued while the agent works, shown just above the input box; group 1 = text. */
    queuedPrompt: RegExp;
    queuedContinuation: RegExp;
    /**
     * 2.1.33x shows a queued prompt in the conversation as an echoed prompt followed by this line
     * (`  ⎿  Queued · ctrl+x ctrl+s to send now`); undefined where queued prompts sit above the box.
     */
    queuedMarker?: RegExp;
    /** Start of an assistant block (message or tool call); group 1 = first line (may be empty while streaming). */
    assistant: RegExp;
    /** Continuation of an assistant block; group 1 = text. */
    assistantContinuation: RegExp;
    /** A tool result line under a tool call (`  ⎿  …`). */
    result: RegExp;
    /** First lines of an assistant block that are a tool call or a tool's summary, not a message. */
    toolCall: RegExp[];
    /** Indented tool lines (no bullet) that end an assistant message above them. */
    collapsedTool: RegExp[];
  };
  footer: {
    /** Footer left part while a turn runs. */
    working: RegExp[];
    /** Footer texts naming a non-default permission mode. */
    modes: Array<{ mode: PermissionMode; pattern: RegExp }>;
    /** Footer texts that mean the default mode (no mode indicator shown). */
    defaultMode: RegExp[];
    /** First Ctrl-C at idle: a second one within about 1 s exits. */
    exitConfirm: RegExp;
  };
  activity: {
    spinnerGlyphs: string[];
    /** The live spinner line of a running turn. */
    spinner: RegExp;
    /** The last line of a finished turn, e.g. `✻ Baked for 3s`. */
    turnFinished: RegExp;
    /** A turn ended by Esc/Ctrl-C or by rejecting a dialog (no Stop hook follows). */
    interrupted: RegExp[];
    /** Spinner text while /compact (or auto-compact) runs. */
    compacting: RegExp;
    /** Spinner line while a failed API call is retried; group 1 = the message. */
    retrying: RegExp;
    /** The retry is for a 429. */
    rateLimitedRetry: RegExp;
  };
  /** Claude Code has exited (its goodbye, or tmux's remain-on-exit notice). */
  exited: RegExp[];
  /** Errors that ended the last turn; group 1 = the message. */
  errors: RegExp[];
  /** Usage/rate limits that stop the agent until a reset; group 1 = the message. */
  rateLimits: RegExp[];
  /** Start-up failures after which Claude Code exits; group 1 = the message. */
  fatalErrors: RegExp[];
  dialog: {
    /** A numbered option; group 1 = the cursor when selected, group 2 = number, group 3 = label. */
    option: RegExp;
    /** Key hints under a dialog's options. */
    hints: RegExp[];
    /** Most options come within a few lines of the bottom; more lines below means not a dialog. */
    maxLinesBelowOptions: number;
    /** Most lines between two consecutive options (descriptions, a separator rule). */
    maxGapBetweenOptions: number;
    /** Lines that belong to the conversation above a dialog: where the search for its top rule stops. */
    conversationLine: RegExp;
    setup: SetupDialogRule[];
    plan: PlanDialogRule[];
    planQuestion: RegExp;
    /** AskUserQuestion: heading with a checkbox; group 1 = header text. */
    questionTitle: RegExp;
    /** Option labels or hints only AskUserQuestion shows. */
    questionMarkers: RegExp[];
    questionTool: string;
    permissions: PermissionDialogRule[];
    /** File dialogs: group 1 = the file name in the question. */
    fileQuestion: RegExp;
    url: RegExp;
    /**
     * Where a shell command dialog (Bash, PowerShell) shows the command: `lastRowDescription` = the
     * body rows, the last of which is the description (2.1.197); `innerRuleBox` = the rows between
     * two `╌` rules, under a tip and the description (2.1.33x).
     */
    commandLayout: 'lastRowDescription' | 'innerRuleBox';
    /** A gutter in front of each row of a multi-line command in the box (2.1.33x: `│ `). */
    commandGutter?: RegExp;
    /** `<server> - <tool>(<args>) (MCP)`: groups 1 server, 2 tool (a name, or the tool's title on 2.1.33x). */
    mcpToolCall: RegExp;
    /** `Name(args)`: group 1 tool, group 2 argument. */
    toolCall: RegExp;
  };
  /** What option labels mean, for choosing the keys that answer a dialog (dialog-keys.ts). */
  answers: ClaudeAnswerRules;
}

export interface ClaudeAnswerRules {
  yes: RegExp;
  no: RegExp;
  /** A "yes" that grants more than this one call (remember, session-wide, mode change). */
  broader: RegExp[];
  /** Options approve never picks on its own (they throw away context or drop all checks). */
  never: RegExp[];
  /** Options that take typed text. */
  freeText: RegExp[];
}

const GLYPHS = ['·', '✢', '✳', '✶', '✻', '✽'];
const G = `[${GLYPHS.join('')}]`;
const SP = '[\\s\\u00a0]';

export const CLAUDE_2_1_197: ClaudeScreenRules = {
  version: '2.1.197',
  verified: ['2.1.197'],
  layout: {
    rule: /^─{10,}(?:[\s\u00a0]\S.*[\s\u00a0]─+)?$/u,
    innerRule: /^\s*╌{10,}$/u,
    inputLine: new RegExp(`^❯(?:${SP}(.*))?$`, 'u'),
    inputContinuation: /^ {2}(.*)$/u,
    shellInputLine: new RegExp(`^!(?:${SP}(.*))?$`, 'u'),
    inputPlaceholders: [/^Press up to edit queued messages$/u],
    // 40 lines: `[Pasted text #1 +39 lines]` (FINDINGS 4.1).
    pastePlaceholder: /\[Pasted text #\d+(?: \+(?<breaks>\d+) lines)?\]/u,
    userPrompt: new RegExp(`^❯${SP}(.*)$`, 'u'),
    queuedPrompt: new RegExp(`^ {2}❯${SP}(.*)$`, 'u'),
    queuedContinuation: /^ {4}(\S.*)$/u,
    assistant: new RegExp(`^●(?:${SP}(.*))?$`, 'u'),
    assistantContinuation: /^ {2}(.*)$/u,
    result: /^\s+⎿/u,
    toolCall: [
      /^[A-Z][\w]*\(.*\)$/u, // Bash(cmd), Write(notes.md), Update(notes.md), Fetch(url)
      /^.+ \(MCP\)(?:\(.*\))?$/u,
      /^User (?:answered|approved|rejected) Claude's (?:questions|plan):?$/u,
      /^Updated plan$/u,
    ],
    collapsedTool: [/^ {2}[A-Z][\w]*\(.*\)$/u, /\(ctrl\+o to expand\)$/u],
  },
  footer: {
    working: [/esc to interrupt/u],
    modes: [
      { mode: 'acceptEdits', pattern: /⏵⏵ accept edits on/u },
      { mode: 'plan', pattern: /⏸ plan mode on/u },
      { mode: 'auto', pattern: /⏵⏵ auto mode on/u },
      { mode: 'bypassPermissions', pattern: /bypass permissions on/iu }, // binary
      { mode: 'dontAsk', pattern: /don't ask on/iu }, // binary
    ],
    defaultMode: [/\? for shortcuts/u, /esc to interrupt/u],
    exitConfirm: /Press Ctrl-C again to exit/u,
  },
  activity: {
    spinnerGlyphs: GLYPHS,
    spinner: new RegExp(`^${G} \\S.*…`, 'u'),
    // Verb is random ("Baked", "Sautéed"); the duration is what makes it a finished turn.
    turnFinished: new RegExp(`^${G} \\S+ for \\d+[hms](?: \\d+[hms])*$`, 'u'),
    interrupted: [/^\s+⎿\s+Interrupted · What should Claude do instead\?$/u, /^\s+⎿\s+User rejected /u],
    compacting: new RegExp(`^${G} Compacting conversation…`, 'u'),
    retrying: new RegExp(`^${G} ((?:API error|API overloaded|Authentication failed|Rate limited) · Retrying in .*)$`, 'u'),
    rateLimitedRetry: new RegExp(`^${G} Rate limited · Retrying in `, 'u'),
  },
  exited: [/^Resume this session with:$/u, /^Pane is dead \(status /u],
  errors: [
    /^● (API Error: .+)$/u,
    // binary: shown in place of an API error for these causes
    /^● ((?:Invalid API key|Credit balance is too low|Prompt is too long|Request timed out|Not logged in|Repeated 529 Overloaded errors)\b.*)$/u,
  ],
  rateLimits: [
    // binary: usage-limit notices ("You've hit your session limit · resets 3pm")
    /^(?:● )?(You've (?:hit|reached) your .*limit.*)$/u,
    /^(?:● )?(You're out of (?:usage|extra usage).*)$/u,
    /^(?:● )?(Your org is out of usage.*)$/u,
    /^● (API Error: 429\b.*)$/u,
  ],
  fatalErrors: [/^\s*(Unable to connect to Anthropic services)$/u],
  dialog: {
    option: /^\s*(❯)?[\s\u00a0]*(\d+)\.\s+(\S.*)$/u,
    hints: [/^\s*Esc to cancel/u, /^\s*Enter to (?:select|confirm)/u, /^\s*ctrl\+g to edit in/u],
    maxLinesBelowOptions: 4,
    maxGapBetweenOptions: 3,
    conversationLine: new RegExp(`^(?:●|❯${SP}|${G} )|^\\s+⎿`, 'u'),
    setup: [
      {
        id: 'trust-folder',
        match: /Yes, I trust this folder/u,
        question: /(Is this a project you created or one you trust\?)/u,
        pathUnderTitle: true,
      },
      { id: 'api-key', match: /Do you want to use this API key\?/u },
    ],
    plan: [
      { title: /^Ready to code\?$/u, tool: 'ExitPlanMode' },
      { title: /^Exit plan mode\?$/u, tool: 'ExitPlanMode' },
      { title: /^Enter plan mode\?$/u, tool: 'EnterPlanMode' }, // binary
    ],
    planQuestion: /Claude has written up a plan and is ready to execute\. Would you like to proceed\?/u,
    questionTitle: /^(?:←\s*)?[☐☒✔]\s*(.+?)(?:\s*→)?$/u,
    questionMarkers: [/^Type something\.$/u, /^Chat about this$/u, /Enter to select · ↑\/↓ to navigate/u],
    questionTool: 'AskUserQuestion',
    permissions: [
      { title: /^Bash command(?: \(unsandboxed\))?$/u, tool: 'Bash', target: 'command' },
      { title: /^PowerShell command$/u, tool: 'PowerShell', target: 'command' }, // binary
      { title: /^Edit file$/u, tool: 'Edit', target: 'file' },
      { title: /^(?:Create|Overwrite|Write) file$/u, tool: 'Write', target: 'file' },
      { title: /^Read file$/u, tool: 'Read', target: 'file' }, // binary
      { title: /^Edit notebook$/u, tool: 'NotebookEdit', target: 'file' }, // binary
      { title: /^Fetch$/u, tool: 'WebFetch', target: 'url' },
      { title: /^Tool use$/u, target: 'toolCall' },
    ],
    commandLayout: 'lastRowDescription',
    fileQuestion: /^Do you want to (?:create|overwrite|write to|make this edit to|insert this cell into|delete this cell from) (.+)\?$/u,
    url: /https?:\/\/[^\s"'<>]+/u,
    mcpToolCall: /^(.+?) - (.+?)(?:\(.*\))? \(MCP\)$/u,
    toolCall: /^([A-Z][\w]*)\((.*)\)$/u,
  },
  answers: {
    yes: /^Yes\b/iu,
    no: /^No\b/iu,
    broader: [/always/iu, /don['’]t ask again/iu, /during this session/iu, /allow all/iu, /auto mode/iu, /auto-accept/iu],
    never: [/bypass permissions/iu, /clear context/iu],
    freeText: [/^Type something\.?$/iu, /^Tell Claude what to change$/iu],
  },
};

const GLYPHS_332 = [...GLYPHS, '*'];
const G332 = `[${GLYPHS_332.map((g) => (g === '*' ? '\\*' : g)).join('')}]`;

/**
 * 2.1.33x (captures in test/fixtures/claude-code-2.1.332): what moved since 2.1.197.
 * - A finished turn's line ends in the time: `✻ Baked for 3s · done 3:28 PM`; `*` joined the spinner glyphs.
 * - The Bash dialog shows a "Tip: auto mode …" row and the description above the command, which sits
 *   between two `╌` rules; a fourth option "Yes, and switch to auto mode" comes before "No".
 * - Plan dialogs are indented two columns (their rules too) under a `▔▔▔` edge.
 * - Rejections read `⎿  Rejected update to …` / `⎿  Rejected Claude's plan:` (no "User").
 * - MCP dialogs name the tool `<server> — <Name> Tool: (MCP)`, a display form, not the tool's name.
 * - The default mode is named in the footer: `⏸ manual mode on · ? for shortcuts`.
 * - A queued prompt is echoed in the conversation (`❯ text`) with `⎿  Queued · …` under it, not
 *   shown indented above the input box. A multi-line command in a dialog has a `│ ` gutter.
 */
export const CLAUDE_2_1_332: ClaudeScreenRules = {
  ...CLAUDE_2_1_197,
  version: '2.1.332',
  // Releases in between, captured and compared (test/fixtures/claude-code-2.1.243, -2.1.247): 2.1.239
  // indents plan dialogs under `▔▔▔` (the 2.1.197 rules see no dialog there), 2.1.246 ends a turn's line
  // in `· done <time>`, 2.1.247 adds the Bash dialog's tip and fourth option, 2.1.286 boxes its command
  // between `╌` rules, 2.1.326 writes `Rejected …`. Every pattern here also reads what came before it.
  since: '2.1.239',
  verified: ['2.1.332'],
  layout: {
    ...CLAUDE_2_1_197.layout,
    rule: /^ {0,2}─{10,}(?:[\s\u00a0]\S.*[\s\u00a0]─+)?$/u,
    queuedMarker: /^\s+⎿\s+Queued\b/u,
    // `● Calling echo…` above an MCP dialog (2.1.197 added `(ctrl+o to expand)`).
    toolCall: [...CLAUDE_2_1_197.layout.toolCall, /^Calling [\w-]+…$/u],
  },
  footer: {
    ...CLAUDE_2_1_197.footer,
    defaultMode: [/⏸ manual mode on/u, ...CLAUDE_2_1_197.footer.defaultMode],
  },
  activity: {
    ...CLAUDE_2_1_197.activity,
    spinnerGlyphs: GLYPHS_332,
    spinner: new RegExp(`^${G332} \\S.*…`, 'u'),
    turnFinished: new RegExp(`^${G332} \\S+ for \\d+[hms](?: \\d+[hms])*(?: · done \\d{1,2}:\\d\\d(?:\\s?[AP]M)?)?$`, 'u'),
    interrupted: [/^\s+⎿\s+Interrupted · What should Claude do instead\?$/u, /^\s+⎿\s+(?:User rejected|Rejected) /u],
    compacting: new RegExp(`^${G332} Compacting conversation…`, 'u'),
    retrying: new RegExp(`^${G332} ((?:API error|API overloaded|Authentication failed|Rate limited) · Retrying in .*)$`, 'u'),
    rateLimitedRetry: new RegExp(`^${G332} Rate limited · Retrying in `, 'u'),
  },
  dialog: {
    ...CLAUDE_2_1_197.dialog,
    conversationLine: new RegExp(`^(?:●|❯${SP}|${G332} )|^\\s+⎿|^▔+$`, 'u'),
    commandLayout: 'innerRuleBox',
    commandGutter: /^(\s*)│ /u,
    mcpToolCall: /^(.+?) — (.+?):? \(MCP\)$/u,
  },
};
