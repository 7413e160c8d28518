import type { Db } from './open.js';

/**
 * Claims or renews the lease `name` for `holder` for `ttlMs`. Returns true when `holder` holds it
 * afterwards. A lease whose holder stopped renewing expires, and the next caller takes it over.
 */
export function acquireLease(db: Db, name: string, holder: string, ttlMs: number, now = Date.now()): boolean {
  const claim = db.transaction(() => {
    const row = db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(name) as
      | { holder: string; expires_at: number }
      | undefined;
    if (row && row.holder !== holder && row.expires_at > now) return false;
    db.prepare(
      'INSERT INTO leases(name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at',
    ).run(name, holder, now + ttlMs);
    return true;
  });
  return claim.immediate();
}

/** Who holds the lease `name` now; undefined when nobody does or it expired. */
export function leaseHolder(db: Db, name: string, now = Date.now()): string | undefined {
  const row = db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(name) as { holder: string; expires_at: number } | undefined;
  return row && row.expires_at > now ? row.holder : undefined;
}

export function releaseLease(db: Db, name: string, holder: string): void {
  db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
}
