import type { CursorStore } from '../../channels/types.js';
import type { Db } from '../../db/open.js';

/** Poll cursors and once-a-day markers, kept in SQLite so a restart resumes where it stopped. */
export class DbCursors implements CursorStore {
  constructor(private readonly db: Db) {}

  get(name: string): string | undefined {
    return (this.db.prepare('SELECT value FROM messaging_cursors WHERE name = ?').get(name) as { value: string } | undefined)?.value;
  }

  set(name: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO messaging_cursors(name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(name, value, Date.now());
  }

  /** Sets `name` to `value` unless it already holds it; true for the one caller that changed it. */
  claim(name: string, value: string): boolean {
    return this.db
      .transaction(() => {
        if (this.get(name) === value) return false;
        this.set(name, value);
        return true;
      })
      .immediate();
  }
}
