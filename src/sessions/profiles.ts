import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readClaudeScreen, rulesFor } from '../agents/claude/rule-sets.js';
import { claudeVersion } from '../agents/claude/version.js';
import { claudeTranscriptPath } from '../agents/claude/transcript-path.js';
import type { KeyPlan } from '../agents/claude/dialog-keys.js';
import type { EntryEffect, TranscriptEntry } from '../agents/claude/transcript-records.js';
import { codexAgent, launchCodex } from '../agents/codex/profile.js';
import { geminiProfile } from '../agents/gemini/profile.js';
import type { Dialog } from '../agents/types.js';
import type { ScreenReading } from '../agents/types.js';
import type { Config } from '../config/load.js';
import { writeClaudeSettings } from './claude-launch.js';

export const AGENTS = ['claude', 'codex', 'gemini', 'shell', 'custom'] as const;
/** Claude Code permission modes a session (or a pipeline stage) can be started in. */
export const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'bypassPermissions'] as const;
export type AgentName = (typeof AGENTS)[number];

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
}

export interface LaunchPlan {
  argv: string[];
  env: Record<string, string>;
  agentSessionId?: string;
  transcriptPath?: string;
  hooksFile?: string;
}

/** Key names (tmux send-keys) an agent understands for the generic controls. */
export interface AgentKeys {
  interrupt: string[];
  escape: string[];
  clearInput: string[];
  submit: string[];
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
 * What Aegis knows about one kind of agent, as data plus two small functions: how to launch it and
 * how to read its screen. Adding an agent (or a new Claude Code version) is a change here, not in the
 * engine.
 */
export interface AgentProfile {
  name: AgentName;
  /** Whether the agent reports events through Claude Code-style hooks. */
  hooks: boolean;
  /** Whether it shows dialogs Aegis can answer (approve/reject/answer). */
  dialogs: boolean;
  keys: AgentKeys;
  launch(req: LaunchRequest): LaunchPlan;
  /** Reads a rendered screen; `quietMs` is how long the pane has produced no output. */
  read(lines: string[], quietMs: number): ScreenReading;
  /** Keys answering its dialogs, when they differ from Claude Code's (agents/claude/dialog-keys). */
  dialogKeys?: {
    approve(dialog: Dialog, scope: 'once' | 'always'): KeyPlan;
    reject(dialog: Dialog): KeyPlan;
    answer(dialog: Dialog, choice: string | number): KeyPlan;
  };
  /** Its own conversation log, when it keeps one Aegis finds after launch (from the session's argv). */
  transcriptFile?(argv: string[]): string | undefined;
  /** What a record of that log means (default: Claude Code's transcript records). */
  transcriptEffect?(entry: TranscriptEntry): EntryEffect;
  /** Whether the agent recorded `text` as a prompt since `since` (delivery proof without hooks). */
  promptTaken?(argv: string[], text: string, since: number, same: (a: string, b: string) => boolean): boolean;
  /** Ends what the agent leaves running outside its pane once the session is killed. */
  stopped?(argv: string[]): number;
  /** The reader for one launched session's version; `read` serves until it is known. */
  reader?(session: { argv: string[] }): Promise<AgentReader>;
}

/** Agents without a screen model: working while output flows, idle once the pane has been quiet. */
const QUIET_IDLE_MS = 1500;
function activityReading(quietMs: number): ScreenReading {
  return { state: quietMs >= QUIET_IDLE_MS ? 'idle' : 'working', inputText: '', queued: [], turnFinished: false };
}

/** Variables Claude Code sets for its own children; cleared for the agents we start. */
const NESTED_MARKERS = ['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT', 'CLAUDE_CODE_SSE_PORT'];

const COMMON_KEYS: AgentKeys = { interrupt: ['C-c'], escape: ['Escape'], clearInput: ['C-u'], submit: ['Enter'] };

const claude: AgentProfile = {
  name: 'claude',
  hooks: true,
  dialogs: true,
  keys: COMMON_KEYS,
  launch(req) {
    const agentSessionId = randomUUID();
    const hooksFile = join(req.dataDir, 'hooks.jsonl');
    const settings = writeClaudeSettings(req.dataDir, hooksFile);
    const home = req.env.HOME ?? req.baseEnv.HOME ?? homedir();
    // An MCP host that is itself Claude Code passes its CLAUDECODE markers down to us and to the tmux
    // server; an agent must not start believing it is nested inside that session.
    const command = req.config.get<string>('agents.claude.command');
    void claudeVersion(command); // warms the cache while the pane starts
    const argv = ['env', ...NESTED_MARKERS.flatMap((v) => ['-u', v]), command, '--session-id', agentSessionId, '--settings', settings, '--permission-mode', req.permissionMode];
    if (req.model) argv.push('--model', req.model);
    return { argv, env: req.env, agentSessionId, hooksFile, transcriptPath: claudeTranscriptPath(home, req.workDir, agentSessionId) };
  },
  // Until the version is known (`claude --version` takes ~0.3 s once per binary), the newest rules.
  read: (lines) => readClaudeScreen(lines, rulesFor(undefined)),
  async reader(session) {
    // launch() puts the command right before --session-id.
    const command = session.argv[session.argv.indexOf('--session-id') - 1];
    const choice = rulesFor(command ? await claudeVersion(command) : undefined);
    return {
      agentVersion: choice.agentVersion,
      rules: choice.rules.version,
      rulesExact: choice.rulesExact,
      rulesNote: choice.note,
      read: (lines) => readClaudeScreen(lines, choice),
    };
  },
};

const simple = (name: 'gemini'): AgentProfile => ({
  name,
  hooks: false,
  dialogs: false,
  keys: COMMON_KEYS,
  launch: (req) => ({ argv: [req.config.get<string>(`agents.${name}.command`), ...(req.model ? ['--model', req.model] : [])], env: req.env }),
  read: (_lines, quietMs) => activityReading(quietMs),
});

const shell: AgentProfile = {
  name: 'shell',
  hooks: false,
  dialogs: false,
  keys: COMMON_KEYS,
  launch: (req) => ({ argv: [req.baseEnv.SHELL || '/bin/bash'], env: req.env }),
  read: (_lines, quietMs) => activityReading(quietMs),
};

const custom: AgentProfile = {
  ...shell,
  name: 'custom',
  launch: (req) => ({ argv: req.command ?? [], env: req.env }),
};

/** Codex CLI: its knowledge lives in agents/codex (private CODEX_HOME, screen rules, keys, session log). */
const codex: AgentProfile = {
  name: 'codex',
  hooks: false,
  dialogs: true,
  // Esc interrupts a Codex turn; Ctrl-C opens a "Task is still running" menu instead (FINDINGS).
  keys: { ...COMMON_KEYS, interrupt: ['Escape'] },
  launch: (req) => launchCodex(req),
  read: (lines) => codexAgent.read(lines),
  dialogKeys: codexAgent.dialogKeys,
  transcriptFile: codexAgent.transcriptFile,
  transcriptEffect: codexAgent.transcriptEffect,
  promptTaken: codexAgent.promptTaken,
  reader: (session) => codexAgent.reader(session.argv),
  stopped: codexAgent.stopped,
};

export const PROFILES: Record<AgentName, AgentProfile> = { claude, codex, gemini: geminiProfile, shell, custom };
