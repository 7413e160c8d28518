import type Database from 'better-sqlite3';
import { canonicalName, MEMORY_KEY_CHARS, visibleName } from '../../util/names.js';
import type { Migration } from './index.js';

/**
 * Memory keys and scopes, and knowledge-graph names and types, in the one form they are now compared
 * in (canonicalName: NFC; graph labels also lose the invisible characters checkVisible now refuses,
 * see visibleName). Values and observations are left byte for byte. Where two rows become one name,
 * neither is lost, and each such change is recorded in unicode_name_changes, which `ag doctor` shows:
 * - two memory entries (same scope): the one written last keeps the key, as if the later write had
 *   overwritten the earlier; the other stays, under `<key>.unicode-duplicate-<n>` (see asideKey), for
 *   the user to read and delete.
 * - two entities: the newer is merged into the older, as adding the same facts to one entity would
 *   have done: its observations (an identical one once) and relations move over; the older's type
 *   stays (a different type is recorded).
 * - two relations: they were the same relation; one is kept.
 */
export const unicodeNames: Migration = {
  version: 12,
  name: 'unicode-names',
  sql: `
    CREATE TABLE unicode_name_changes (
      id INTEGER PRIMARY KEY,
      detail TEXT NOT NULL,
      changed_at INTEGER NOT NULL
    );
  `,
  run: (db) => {
    const notes: string[] = [];
    normaliseMemory(db, notes);
    normaliseGraph(db, notes);
    const record = db.prepare('INSERT INTO unicode_name_changes(detail, changed_at) VALUES (?, ?)');
    for (const note of notes) record.run(note, Date.now());
  },
};

/** Rows grouped by the name they now have, keeping only the groups where something changes. */
function groupsToChange<T extends { id: number }>(rows: T[], target: (row: T) => string, current: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const name = target(row);
    groups.set(name, [...(groups.get(name) ?? []), row]);
  }
  for (const [name, group] of groups) if (group.length === 1 && current(group[0]!) === name) groups.delete(name);
  return groups;
}

interface MemoryRow {
  id: number;
  scope: string;
  key: string;
  updated_at: number;
}

function normaliseMemory(db: Database.Database, notes: string[]): void {
  const rows = db.prepare('SELECT id, scope, key, updated_at FROM memory_entries ORDER BY id').all() as MemoryRow[];
  const slot = (scope: string, key: string) => JSON.stringify([scope, key]);
  const groups = groupsToChange(
    rows,
    (r) => slot(canonicalName(r.scope), canonicalName(r.key)),
    (r) => slot(r.scope, r.key),
  );
  const taken = new Set(rows.map((r) => slot(r.scope, r.key)));
  const move = db.prepare('UPDATE memory_entries SET scope = ?, key = ? WHERE id = ?');
  for (const [target, group] of groups) {
    const [scope, key] = JSON.parse(target) as [string, string];
    // The last written first; ties by the later row.
    const [kept, ...older] = [...group].sort((a, b) => b.updated_at - a.updated_at || b.id - a.id);
    // Moved aside first, so the kept entry's key is free when it takes it.
    for (const row of older) {
      const aside = asideKey(key, row.id, (k) => taken.has(slot(scope, k)));
      taken.add(slot(scope, aside));
      move.run(scope, aside, row.id);
      notes.push(`memory ${scope} "${key}": an older entry written as "${row.key}" is kept as "${aside}"`);
    }
    move.run(scope, key, kept!.id);
  }
}

/**
 * The key an entry moved aside from `key` takes: `<key>.unicode-duplicate-<id>`, with `-1` added until
 * no entry has it. It must stay a key the memory tools accept, or the entry could be neither read nor
 * deleted: within MEMORY_KEY_CHARS (the head of `key` is cut to make room) and of the form
 * namespace/key (when the cut takes the first '/', one is put back before the suffix).
 */
function asideKey(key: string, id: number, taken: (key: string) => boolean): string {
  const chars = [...key];
  for (let suffix = `.unicode-duplicate-${id}`; ; suffix += '-1') {
    const room = MEMORY_KEY_CHARS - suffix.length;
    let head = chars.slice(0, room).join('');
    if (!head.includes('/')) head = `${chars.slice(0, room - 1).join('')}/`;
    // A cut NFC key followed by '.' is NFC; normalised all the same, as every stored key must be.
    const aside = canonicalName(head + suffix);
    if (!taken(aside)) return aside;
  }
}

