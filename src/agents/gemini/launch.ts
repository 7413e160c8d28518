import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdirPrivate, PRIVATE_FILE } from '../../util/private-files.js';

/**
 * A private Gemini CLI home per session (fixtures/gemini-cli-0.61.0/FINDINGS.md "Running it
 * offline"): GEMINI_CLI_HOME moves the CLI's `~/.gemini` (settings, trusted folders, chats, logs)
 * without changing the HOME its tools see. The user's ~/.gemini is never read or changed, and the
 * API key never enters a file: the CLI reads it from GEMINI_API_KEY.
 */
export interface GeminiHomeOptions {
  dataDir: string;
  workDir: string;
  /**
   * Listed in trustedFolders.json: the CLI then loads the folder's own `.gemini/settings.json` (MCP
   * server commands, hooks), commands and skills. Untrusted, it asks first (screens/trust-dialog.txt).
   */
  workDirTrusted: boolean;
}

/** The settings every session gets: API-key auth, and nothing that calls home (updates, statistics, telemetry). */
const SETTINGS = {
  security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: true } },
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
};

/** The CLI's record of trust answers in a session's home: written by Aegis when launched trusted, else by the CLI once its dialog is answered. */
export const trustedFoldersFile = (home: string): string => join(home, '.gemini', 'trustedFolders.json');

/** Writes the session's Gemini CLI home (settings, and the work folder's trust when given) and returns it. */
export function writeGeminiHome(o: GeminiHomeOptions): string {
  const home = join(o.dataDir, 'gemini-home');
  const dir = join(home, '.gemini');
  mkdirPrivate(dir);
  writeFileSync(join(dir, 'settings.json'), `${JSON.stringify(SETTINGS, null, 2)}\n`, { mode: PRIVATE_FILE });
  if (o.workDirTrusted) writeFileSync(trustedFoldersFile(home), `${JSON.stringify({ [o.workDir]: 'TRUST_FOLDER' }, null, 2)}\n`, { mode: PRIVATE_FILE });
  return home;
}

/** Gemini CLI's approval mode (`--approval-mode`) for each permission mode Aegis knows. */
export const APPROVAL_MODE: Record<string, string> = {
  default: 'default',
  acceptEdits: 'auto_edit',
  plan: 'plan',
  bypassPermissions: 'yolo',
};

/** Launched untrusted, the CLI asks about the folder (folder trust is on in every session's settings) and records the answer in its home. */
export const trustUnanswered = (home: string): boolean => !existsSync(trustedFoldersFile(home));
