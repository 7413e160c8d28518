import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Resolves a command name on PATH (or checks an absolute path, or one relative to `cwd`), like
 * `which`, without spawning.
 */
export function which(command: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : join(cwd, command)]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      /* not here; keep looking */
    }
  }
  return undefined;
}
