/**
 * Observations added by one knowledge-graph write call, collected and inserted in bulk: the write
 * path of graph.ts that keeps large loads fast (one statement per chunk instead of one per row).
 */
import { asStored, type Statements } from './read.js';
import type { Entity } from './types.js';

/** Observations a flush binds as one JSON parameter: bounds the text one statement holds. */
const OBSERVATIONS_PER_STATEMENT = 10_000;

/** The items in first-seen order without repeats. */
export const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

/**
 * The observations one write call adds, inserted together by flush() in one statement per chunk
 * (see insertEntities for why), in the order they were added; triggers index them. It knows what
 * each touched entity holds, including what this call added, so an observation repeated in the call
 * is added once.
 */
export class ObservationBatch {
  /** Rows to insert, the text as stored (asStored). */
  private readonly rows: [entityId: number, content: string][] = [];
  /** What each touched entity holds, as stored (asStored). */
  private readonly held = new Map<number, Set<string>>();
  /** Existing entities that gain observations: their updated_at moves. */
  private readonly touched = new Set<number>();

  constructor(
    private readonly sql: Statements,
    readonly now: number,
  ) {}

  /** A just-created entity's observations, without repeats. */
  addToNew(id: number, e: Entity): Entity {
    const observations = unique(e.observations);
    const stored = observations.map(asStored);
    this.held.set(id, new Set(stored));
    for (const o of stored) this.rows.push([id, o]);
    return { name: e.name, entityType: e.entityType, observations };
  }

  /** The observations an existing entity lacks, in order. */
  addToExisting(id: number, contents: readonly string[]): { added: string[]; alreadyPresent: string[] } {
    let have = this.held.get(id);
    if (!have) {
      have = new Set(this.sql.get('SELECT content FROM kg_observations WHERE entity_id = ?').pluck().all(id) as string[]);
      this.held.set(id, have);
    }
    const added: string[] = [];
    const alreadyPresent: string[] = [];
    for (const text of contents) {
      const stored = asStored(text);
      if (have.has(stored)) {
        alreadyPresent.push(text);
        continue;
      }
      have.add(stored);
      this.rows.push([id, stored]);
      added.push(text);
    }
    if (added.length) this.touched.add(id);
    return { added, alreadyPresent };
  }

  flush(): void {
    const insert = this.sql.get(
      'INSERT INTO kg_observations(entity_id, content, created_at) SELECT value ->> 0, value ->> 1, @now FROM json_each(@rows) ORDER BY key',
    );
    for (let i = 0; i < this.rows.length; i += OBSERVATIONS_PER_STATEMENT) {
      insert.run({ now: this.now, rows: JSON.stringify(this.rows.slice(i, i + OBSERVATIONS_PER_STATEMENT)) });
    }
    if (this.touched.size) {
      this.sql
        .get('UPDATE kg_entities SET updated_at = @now WHERE id IN (SELECT value FROM json_each(@ids))')
        .run({ now: this.now, ids: JSON.stringify([...this.touched]) });
    }
    this.rows.length = 0;
    this.touched.clear();
  }
}
