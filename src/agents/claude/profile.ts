import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { COMMON_KEYS } from '../generic/profiles.js';
import type { AgentProfile } from '../profile.js';
import { answerKeys, approveKeys, rejectKeys } from './dialog-keys.js';
import { foldHookEvent, type HookEvent } from './hook-events.js';
import { writeClaudeSettings } from './launch.js';
import { readClaudeScreen, rulesFor } from './rule-sets.js';
import { AgentStatusFile, configDirOfTranscript, statusBelongs } from './status-file.js';
import { TranscriptReader } from './transcript.js';
import { claudeTranscriptPath } from './transcript-path.js';
import { claudeVersion } from './version.js';

/** Variables Claude Code sets for its own children; cleared for the agents we start. */
const NESTED_MARKERS = ['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT', 'CLAUDE_CODE_SSE_PORT'];

/** Lines that change while nothing real happens (spinner glyph, elapsed seconds, token counts). */
const ANIMATED = /esc to interrupt|^\s*[·✢✳✶✻✽*]\s+\S+…|\(\d+s\b|Running… \(/;

/** Claude Code: hooks, versioned screen rules, its transcript and status file (all in agents/claude). */
export const claude: AgentProfile = {
  name: 'claude',
  events: {
    // bin/aegis-hook appends each hook payload, stamped with aegis_t, to the session's hooks file.
    file: (session) => session.hooksFile,
    fold: (facts, record) => foldHookEvent(facts, record as unknown as HookEvent),
    reportsPrompts: true,
  },
  dialogs: true,
  // Backspace on the empty `! ` box is back to `❯` (2.1.197, 2.1.332). A `!` pasted at the start of a box
  // holding text stays text (only one typed there, or a paste into the empty box, switches); a leading
  // space is passed on to the model.
  keys: { ...COMMON_KEYS, shellMode: { leave: ['BSpace'], bangPrompt: 'anchored' } },
  animated: ANIMATED,
  inlineHints: true,
  launch(req) {
    const agentSessionId = randomUUID();
    const hooksFile = join(req.dataDir, 'hooks.jsonl');
    const settings = writeClaudeSettings(req.dataDir, hooksFile);
    const home = req.env.HOME ?? req.baseEnv.HOME ?? homedir();
    // An MCP host that is itself Claude Code passes its CLAUDECODE markers down to us and to the tmux
    // server; an agent must not start believing it is nested inside that session.
    const command = req.config.get('agents.claude.command');
    void claudeVersion(command); // warms the cache while the pane starts
    const argv = [
      'env',
      ...NESTED_MARKERS.flatMap((v) => ['-u', v]),
      command,
      '--session-id',
      agentSessionId,
      '--settings',
      settings,
      '--permission-mode',
      req.permissionMode,
    ];
    if (req.model) argv.push('--model', req.model);
    return { argv, program: command, env: req.env, agentSessionId, hooksFile, transcriptPath: claudeTranscriptPath(home, req.workDir, agentSessionId) };
  },
  // Until the version is known (`claude --version` takes ~0.3 s once per binary), the newest rules.
  read: (lines) => readClaudeScreen(lines, rulesFor(undefined)),
  async reader(session) {
    // launch() puts the command right before --session-id.
    const command = session.argv[session.argv.indexOf('--session-id') - 1];
    const choice = rulesFor(session.agentVersion ?? (command ? await claudeVersion(command) : undefined));
    return {
      agentVersion: choice.agentVersion,
      rules: choice.rules.version,
      rulesExact: choice.rulesExact,
      rulesNote: choice.note,
      read: (lines) => readClaudeScreen(lines, choice),
    };
  },
  rulesFor(version) {
    const c = rulesFor(version);
    return { rules: c.rules.version, exact: c.rulesExact, note: c.note };
  },
  dialogKeys: {
    approve: (dialog, scope) => approveKeys(dialog, scope),
    reject: (dialog) => rejectKeys(dialog),
    answer: (dialog, choice) => answerKeys(dialog, choice),
  },
  openTranscript: (path) => new TranscriptReader(path),
  statusSource(session, sessionIds, onChange) {
    // The status file is named by its pid: the pane's, as Aegis starts it through `env` (exec).
    if (!session.panePid || !session.transcriptPath) return undefined;
    const pid = session.panePid;
    const dir = `${configDirOfTranscript(session.transcriptPath)}/sessions`;
    return new AgentStatusFile(dir, pid, (s) => statusBelongs(s, pid, sessionIds()), onChange);
  },
};
