import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unicodeNameChanges } from '../../src/db/migrations/012-unicode-names.js';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { openDatabase, type Db } from '../../src/db/open.js';
import { KnowledgeGraph } from '../../src/knowledge/graph.js';
import { checkKey, MEMORY_LIMITS, MemoryStore } from '../../src/memory/store.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aegis-unicode-names-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const composed = 'Caf\u00e9 Nord';
const decomposed = 'Cafe\u0301 Nord';

/** A database as Aegis left it before names had one Unicode form, written the way its code wrote. */
function oldDatabase(file: string, write: (db: Db) => void): void {
  const old = openDatabase(
    file,
    MIGRATIONS.filter((m) => m.version < 12),
  );
  write(old);
  old.close();
}

const setMemory = (db: Db, scope: string, key: string, value: string, at: number) =>
  db.prepare("INSERT INTO memory_entries(scope, key, kind, value, created_at, updated_at) VALUES (?, ?, 'string', ?, ?, ?)").run(scope, key, value, at, at);
const addEntity = (db: Db, name: string, type: string, observations: string[], at: number): number => {
  const id = Number(
    db.prepare('INSERT INTO kg_entities(name, entity_type, created_at, updated_at) VALUES (?, ?, ?, ?)').run(name, type, at, at).lastInsertRowid,
  );
  for (const o of observations) db.prepare('INSERT INTO kg_observations(entity_id, content, created_at) VALUES (?, ?, ?)').run(id, o, at);
  return id;
};
const relate = (db: Db, from: number, to: number, type: string) =>
  db.prepare('INSERT INTO kg_relations(from_id, to_id, relation_type, created_at) VALUES (?, ?, ?, 1)').run(from, to, type);

