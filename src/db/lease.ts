import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from './open.js';

/**
 * Who holds a lease or claims a row: `host:pid:random`, one per holder. Naming the host and process lets
 * another process of this machine tell that the holder was killed (kill -9, a crash) and take over at
 * once instead of waiting for its lease or claim to expire.
 */
export function newHolder(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** The host and pid a holder names; undefined for a holder not made by newHolder(). */
export function holderProcess(holder: string): { host: string; pid: number } | undefined {
  const [host, pid] = holder.split(':');
  return host && pid && /^\d+$/.test(pid) ? { host, pid: Number(pid) } : undefined;
}

/**
 * True only when `holder` is a process of this host that no longer exists. A holder of another host, this
 * process, or a pid that exists but is not ours to signal (EPERM: reused) counts as alive.
 */
export function holderGone(holder: string): boolean {
  const p = holderProcess(holder);
  if (!p || p.host !== hostname() || p.pid === process.pid) return false;
  try {
    process.kill(p.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

type LeaseRow = { holder: string; expires_at: number };

/**
 * Claims or renews the lease `name` for `holder` for `ttlMs`; true when `holder` holds it afterwards. A
 * lease whose holder stopped renewing expires, and one whose holder's process is gone is taken at once.
 */
export function acquireLease(db: Db, name: string, holder: string, ttlMs: number, now = Date.now()): boolean {
  const row = db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(name) as LeaseRow | undefined;
  // Held by a live process: answer without taking the write lock (holders ask every heartbeat).
  if (row && row.holder !== holder && row.expires_at > now && !holderGone(row.holder)) return false;
  const claim = db.transaction(() => {
    const current = db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(name) as LeaseRow | undefined;
    // Re-read under the write lock: a live process may have taken it since.
    if (current && current.holder !== holder && current.expires_at > now && !holderGone(current.holder)) return false;
    db.prepare(
      'INSERT INTO leases(name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at',
    ).run(name, holder, now + ttlMs);
    return true;
  });
  return claim.immediate();
}

/** Who holds the lease `name` now; undefined when nobody does, it expired, or its holder's process is gone. */
export function leaseHolder(db: Db, name: string, now = Date.now()): string | undefined {
  const row = db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(name) as LeaseRow | undefined;
  return row && row.expires_at > now && !holderGone(row.holder) ? row.holder : undefined;
}

/** Whether any lease whose name starts with `prefix` is held now by a process not known to be gone (presence leases). */
export function anyLeaseHeld(db: Db, prefix: string, now = Date.now()): boolean {
  const rows = db.prepare('SELECT holder FROM leases WHERE substr(name, 1, ?) = ? AND expires_at > ?').all(prefix.length, prefix, now) as { holder: string }[];
  return rows.some((r) => !holderGone(r.holder));
}

export function releaseLease(db: Db, name: string, holder: string): void {
  db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
}
