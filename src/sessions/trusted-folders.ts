/** Work folders the user trusted in an agent's own trust dialog, remembered across sessions (migration 011). */
import type { Db } from '../db/open.js';

export function isFolderTrusted(db: Db, path: string): boolean {
  return db.prepare('SELECT 1 FROM trusted_folders WHERE path = ?').get(path) !== undefined;
}

export function rememberTrustedFolder(db: Db, path: string, at: number): void {
  db.prepare('INSERT INTO trusted_folders (path, trusted_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING').run(path, at);
}
