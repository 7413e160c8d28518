import { TranscriptReader } from '../claude/transcript.js';
import type { AgentProfile, KeyPlan, LaunchRequest, RuleChoice } from '../profile.js';
import type { Dialog, ScreenReading } from '../types.js';
import { detectGeminiScreen } from './detect.js';
import { geminiAnswerKeys, geminiApproveKeys, geminiRejectKeys } from './dialog-keys.js';
import { APPROVAL_MODE, trustUnanswered, writeGeminiHome } from './launch.js';
import { geminiRulesFor } from './screen-rules.js';
import { findChatFile, geminiEntryEffect, geminiPromptLogged } from './session-log.js';
import { geminiVersion } from './version.js';

/** Everything the sessions layer asks of the Gemini CLI, in one place (wired into the `gemini` profile). */

const HOME_VAR = 'GEMINI_CLI_HOME=';

export function launchGemini(req: Pick<LaunchRequest, 'dataDir' | 'workDir' | 'workDirTrusted' | 'permissionMode' | 'model' | 'env' | 'config'>): {
  argv: string[];
  program: string;
  env: Record<string, string>;
} {
  const home = writeGeminiHome({ dataDir: req.dataDir, workDir: req.workDir, workDirTrusted: req.workDirTrusted });
  const baseUrl = req.env.GOOGLE_GEMINI_BASE_URL ?? req.config.get('agents.gemini.baseUrl');
  // The home and base URL ride in the argv (not only the pane's env) so a later process finds the
  // session's chat log from the stored record alone.
  const program = req.config.get('agents.gemini.command');
  const argv = ['env', `${HOME_VAR}${home}`, `GOOGLE_GEMINI_BASE_URL=${baseUrl}`, program, '--approval-mode', APPROVAL_MODE[req.permissionMode] ?? 'default'];
  if (req.model) argv.push('--model', req.model);
  return { argv, program, env: req.env };
}

/** The session's Gemini CLI home, from the argv its pane was started with. */
export function geminiHomeOf(argv: string[]): string | undefined {
  return argv.find((a) => a.startsWith(HOME_VAR))?.slice(HOME_VAR.length);
}

/** The CLI command: the argument after the environment assignments. */
const commandOf = (argv: string[]): string | undefined => argv.slice(1).find((a) => !/^[A-Z_]+=/.test(a));

/**
 * The `gemini` agent profile (agents/registry.ts registers it). Esc interrupts a turn ("esc to
 * cancel"). The input box is cleared a line at a time (Ctrl-K and Ctrl-U empty the cursor's line,
 * Backspace joins it to the one above), keys that do nothing in an empty box: Esc twice clears a
 * box in one go but on an empty box opens /rewind, which swallowed every later prompt when a
 * stale reading pressed it twice (bench), and Ctrl-C on an empty box starts quitting (FINDINGS).
 */
export const geminiProfile: AgentProfile = {
  name: 'gemini',
  dialogs: true,
  // Trusted in its dialog, 0.61.0 saves the trust but neither restarts nor loads the folder's settings (untrusted-folder test).
  trustAppliesLater: "Gemini CLI applies the folder's own config from its next session there.",
  // The working line's spinner and elapsed seconds tick while nothing else changes.
  animated: /esc to cancel, \d+s\)/,
  // Its shell mode says `esc to disable`. A prompt's leading space is not passed on.
  keys: {
    interrupt: ['Escape'],
    escape: ['Escape'],
    clearInput: ['C-k', 'C-u', 'BSpace'],
    submit: ['Enter'],
    shellMode: { leave: ['Escape'], bangPrompt: 'after-space' },
  },
  launch: (req) => launchGemini(req),
  read: (lines: string[]): ScreenReading => detectGeminiScreen(lines, geminiRulesFor()),
  dialogKeys: {
    approve: (d: Dialog, scope: 'once' | 'always'): KeyPlan => geminiApproveKeys(d, scope),
    reject: (d: Dialog): KeyPlan => geminiRejectKeys(d),
    answer: (d: Dialog, choice: string | number): KeyPlan => geminiAnswerKeys(d, choice),
  },
  transcriptFile: (argv: string[]): string | undefined => {
    const home = geminiHomeOf(argv);
    return home ? findChatFile(home) : undefined;
  },
  openTranscript: (path) => new TranscriptReader(path, { effect: geminiEntryEffect }),
  promptTaken: (argv: string[], text: string, since: number, same: (a: string, b: string) => boolean): boolean => {
    const home = geminiHomeOf(argv);
    return !!home && geminiPromptLogged(home, text, since, same);
  },
  setupPending: (argv: string[]): boolean => {
    const home = geminiHomeOf(argv);
    return !!home && trustUnanswered(home);
  },
  /** The screen reader for the version a session runs (that of its command). */
  reader: async ({ argv, agentVersion }) => {
    const command = commandOf(argv);
    const version = agentVersion ?? (command ? await geminiVersion(command) : undefined);
    const rules = geminiRulesFor(version);
    const choice = geminiRuleChoice(version);
    return {
      agentVersion: version,
      rules: choice.rules,
      rulesExact: choice.exact,
      rulesNote: choice.note,
      read: (lines: string[]): ScreenReading => detectGeminiScreen(lines, rules),
    };
  },
  rulesFor: (version) => geminiRuleChoice(version),
};

/** The rule set a Gemini CLI version gets, and whether it was checked on that version. */
function geminiRuleChoice(version: string | undefined): RuleChoice {
  const rules = geminiRulesFor(version).version;
  const exact = version === rules;
  return { rules, exact, note: exact ? `rules ${rules}` : `rules ${rules}, running ${version ?? 'an unknown version'}` };
}
