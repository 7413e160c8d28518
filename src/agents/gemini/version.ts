import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { which } from '../../util/which.js';
import { claudeVersion as cliVersion } from '../claude/version.js';

/** `gemini --version` prints the bare version, "0.61.0". */
const VERSION_LINE = /^(\d+\.\d+\.\d+)\b/u;

/** The version in the npm package the command belongs to (`bundle/gemini.js` → `package.json`). */
function packageVersion(command: string, env: NodeJS.ProcessEnv): string | undefined {
  const path = which(command, env);
  if (!path) return undefined;
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(realpathSync(path)), '..', 'package.json'), 'utf8')) as { name?: string; version?: string };
    return pkg.name === '@google/gemini-cli' && typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Gemini CLI version of `command`. `gemini --version` loads the whole CLI and relaunches it
 * (over 10 s on a loaded machine, FINDINGS), so the package it was installed from is read first;
 * `--version` (without the relaunch) is the fallback for other installs.
 */
export async function geminiVersion(command: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return packageVersion(command, env) ?? (await cliVersion(command, { ...env, GEMINI_CLI_NO_RELAUNCH: 'true' }, VERSION_LINE));
}
