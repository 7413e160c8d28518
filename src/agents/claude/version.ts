import { statSync } from 'node:fs';
import { run } from '../../util/exec.js';
import { agentBaseEnv } from '../env.js';

/** `claude --version` prints "2.1.332 (Claude Code)". */
const VERSION_LINE = /^(\d+\.\d+\.\d+)\b/u;
const VERSION_TIMEOUT_MS = 10_000;

/** Answers per binary, keyed by path and mtime: an update in place gives a new mtime, so a new answer. */
const cache = new Map<string, Promise<string | undefined>>();

/**
 * The version of the Claude Code binary `command` (a path or a name on PATH), from `claude
 * --version`, or undefined when it cannot be run or says something else. Cached per binary. Other
 * agents pass their own `line` (Codex prints "codex-cli 0.171.0"). The binary is the agent's (or a
 * user's wrapper), so it gets what an agent may see of `env`, never Aegis's secrets.
 */
export function claudeVersion(command: string, env: NodeJS.ProcessEnv = process.env, line: RegExp = VERSION_LINE): Promise<string | undefined> {
  let key = command;
  try {
    key = `${command}\0${statSync(command).mtimeMs}`;
  } catch {
    // A name looked up on PATH: cache by name for this process.
  }
  let answer = cache.get(key);
  if (!answer) {
    answer = run(command, ['--version'], { env: { ...agentBaseEnv(env), DISABLE_AUTOUPDATER: '1' }, timeoutMs: VERSION_TIMEOUT_MS }).then((r) =>
      r.exitCode === 0 ? line.exec(r.stdout.trim())?.[1] : undefined,
    );
    cache.set(key, answer);
  }
  return answer;
}