describe('migration 12: keys and names in one Unicode form', () => {
  it('changes nothing, and reports nothing, in a database whose names are already in that form', () => {
    const file = join(dir, 'aegis.db');
    oldDatabase(file, (db) => {
      setMemory(db, 'global', 'notes/caf\u00e9', 'v', 1000);
      addEntity(db, composed, 'cafe', ['x'], 1000);
    });
    const db = openDatabase(file);
    try {
      expect(db.prepare('SELECT key FROM memory_entries').pluck().all()).toEqual(['notes/caf\u00e9']);
      expect(db.prepare('SELECT name FROM kg_entities').pluck().all()).toEqual([composed]);
      expect(unicodeNameChanges(db)).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('keeps both memory entries that become one key: the last written under the key, the other beside it', () => {
    const file = join(dir, 'aegis.db');
    oldDatabase(file, (db) => {
      setMemory(db, 'global', 'notes/caf\u00e9', 'older, composed', 1000);
      setMemory(db, 'global', 'notes/cafe\u0301', 'newer, cre\u0300me', 2000);
      setMemory(db, 'project:/home/me/cafe\u0301', 'deploy/url', 'https://a', 1500);
      setMemory(db, 'global', 'notes/plain', 'untouched', 1000);
    });
    const db = openDatabase(file);
    try {
      const memory = new MemoryStore(db, () => 3000);
      expect(memory.get('notes/cafe\u0301')?.value).toBe('newer, cre\u0300me');
      const keys = memory.list({ prefix: 'notes/' }).entries.map((e) => e.key);
      expect(keys).toHaveLength(3);
      const aside = keys.find((k) => k.startsWith('notes/caf\u00e9.unicode-duplicate-'))!;
      expect(memory.get(aside)?.value).toBe('older, composed');
      expect(memory.get('deploy/url', 'project:/home/me/caf\u00e9')?.value).toBe('https://a');
      expect(memory.search({ query: 'older' }).map((h) => h.key)).toEqual([aside]);
      const notes = db.prepare('SELECT detail FROM unicode_name_changes').pluck().all() as string[];
      expect(notes).toEqual([`memory global "notes/caf\u00e9": an older entry written as "notes/caf\u00e9" is kept as "${aside}"`]);
      // `ag doctor` shows them under the database.
      expect(unicodeNameChanges(db)).toBe(`migration 12 (one Unicode form for keys and names) changed 1:\n  ${notes[0]}`);
    } finally {
      db.close();
    }
  });

  it('moves an entry aside under a key within the length limit, still unique, that the memory tools read, write and delete', () => {
    const file = join(dir, 'aegis.db');
    const limit = MEMORY_LIMITS.keyChars;
    // Keys of the longest length allowed, differing only in their last character's Unicode form; and one whose
    // namespace alone takes nearly all of it, so the cut that makes room for the suffix falls before its '/'.
    const long = `notes/${'x'.repeat(limit - 7)}`;
    const wideNamespace = `${'n'.repeat(limit - 3)}/k`;
    oldDatabase(file, (db) => {
      setMemory(db, 'global', `${long}\u00e9`, 'older', 1000);
      setMemory(db, 'global', `${long}e\u0301`, 'newer', 2000);
      // The key the first move-aside would take when it holds only the head of a key: already taken.
      setMemory(db, 'global', `${long.slice(0, limit - '.unicode-duplicate-1'.length)}.unicode-duplicate-1`, 'in the way', 500);
      setMemory(db, 'global', `${wideNamespace}\u00e9`, 'older, wide', 1000);
      setMemory(db, 'global', `${wideNamespace}e\u0301`, 'newer, wide', 2000);
    });
    const db = openDatabase(file);
    try {
      const memory = new MemoryStore(db, () => 3000);
      expect(memory.get(`${long}e\u0301`)?.value).toBe('newer');
      expect(memory.get(`${wideNamespace}e\u0301`)?.value).toBe('newer, wide');
      const keys = db.prepare('SELECT key FROM memory_entries').pluck().all() as string[];
      expect(new Set(keys).size).toBe(5);
      const asides = db.prepare("SELECT key FROM memory_entries WHERE value LIKE 'older%'").pluck().all() as string[];
      expect(asides).toHaveLength(2);
      for (const aside of asides) {
        expect([...aside].length).toBeLessThanOrEqual(limit);
        expect(checkKey(aside)).toBe(aside);
        expect(memory.get(aside)?.value).toMatch(/^older/);
        memory.set({ key: aside, value: 'rewritten' });
        expect(memory.get(aside)?.value).toBe('rewritten');
        expect(memory.delete(aside)).toBe(true);
      }
      const notes = db.prepare('SELECT detail FROM unicode_name_changes').pluck().all() as string[];
      for (const aside of asides) expect(notes.some((n) => n.endsWith(`is kept as "${aside}"`))).toBe(true);
    } finally {
      db.close();
    }
  });

  it('merges the newer of two entities that become one name into the older, losing no observation or relation', () => {
    const file = join(dir, 'aegis.db');
    const persian = '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645';
    const coder = '\u{1F469}\u200D\u{1F4BB} team';
    oldDatabase(file, (db) => {
      const older = addEntity(db, composed, 'cafe', ['opens at 7', 'shared fact'], 1000);
      const newer = addEntity(db, decomposed, 'place', ['cre\u0300me bru\u0302le\u0301e', 'shared fact'], 2000);
      const maria = addEntity(db, 'Maria', 'person', [], 1000);
      relate(db, maria, older, 'owns');
      relate(db, maria, newer, 'owns');
      relate(db, newer, maria, 'employs');
      relate(db, maria, newer, 'likes\u200b');
      addEntity(db, 'Line\u2028Break', 'note', ['kept'], 1000);
      // Format characters that shape what is seen stay: a Persian word's non-joiner, a ZWJ emoji.
      addEntity(db, persian, 'word', [], 1000);
      addEntity(db, coder, 'label', [], 1000);
    });
    const db = openDatabase(file);
    try {
      const kg = new KnowledgeGraph(db);
      const opened = kg.openNodes([decomposed]);
      expect(opened.entities).toEqual([{ name: composed, entityType: 'cafe', observations: ['opens at 7', 'shared fact', 'cre\u0300me bru\u0302le\u0301e'] }]);
      expect(opened.relations).toEqual([
        { from: 'Maria', to: composed, relationType: 'owns' },
        { from: composed, to: 'Maria', relationType: 'employs' },
        { from: 'Maria', to: composed, relationType: 'likes' },
      ]);
      expect(kg.openNodes(['Line Break']).entities[0]!.observations).toEqual(['kept']);
      expect(kg.openNodes([persian, coder]).notFound).toEqual([]);
      expect(kg.summary()).toMatchObject({ entities: 5, relations: 3, observations: 4 });
      expect(kg.search({ query: 'creme' }).results.map((r) => r.name)).toEqual([composed]);
      const notes = db.prepare('SELECT detail FROM unicode_name_changes').pluck().all() as string[];
      expect(notes).toEqual([
        `knowledge graph: entity "${decomposed}" merged into "${composed}" (its type "place" dropped for "cafe")`,
        'knowledge graph: entity "Line\u2028Break" renamed "Line Break" (invisible characters taken out)',
      ]);
      for (const t of ['kg_observation_fts', 'kg_entity_name_fts']) db.prepare(`INSERT INTO ${t}(${t}, rank) VALUES ('integrity-check', 1)`).run();
    } finally {
      db.close();
    }
  });
});
