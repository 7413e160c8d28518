import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { acquireLease, releaseLease } from '../db/lease.js';
import type { Db } from '../db/open.js';

/**
 * Lease holders name their host and process (`host:pid:random`), so a process that finds a lease
 * held by a process of this machine that no longer exists can take it at once instead of waiting
 * for it to expire: a runner killed with SIGKILL is replaced in one heartbeat, not one TTL.
 */
export function newHolder(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** False only when the holder is a process of this host that is gone; a remote holder counts as alive. */
export function holderAlive(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return true;
  if (Number(pid) === process.pid) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists but belongs to someone else (reused); only ESRCH proves it is gone.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Claims or renews a lease, first removing it when its holder's process is known to be dead. */
export function takeLease(db: Db, name: string, holder: string, ttlMs: number, now = Date.now()): boolean {
  const row = db.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(name) as { holder: string; expires_at: number } | undefined;
  if (row && row.holder !== holder && row.expires_at > now) {
    // Held by a live process: answer without taking the write lock (runners ask every heartbeat).
    if (holderAlive(row.holder)) return false;
    // releaseLease deletes only that holder's row, so a lease taken meanwhile by a live process stays.
    releaseLease(db, name, row.holder);
  }
  return acquireLease(db, name, holder, ttlMs, now);
}
