import type { ScreenReading } from '../types.js';
import { detectClaudeScreen } from './detect.js';
import { CLAUDE_2_1_197, CLAUDE_2_1_332, type ClaudeScreenRules } from './screen-rules.js';

/**
 * Every screen rule set, oldest first. A Claude Code release that moves a string gets a new entry
 * here (plus its fixtures), not a change to the detector.
 */
export const CLAUDE_RULE_SETS: readonly ClaudeScreenRules[] = [CLAUDE_2_1_197, CLAUDE_2_1_332];

/** Which rule set reads a session's screen, and how sure that choice is. */
export interface RuleChoice {
  rules: ClaudeScreenRules;
  /** The running Claude Code's version, when known. */
  agentVersion?: string;
  /** The running version is one the rule set was checked against (`verified`). */
  rulesExact: boolean;
  /** For people: "rules 2.1.332 (verified)", "rules 2.1.332, running 2.1.400 (newer than every rule set)". */
  note: string;
}

/** Numeric, part-by-part comparison of dotted versions ("2.1.99" < "2.1.197"); non-numbers count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** The first release a rule set serves. */
const firstServed = (s: ClaudeScreenRules): string => s.since ?? s.version;

/**
 * The newest rule set serving `version` (from its `since`, else its own version, on). A version
 * older than every set gets the oldest, an unknown version the newest; both, and any version not in
 * the set's `verified` list, are reported as not exact.
 */
export function rulesFor(version: string | undefined, sets: readonly ClaudeScreenRules[] = CLAUDE_RULE_SETS): RuleChoice {
  const newest = sets[sets.length - 1]!;
  if (version === undefined) return { rules: newest, rulesExact: false, note: `rules ${newest.version}, Claude Code version not known` };
  const fitting = sets.filter((s) => compareVersions(firstServed(s), version) <= 0);
  const rules = fitting[fitting.length - 1] ?? sets[0]!;
  if (rules.verified.includes(version)) return { rules, agentVersion: version, rulesExact: true, note: `rules ${rules.version} (verified on ${version})` };
  const why =
    fitting.length === 0
      ? 'older than every rule set'
      : compareVersions(version, rules.version) < 0
        ? `drawn as ${rules.version} draws since ${firstServed(rules)}, not verified`
        : rules === newest
          ? 'newer than every rule set'
          : `between rule sets ${rules.version} and ${sets[sets.indexOf(rules) + 1]!.version}, not verified`;
  return { rules, agentVersion: version, rulesExact: false, note: `rules ${rules.version}, running ${version} (${why})` };
}

/**
 * Reads a screen with the chosen rules. The rule for dialog details: the state is published at
 * once; what a permission dialog acts on (command, file, URL) is taken from the screen only when the
 * rules were verified on the running version. Otherwise it is left out and `detailsKnown: false`
 * says so, until the PermissionRequest hook brings it (fuse.ts): a release that moved a row must
 * not put a wrong command beside "approve this".
 */
export function readClaudeScreen(lines: string[], choice: RuleChoice): ScreenReading {
  const reading = detectClaudeScreen(lines, choice.rules);
  const d = reading.dialog;
  if (choice.rulesExact || d?.kind !== 'permission' || (d.command === undefined && d.file === undefined && d.url === undefined)) return reading;
  const { command: _c, file: _f, url: _u, ...rest } = d;
  return { ...reading, dialog: { ...rest, detailsKnown: false } };
}
