/**
 * What Codex CLI draws, as data, per version (fixtures/codex-0.171.0/screens). A new Codex release
 * with a changed screen gets a new rule set here; the reader (detect.ts) stays the same.
 */
export interface CodexScreenRules {
  version: string;
  /** Footer once the agent takes input: `<model> <effort> · <cwd>` (before it, Enter is ignored). */
  readyFooter: RegExp;
  /** Shown while the agent waits for its background server; input typed now is not sent yet. */
  waitingForStartup: RegExp;
  /** The status line of a running turn, its bullet blinking • / ◦: `• Working (2s • esc to interrupt)`, `◦ Reconnecting... (3s • esc to interrupt)`. */
  working: RegExp;
  /** The composer line and its placeholder when empty. */
  composer: RegExp;
  /** The composer in shell mode (`! echo hi`, `!` when empty). */
  shellComposer: RegExp;
  placeholder: RegExp;
  /** A long paste drawn collapsed in the composer; groups name its size (paste-placeholder.ts). */
  pastePlaceholder: RegExp;
  /** Headings of the approval dialogs, by what they approve. */
  commandApproval: RegExp;
  patchApproval: RegExp;
  /** `Task is still running` menu that Ctrl-C opens while working. */
  runningMenu: RegExp;
  /** The start-up screen of a folder not trusted yet (13-trust-folder): its question, and the heading the folder's path follows. */
  trustQuestion: RegExp;
  trustHeading: RegExp;
  /** A numbered option: cursor, number, label, shortcut key in parentheses. */
  option: RegExp;
  command: RegExp;
  reason: RegExp;
  destination: RegExp;
  /** `Worked for 3s • 15:55`: the last turn finished. */
  turnDone: RegExp;
  /** `■ Conversation interrupted ...`: the last turn was cut (Esc, or a rejected approval). */
  interrupted: RegExp;
  /** Any other `■` line is an error the agent reports (stream errors, refused requests). */
  errorLine: RegExp;
  /** An assistant message line: `• <text>`, not a tool line. */
  assistantLine: RegExp;
  toolLine: RegExp;
}

export const CODEX_0_171_0: CodexScreenRules = {
  version: '0.171.0',
  readyFooter: /^\s{2}\S+ \S+ · \/\S*/u,
  waitingForStartup: /Waiting for startup/u,
  working: /^[•◦] .*\(\d[\dhms ]*• esc to interrupt\)/u,
  composer: /^› ?(.*)$/u,
  shellComposer: /^!(?: (.*))?$/u,
  placeholder: /^Ask Codex to do anything$/u,
  // A 40-line, 5550-character paste: `[Pasted Content 5550 chars]`.
  pastePlaceholder: /\[Pasted Content (?<chars>\d+) chars\]/u,
  commandApproval: /^\s*Would you like to run the following command\?/u,
  patchApproval: /^\s*Would you like to make the following edits\?/u,
  runningMenu: /^\s*Task is still running/u,
  trustQuestion: /^\s*(Trust this folder\?)/u,
  trustHeading: /^\s*Folder access$/u,
  option: /^\s*(›)?\s*(\d+)\. (.+?)(?: \(([a-z]+)\))?\s*$/u,
  command: /^\s*\$ (.+)$/u,
  reason: /^\s*Reason: (.+)$/u,
  destination: /^\s*Destination: (.+)$/u,
  turnDone: /^\s*Worked for .+ • \d{1,2}:\d{2}\s*$/u,
  interrupted: /^■ Conversation interrupted/u,
  errorLine: /^■ (.+)$/u,
  assistantLine: /^• (.+)$/u,
  toolLine: /^• (Ran|Running|Exited|Added|Edited|Deleted|Creating|Explored|Working|Waiting|Updated)\b/u,
};

/** The rule set for a Codex version: the newest one not newer than it (rules are only added). */
const RULE_SETS = [CODEX_0_171_0];
export function codexRulesFor(_version?: string): CodexScreenRules {
  return RULE_SETS[RULE_SETS.length - 1]!;
}
