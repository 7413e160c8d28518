import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../util/package-root.js';
import { ensurePrivateFile, mkdirPrivate, PRIVATE_FILE } from '../../util/private-files.js';

/** Claude Code hook events Aegis listens to (FINDINGS §6). */
export const CLAUDE_HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'PostToolUseFailure',
  'Notification',
  'Stop',
  'SessionEnd',
] as const;

/** Quotes one word for POSIX sh: Claude Code runs hook commands through a shell. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Writes the per-session settings file passed with `--settings`: command hooks for every event we
 * observe, each appending its payload to `hooksFile`. It layers on top of the user's own settings,
 * which Aegis never edits.
 */
export function writeClaudeSettings(dir: string, hooksFile: string): string {
  mkdirPrivate(dir);
  const command = [process.execPath, join(PACKAGE_ROOT, 'bin', 'aegis-hook'), hooksFile].map(shQuote).join(' ');
  const entry = [{ matcher: '*', hooks: [{ type: 'command', command, timeout: 10 }] }];
  const settings = { hooks: Object.fromEntries(CLAUDE_HOOK_EVENTS.map((e) => [e, entry])) };
  const file = join(dir, 'claude-settings.json');
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: PRIVATE_FILE });
  ensurePrivateFile(hooksFile);
  return file;
}
