import type { Migration } from './index.js';

/**
 * Knowledge graph: entities, their observations (kept in insertion order by id) and typed relations.
 * Deleting an entity cascades to its observations and relations.
 *
 * Two FTS5 indexes, both stemmed (porter) and accent-folded:
 * - kg_entity_fts: ONE document per entity (name, type, and all observations joined by the record
 *   separator U+001E), so a multi-word query matches an entity when every word appears anywhere in
 *   it, and bm25 ranks entities (name weighted above type above observations). The knowledge service
 *   rewrites an entity's document in the same transaction as any change to it (a per-observation
 *   trigger would rewrite it once per observation). The text is stored so highlight() can mark it.
 *   No prefix indexes: they doubled the cost of loading and did not make "mig*" queries faster.
 * - kg_fact_fts: one document per FACT: each observation with its entity's name and type (rowid =
 *   observation id), plus one name-and-type document per entity (rowid = -entity id). "One fact holds
 *   every word" is then a single MATCH: search puts such entities first. Contentless, kept by triggers
 *   (an entity's name and type never change).
 */
export const knowledge: Migration = {
  version: 5,
  name: 'knowledge',
  sql: `
    CREATE TABLE kg_entities (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      entity_type TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX kg_entities_by_type ON kg_entities(entity_type);

    CREATE TABLE kg_observations (
      id INTEGER PRIMARY KEY,
      entity_id INTEGER NOT NULL REFERENCES kg_entities(id) ON DELETE CASCADE,
      content TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX kg_observations_by_entity ON kg_observations(entity_id);

    CREATE TABLE kg_relations (
      id INTEGER PRIMARY KEY,
      from_id INTEGER NOT NULL REFERENCES kg_entities(id) ON DELETE CASCADE,
      to_id INTEGER NOT NULL REFERENCES kg_entities(id) ON DELETE CASCADE,
      relation_type TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      UNIQUE (from_id, to_id, relation_type)
    );
    CREATE INDEX kg_relations_by_to ON kg_relations(to_id);

    CREATE VIRTUAL TABLE kg_entity_fts USING fts5(
      name, entity_type, observations,
      tokenize = 'porter unicode61 remove_diacritics 2'
    );
    INSERT INTO kg_entity_fts(kg_entity_fts, rank) VALUES ('rank', 'bm25(10.0, 3.0, 1.0)');

    CREATE VIRTUAL TABLE kg_fact_fts USING fts5(
      name, entity_type, content,
      content = '', contentless_delete = 1,
      tokenize = 'porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER kg_entities_fact_ai AFTER INSERT ON kg_entities BEGIN
      INSERT INTO kg_fact_fts(rowid, name, entity_type, content) VALUES (-new.id, new.name, new.entity_type, '');
    END;
    CREATE TRIGGER kg_entities_fact_ad AFTER DELETE ON kg_entities BEGIN
      DELETE FROM kg_fact_fts WHERE rowid = -old.id;
    END;
    CREATE TRIGGER kg_observations_fact_ai AFTER INSERT ON kg_observations BEGIN
      INSERT INTO kg_fact_fts(rowid, name, entity_type, content)
        SELECT new.id, e.name, e.entity_type, new.content FROM kg_entities e WHERE e.id = new.entity_id;
    END;
    CREATE TRIGGER kg_observations_fact_ad AFTER DELETE ON kg_observations BEGIN
      DELETE FROM kg_fact_fts WHERE rowid = old.id;
    END;
  `,
};
