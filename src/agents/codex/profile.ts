import { dirname, join } from 'node:path';
import type { EntryEffect, TranscriptEntry } from '../claude/transcript-records.js';
import type { AgentProfile, KeyPlan, LaunchRequest, RuleChoice } from '../profile.js';
import { TranscriptReader } from '../claude/transcript.js';
import { COMMON_KEYS } from '../generic/profiles.js';
import type { Dialog, ScreenReading } from '../types.js';
import { stopCodexDaemons } from './daemon.js';
import { detectCodexScreen } from './detect.js';
import { codexAnswerKeys, codexApproveKeys, codexRejectKeys } from './dialog-keys.js';
import { foldCodexNotification, NOTIFY_FILE, writeCodexHome } from './launch.js';
import { codexRulesFor } from './screen-rules.js';
import { claudeVersion as cliVersion } from '../claude/version.js';
import { codexEntryEffect, codexLogThread, codexLogVersion, codexPromptLogged, codexPendingCall, codexTurnRunning, findRolloutFile } from './session-log.js';

/** Everything the sessions layer asks of Codex, in one place (wired into the `codex` profile). */

/** The variable that carries the API key to Codex; its value is never written to a file. */
export const CODEX_API_KEY_ENV = 'OPENAI_API_KEY';

export function launchCodex(req: Pick<LaunchRequest, 'dataDir' | 'workDir' | 'workDirTrusted' | 'permissionMode' | 'model' | 'env' | 'config'>): {
  argv: string[];
  program: string;
  env: Record<string, string>;
} {
  // The notify file (dataDir/codex-notify.jsonl) is not the record's hooksFile: that one holds Claude Code hooks.
  const { codexHome } = writeCodexHome({
    dataDir: req.dataDir,
    workDir: req.workDir,
    workDirTrusted: req.workDirTrusted,
    baseUrl: req.env.OPENAI_BASE_URL ?? req.config.get('agents.codex.baseUrl'),
    apiKeyEnv: CODEX_API_KEY_ENV,
    model: req.model,
    permissionMode: req.permissionMode,
    sharedPackages: join(req.config.home, 'codex-packages'),
  });
  // CODEX_HOME rides in the argv (not only the pane's env) so a later process finds the session's
  // home, log and background server from the stored record alone.
  const program = req.config.get('agents.codex.command');
  return { argv: ['env', `CODEX_HOME=${codexHome}`, program], program, env: req.env };
}

/** The session's CODEX_HOME, from the argv its pane was started with. */
export function codexHomeOf(argv: string[]): string | undefined {
  return argv.find((a) => a.startsWith('CODEX_HOME='))?.slice('CODEX_HOME='.length);
}

/** `codex --version` prints "codex-cli 0.171.0". */
const CODEX_VERSION_LINE = /^codex-cli (\d+\.\d+\.\d+)\b/u;

export const codexAgent = {
  rules: codexRulesFor(),
  read: (lines: string[]): ScreenReading => detectCodexScreen(lines, codexRulesFor()),
  dialogKeys: {
    approve: (d: Dialog, scope: 'once' | 'always'): KeyPlan => codexApproveKeys(d, scope),
    reject: (d: Dialog): KeyPlan => codexRejectKeys(d),
    answer: (d: Dialog, choice: string | number): KeyPlan => codexAnswerKeys(d, choice),
  },
  transcriptFile: (argv: string[]): string | undefined => {
    const home = codexHomeOf(argv);
    return home ? findRolloutFile(home) : undefined;
  },
  transcriptEffect: (e: TranscriptEntry): EntryEffect => codexEntryEffect(e),
  promptTaken: (argv: string[], text: string, since: number, same: (a: string, b: string) => boolean): boolean => {
    const home = codexHomeOf(argv);
    return !!home && codexPromptLogged(home, text, since, same);
  },
  turnRunning: (argv: string[]): boolean | undefined => {
    const log = codexAgent.transcriptFile(argv);
    return log ? codexTurnRunning(log) : undefined;
  },
  pendingCall: (argv: string[]): { tool: string; input: Record<string, unknown> } | undefined => {
    const log = codexAgent.transcriptFile(argv);
    return log ? codexPendingCall(log) : undefined;
  },
  /** The screen reader for the version a session runs (recorded, else `codex --version` of its command, else its log). */
  reader: async (argv: string[], recorded?: string) => {
    const command = argv[argv.findIndex((a) => a.startsWith('CODEX_HOME=')) + 1];
    const log = codexAgent.transcriptFile(argv);
    const version = recorded ?? (command ? await cliVersion(command, process.env, CODEX_VERSION_LINE) : undefined) ?? (log ? codexLogVersion(log) : undefined);
    const rules = codexRulesFor(version);
    const choice = codexRuleChoice(version);
    return {
      agentVersion: version,
      rules: choice.rules,
      rulesExact: choice.exact,
      rulesNote: choice.note,
      read: (lines: string[]): ScreenReading => detectCodexScreen(lines, rules),
    };
  },
  stopped: (argv: string[]): number => {
    const home = codexHomeOf(argv);
    return home ? stopCodexDaemons(home) : 0;
  },
};

/** The rule set a Codex version gets (one set so far), and whether it was checked on that version. */
function codexRuleChoice(version: string | undefined): RuleChoice {
  const rules = codexRulesFor(version).version;
  const exact = version === rules;
  return { rules, exact, note: exact ? `rules ${rules}` : `rules ${rules}, running ${version ?? 'an unknown version'}` };
}

/** The session's own thread, named in its session log (none before the log exists). */
function mainThread(argv: string[]): string | undefined {
  const log = codexAgent.transcriptFile(argv);
  return log ? codexLogThread(log) : undefined;
}

/** Codex CLI as the sessions layer sees it (private CODEX_HOME, screen rules, keys, session log). */
export const codex: AgentProfile = {
  name: 'codex',
  dialogs: true,
  // Esc interrupts a Codex turn; Ctrl-C opens a "Task is still running" menu instead (FINDINGS).
  // Backspace on the empty `!` composer is back to `›`. A prompt's leading space is not passed on.
  keys: { ...COMMON_KEYS, interrupt: ['Escape'], shellMode: { leave: ['BSpace'], bangPrompt: 'after-space' } },
  // The working line's elapsed seconds tick while nothing else changes.
  animated: /esc to interrupt|\(\d+s\b/,
  events: {
    // Codex's notify program (bin/aegis-hook) appends each turn end next to the session's CODEX_HOME.
    file: (session) => {
      const home = codexHomeOf(session.argv);
      return home ? join(dirname(home), NOTIFY_FILE) : undefined;
    },
    fold: (facts, record, session) => foldCodexNotification(facts, record, mainThread(session.argv)),
    reportsPrompts: false,
  },
  launch: (req) => launchCodex(req),
  read: (lines) => codexAgent.read(lines),
  dialogKeys: codexAgent.dialogKeys,
  transcriptFile: codexAgent.transcriptFile,
  openTranscript: (path) => new TranscriptReader(path, { effect: codexAgent.transcriptEffect }),
  promptTaken: codexAgent.promptTaken,
  turnRunning: codexAgent.turnRunning,
  pendingCall: codexAgent.pendingCall,
  reader: (session) => codexAgent.reader(session.argv, session.agentVersion),
  stopped: codexAgent.stopped,
  rulesFor: codexRuleChoice,
};
