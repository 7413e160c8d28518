import type { Migration } from './index.js';

/**
 * Knowledge search without a second copy of the text (the database was about 3x the JSONL it holds,
 * because kg_entity_fts stored every observation again). Replaces both FTS5 tables of migration 5
 * with two external-content indexes over the tables that already hold the text:
 * - kg_observation_fts: one document per observation (rowid = observation id), detail=none: search
 *   needs "this observation holds these words" and bm25, never positions, and positions were most
 *   of the index. So "every word in one observation" is a single MATCH, ranked inside SQLite.
 *   columnsize=0 on both: bm25 counts a document's words from the table when it ranks it (search
 *   ranks a bounded number), instead of a table of sizes that cost 5 % of the database.
 * - kg_entity_name_fts: one document per entity, its name and type (rowid = entity id), bm25 weighs
 *   the name above the type.
 * Triggers keep both in step with every insert, update and delete, including the deletes that
 * ON DELETE CASCADE makes, so no writer can forget them. Existing rows are indexed by 'rebuild'.
 * Same tokenizer as before: porter stems, unicode61 words, accents folded.
 */
export const knowledgeLeanSearch: Migration = {
  version: 8,
  name: 'knowledge-lean-search',
  sql: `
    DROP TRIGGER IF EXISTS kg_entities_fact_ai;
    DROP TRIGGER IF EXISTS kg_entities_fact_ad;
    DROP TRIGGER IF EXISTS kg_observations_fact_ai;
    DROP TRIGGER IF EXISTS kg_observations_fact_ad;
    DROP TABLE IF EXISTS kg_fact_fts;
    DROP TABLE IF EXISTS kg_entity_fts;

    CREATE VIRTUAL TABLE kg_observation_fts USING fts5(
      content,
      content = 'kg_observations', content_rowid = 'id', detail = none, columnsize = 0,
      tokenize = 'porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER kg_observations_fts_ai AFTER INSERT ON kg_observations BEGIN
      INSERT INTO kg_observation_fts(rowid, content) VALUES (new.id, new.content);
    END;
    CREATE TRIGGER kg_observations_fts_ad AFTER DELETE ON kg_observations BEGIN
      INSERT INTO kg_observation_fts(kg_observation_fts, rowid, content) VALUES ('delete', old.id, old.content);
    END;
    CREATE TRIGGER kg_observations_fts_au AFTER UPDATE OF content ON kg_observations BEGIN
      INSERT INTO kg_observation_fts(kg_observation_fts, rowid, content) VALUES ('delete', old.id, old.content);
      INSERT INTO kg_observation_fts(rowid, content) VALUES (new.id, new.content);
    END;

    CREATE VIRTUAL TABLE kg_entity_name_fts USING fts5(
      name, entity_type,
      content = 'kg_entities', content_rowid = 'id', detail = column, columnsize = 0,
      tokenize = 'porter unicode61 remove_diacritics 2'
    );
    INSERT INTO kg_entity_name_fts(kg_entity_name_fts, rank) VALUES ('rank', 'bm25(10.0, 3.0)');
    CREATE TRIGGER kg_entities_fts_ai AFTER INSERT ON kg_entities BEGIN
      INSERT INTO kg_entity_name_fts(rowid, name, entity_type) VALUES (new.id, new.name, new.entity_type);
    END;
    CREATE TRIGGER kg_entities_fts_ad AFTER DELETE ON kg_entities BEGIN
      INSERT INTO kg_entity_name_fts(kg_entity_name_fts, rowid, name, entity_type) VALUES ('delete', old.id, old.name, old.entity_type);
    END;
    CREATE TRIGGER kg_entities_fts_au AFTER UPDATE OF name, entity_type ON kg_entities BEGIN
      INSERT INTO kg_entity_name_fts(kg_entity_name_fts, rowid, name, entity_type) VALUES ('delete', old.id, old.name, old.entity_type);
      INSERT INTO kg_entity_name_fts(rowid, name, entity_type) VALUES (new.id, new.name, new.entity_type);
    END;

    INSERT INTO kg_observation_fts(kg_observation_fts) VALUES ('rebuild');
    INSERT INTO kg_entity_name_fts(kg_entity_name_fts) VALUES ('rebuild');
  `,
};