interface EntityRow {
  id: number;
  name: string;
  entity_type: string;
}

/** A graph label as checkLabel now takes it, or the old one NFC when nothing visible would be left. */
const graphLabel = (label: string): string => visibleName(label) || canonicalName(label);

function normaliseGraph(db: Database.Database, notes: string[]): void {
  const entities = db.prepare('SELECT id, name, entity_type FROM kg_entities ORDER BY id').all() as EntityRow[];
  const groups = groupsToChange(
    entities,
    (e) => graphLabel(e.name),
    (e) => e.name,
  );
  for (const [name, group] of groups) {
    const [kept, ...newer] = group;
    for (const e of newer) {
      mergeEntity(db, e.id, kept!.id);
      const type = e.entity_type === kept!.entity_type ? '' : ` (its type "${e.entity_type}" dropped for "${kept!.entity_type}")`;
      notes.push(`knowledge graph: entity "${e.name}" merged into "${name}"${type}`);
    }
    db.prepare('UPDATE kg_entities SET name = ? WHERE id = ?').run(name, kept!.id);
    if (canonicalName(kept!.name) !== name) notes.push(`knowledge graph: entity "${kept!.name}" renamed "${name}" (invisible characters taken out)`);
  }
  const setType = db.prepare('UPDATE kg_entities SET entity_type = ? WHERE id = ?');
  for (const e of db.prepare('SELECT id, entity_type FROM kg_entities').all() as Omit<EntityRow, 'name'>[]) {
    const type = graphLabel(e.entity_type);
    if (type !== e.entity_type) setType.run(type, e.id);
  }
  const relations = db.prepare('SELECT id, relation_type FROM kg_relations ORDER BY id').all() as { id: number; relation_type: string }[];
  const retype = db.prepare('UPDATE OR IGNORE kg_relations SET relation_type = ? WHERE id = ?');
  const drop = db.prepare('DELETE FROM kg_relations WHERE id = ?');
  for (const r of relations) {
    const type = graphLabel(r.relation_type);
    if (type === r.relation_type || retype.run(type, r.id).changes > 0) continue;
    // The same relation with the type in its stored form exists already.
    drop.run(r.id);
    notes.push(`knowledge graph: a relation of type "${r.relation_type}" duplicated one of type "${type}"; one is kept`);
  }
}

/** Moves an entity's observations (those it does not share) and relations to `into`, then deletes it. */
function mergeEntity(db: Database.Database, from: number, into: number): void {
  db.prepare(
    `UPDATE kg_observations SET entity_id = @into WHERE entity_id = @from
       AND content NOT IN (SELECT content FROM kg_observations WHERE entity_id = @into)`,
  ).run({ from, into });
  // A relation the kept entity already has stays behind and goes with the merged entity.
  db.prepare('UPDATE OR IGNORE kg_relations SET from_id = @into WHERE from_id = @from').run({ from, into });
  db.prepare('UPDATE OR IGNORE kg_relations SET to_id = @into WHERE to_id = @from').run({ from, into });
  db.prepare('UPDATE kg_entities SET updated_at = max(updated_at, (SELECT updated_at FROM kg_entities WHERE id = @from)) WHERE id = @into').run({ from, into });
  db.prepare('DELETE FROM kg_entities WHERE id = ?').run(from);
}

const SHOWN_CHANGES = 10;

/** What this migration changed, as `ag doctor` shows it under the database; undefined when nothing. */
export function unicodeNameChanges(db: Database.Database): string | undefined {
  const notes = db.prepare('SELECT detail FROM unicode_name_changes ORDER BY id').pluck().all() as string[];
  if (notes.length === 0) return undefined;
  const more = notes.length - SHOWN_CHANGES;
  return [
    `migration 12 (one Unicode form for keys and names) changed ${notes.length}:`,
    ...notes.slice(0, SHOWN_CHANGES).map((n) => `  ${n}`),
    ...(more > 0 ? [`  … and ${more} more (table unicode_name_changes)`] : []),
  ].join('\n');
}
