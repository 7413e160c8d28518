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

export function areaCounts(db: Db): Record<string, number> {
  const existing = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
  const counts: Record<string, number> = {};
  for (const { area, table } of AREA_TABLES) {
    if (!existing.has(table)) continue;
    counts[area] = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  return counts;
}
