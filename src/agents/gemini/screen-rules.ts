/**
 * What a Gemini CLI screen looks like, per release, as data (fixtures/gemini-cli-<version>/FINDINGS.md
 * and screens/). The reader (detect.ts) is shared; a new release that draws differently gets a new
 * rule set here, not new code.
 */
export interface GeminiScreenRules {
  version: string;
  /** The rule above the input box; the composer is the last prompt line below it. */
  separator: RegExp;
  /** The input box's first line (`> text`); its continuation lines are indented by three spaces. */
  composer: RegExp;
  /** The box's first line in shell mode (`! echo hi`, under `shell mode enabled (esc to disable)`). */
  shellComposer: RegExp;
  composerContinuation: RegExp;
  /** The most rows the box draws; a longer text scrolls in it, its last rows shown (a 300-line paste showed lines 290-299). */
  composerRows: number;
  /** The box's placeholders when empty. */
  placeholder: RegExp;
  /** A long paste drawn collapsed in the box; groups name its size (paste-placeholder.ts). */
  pastePlaceholder: RegExp;
  /** The status line while a turn runs (`⠙ Thinking... (esc to cancel, 3s)`). */
  working: RegExp;
  /** Prompts typed while busy, listed under this heading, one per indented line. */
  queuedHeading: RegExp;
  queuedItem: RegExp;
  /** A dialog box's frame, stripped before its lines are read. */
  boxLine: RegExp;
  /** Heading of a tool approval: `? <Tool display name>  <what it does>`. */
  toolHeading: RegExp;
  /** The question of a tool approval. */
  approvalQuestion: RegExp;
  /** The folder trust dialog shown at start-up in an untrusted folder. */
  trustQuestion: RegExp;
  /** Drawn under the trust dialog once it is answered with a trust level: the box stays until the CLI goes on (screens/trust-restarting.txt). */
  trustRestarting: RegExp;
  /** One option line (`● 1. Allow once`, the `●` marks the cursor). */
  option: RegExp;
  /**
   * The `ask_user` dialog (FINDINGS "Question dialog"): its heading, the footer that ends it, the
   * footer shown while the cursor is in its text field (a `text` question's field, or the "Other"
   * entry every `choice` question gets as its last option, which the list's 3-item window may scroll
   * out of view), the text field of a `text` question, and the list's scroll arrows (both drawn
   * whenever the list holds more entries than its window, wherever the window is). A multi-select
   * question adds a hint line, a checkbox before each label, and an unnumbered submit row under the
   * list; several questions add a tab row (`← □ Q1 │ ✓ Q2 │ ≡ Review →`) and end on a review page.
   */
  question: {
    title: RegExp;
    footer: RegExp;
    typingFooter: RegExp;
    field: RegExp;
    scrollArrow: RegExp;
    boxEnd: RegExp;
    multiHint: RegExp;
    checkbox: RegExp;
    submitRow: RegExp;
    /** The Other entry of a list, while it holds no typed text. */
    otherEntry: RegExp;
    tabs: RegExp;
    /** One tab: its mark (`□` open, `✓` answered, `≡` the review page) and name. */
    tab: RegExp;
    reviewHeading: RegExp;
    /** The box the conversation keeps once a question is answered: this heading, then `Choice → Africa` lines. */
    answeredHeading: RegExp;
    answeredLine: RegExp;
  };
  /** Tool display names as the dialog heading shows them, and the tool each one is. */
  tools: Record<string, { tool: string; target: 'command' | 'file'; file?: RegExp }>;
  /** The last turn ended by Esc or a refused approval. */
  interrupted: RegExp;
  /** An error the CLI reports (API errors). */
  errorLine: RegExp;
  /** A model message line (`✦ text`), continued by lines indented two spaces. */
  assistantLine: RegExp;
}

export const GEMINI_0_61_0: GeminiScreenRules = {
  version: '0.61.0',
  separator: /^─{20,}$/u,
  composer: /^ > (.*)$/u,
  shellComposer: /^ !(?: (.*))?$/u,
  composerContinuation: /^ {3}(.*)$/u,
  composerRows: 10,
  // The second is drawn in shell mode.
  placeholder: /^(?:Type your message or @path\/to\/file|Type your shell command)$/u,
  // Over 5 lines or 500 characters; ` #2` when another paste is held (FINDINGS).
  pastePlaceholder: /\[Pasted Text: (?:(?<lines>\d+) lines|(?<chars>\d+) chars)(?: #\d+)?\]/u,
  working: /\(esc to cancel, \d[\dhms ]*\)/u,
  queuedHeading: /^\s*Queued \(press ↑ to edit\):$/u,
  queuedItem: /^ {4}(\S.*)$/u,
  boxLine: /^\s*│ ?(.*?)\s*│?$/u,
  toolHeading: /^\? (\S+) {2}(.+)$/u,
  approvalQuestion: /^(Allow execution of .+\?|Apply this change\?)$/u,
  trustQuestion: /^Do you trust the files in this folder\?$/u,
  trustRestarting: /^Gemini CLI is restarting to apply the trust changes\.\.\.$/u,
  option: /^(●)?\s*(\d+)\. (.+)$/u,
  question: {
    title: /^Answer Questions$/u,
    footer: /^Enter to (?:select|submit) · .*Esc to cancel$/u,
    typingFooter: /^Enter to submit · /u,
    field: /^> (.*)$/u,
    scrollArrow: /^[▲▼]$/u,
    boxEnd: /^╰─+╯$/u,
    multiHint: /^\(Select all that apply\)$/u,
    checkbox: /^\[([ x])\] (.*)$/u,
    submitRow: /^(●| ) {2}Done$/u,
    otherEntry: /^Enter a custom value$/u,
    tabs: /^← (.+) →$/u,
    tab: /^([□✓≡]) (.+)$/u,
    reviewHeading: /^Review your answers:$/u,
    answeredHeading: /^User answered:$/u,
    answeredLine: /^\S.* → .+$/u,
  },
  tools: {
    Shell: { tool: 'run_shell_command', target: 'command' },
    WriteFile: { tool: 'write_file', target: 'file', file: /^Writing to (.+)$/u },
    Edit: { tool: 'replace', target: 'file', file: /^(.+?): /u },
  },
  interrupted: /^ℹ Request cancelled\.$/u,
  errorLine: /^✕ (.+)$/u,
  assistantLine: /^✦ (.*)$/u,
};

/** Rule sets, oldest first. */
const RULE_SETS = [GEMINI_0_61_0];

const parts = (v: string) => v.split(/[.-]/, 3).map((p) => Number.parseInt(p, 10) || 0);
function older(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return false;
}

/**
 * The rules for a Gemini CLI version: the newest set not newer than it; a version older than every
 * set, or an unknown one, gets the newest set (the CLI's screens change rarely between releases).
 */
export function geminiRulesFor(version?: string): GeminiScreenRules {
  if (version) {
    for (let i = RULE_SETS.length - 1; i >= 0; i--) if (!older(version, RULE_SETS[i]!.version)) return RULE_SETS[i]!;
  }
  return RULE_SETS[RULE_SETS.length - 1]!;
}
