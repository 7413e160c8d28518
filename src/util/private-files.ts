import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

/**
 * Everything under AEGIS_HOME is its owner's alone: the database holds pipelines' env, chat traffic and
 * prompts, a session's folder its hook log (every prompt). Modes are given where each is created,
 * never through the process umask, which the tmux server and so every agent would inherit.
 */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** Creates `dir` and any missing parent as 0700 (an existing folder is left as it is). */
export function mkdirPrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
}

/** Creates `file` empty as 0600 if it is missing, and makes it 0600 if an older Aegis left it open to others. */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE));
  tighten(file, PRIVATE_FILE);
}

/**
 * Takes group and other access off an existing file or folder (made by an older Aegis). A missing one,
 * or another user's, is left alone: using it gives the error that matters.
 */
export function tighten(path: string, mode: number): void {
  try {
    if (statSync(path).mode & 0o077) chmodSync(path, mode);
  } catch {
    /* missing, or not ours to change */
  }
}
