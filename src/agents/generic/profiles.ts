import type { ScreenReading } from '../types.js';
import type { AgentKeys, AgentProfile, RuleChoice } from '../profile.js';

/** Agents without a screen model: a shell and a user's own command. */

export const COMMON_KEYS: AgentKeys = { interrupt: ['C-c'], escape: ['Escape'], clearInput: ['C-u'], submit: ['Enter'] };

/** Working while output flows, idle once the pane has been quiet this long. */
const QUIET_IDLE_MS = 1500;
function activityReading(quietMs: number): ScreenReading {
  return { state: quietMs >= QUIET_IDLE_MS ? 'idle' : 'working', inputText: '', queued: [], turnFinished: false };
}

/** What an agent without screen rules gets: its state from the pane's activity alone. */
const ACTIVITY_RULES: RuleChoice = {
  rules: 'activity',
  exact: true,
  note: `no screen rules: working while output flows, idle after ${QUIET_IDLE_MS / 1000} s of quiet`,
};

export const shell: AgentProfile = {
  name: 'shell',
  dialogs: false,
  keys: COMMON_KEYS,
  launch: (req) => {
    const shell = req.baseEnv.SHELL || '/bin/bash';
    return { argv: [shell], program: shell, env: req.env };
  },
  read: (_lines, quietMs) => activityReading(quietMs),
  rulesFor: () => ACTIVITY_RULES,
};

export const custom: AgentProfile = {
  ...shell,
  name: 'custom',
  launch: (req) => ({ argv: req.command ?? [], program: req.command?.[0] ?? '', env: req.env }),
};
