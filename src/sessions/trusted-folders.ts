/** Work folders the user trusted in an agent's own trust dialog, remembered across sessions (migration 011). */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Db } from '../db/open.js';
import { invalidInput, notFound } from '../errors.js';

export interface TrustedFolder {
  path: string;
  /** When it was trusted (ms since the epoch). */
  trustedAt: number;
}

export function isFolderTrusted(db: Db, path: string): boolean {
  return db.prepare('SELECT 1 FROM trusted_folders WHERE path = ?').get(path) !== undefined;
}

export function rememberTrustedFolder(db: Db, path: string, at: number): void {
  db.prepare('INSERT INTO trusted_folders (path, trusted_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING').run(path, at);
}

export function listTrustedFolders(db: Db): TrustedFolder[] {
  return db.prepare('SELECT path, trusted_at AS trustedAt FROM trusted_folders ORDER BY path').all() as TrustedFolder[];
}

/**
 * Forgets a folder the user trusted, so the next Codex or Gemini session there asks again; returns the
 * path as remembered. Sessions record the physical path, so a symlink to it names it too; a folder
 * since deleted is named as listed.
 */
export function forgetTrustedFolder(db: Db, folder: string): string {
  if (!isAbsolute(folder))
    throw invalidInput('folder', `folder "${folder}" is a relative path`, 'name it as `ag trust list` shows it (an absolute path), e.g. "$PWD"');
  const given = resolve(folder);
  const candidates = [given, physicalPath(given)].filter((p) => p !== undefined);
  const forget = db.prepare('DELETE FROM trusted_folders WHERE path = ?');
  const forgotten = candidates.find((p) => forget.run(p).changes > 0);
  if (!forgotten) throw notFound(`folder ${given} is not one Aegis remembers as trusted`, '`ag trust list` shows the folders it remembers', 'folder');
  return forgotten;
}

function physicalPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
