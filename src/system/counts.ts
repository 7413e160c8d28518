import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';

/**
 * Row counts per area for `system_health`. Each area lists the table that holds its main records;
 * tables that do not exist yet (area not migrated) are skipped rather than failing health.
 */
const AREA_TABLES: { area: string; table: string }[] = [
  { area: 'sessions', table: 'sessions' },
  { area: 'pipelines', table: 'pipelines' },
  { area: 'memory', table: 'memory_entries' },
  { area: 'knowledge', table: 'kg_entities' },
  { area: 'messages', table: 'messages' },
];

interface Cached {
  /** What the database looked like when `counts` were taken: any write since changes it. */
  stamp: string;
  counts: Record<string, number>;
  stampQuery: Statement;
}

const cache = new WeakMap<Db, Cached>();

/**
 * Counting scans whole tables (50k knowledge entities take milliseconds), and health is meant to be
 * called first and often: the counts are kept until the database changes. `data_version` moves when
 * another connection (another ag process) commits, `total_changes()` when this one writes, so a
 * cached figure is never stale and an idle database is not recounted.
 */
export function areaCounts(db: Db): Record<string, number> {
  let entry = cache.get(db);
  const stampQuery = entry?.stampQuery ?? db.prepare('SELECT total_changes() AS own, (SELECT data_version FROM pragma_data_version) AS others');
  const { own, others } = stampQuery.get() as { own: number; others: number };
  const stamp = `${own}/${others}`;
  if (entry?.stamp === stamp) return { ...entry.counts };
  entry = { stamp, counts: countRows(db), stampQuery };
  cache.set(db, entry);
  return { ...entry.counts };
}

function countRows(db: Db): Record<string, number> {
  const existing = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
  const counts: Record<string, number> = {};
  for (const { area, table } of AREA_TABLES) {
    if (!existing.has(table)) continue;
    counts[area] = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  return counts;
}
