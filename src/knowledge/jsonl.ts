import { invalidInput } from '../errors.js';
import { findJsonSyntaxError } from '../util/json-syntax.js';
import type { Entity, Graph, Relation } from './types.js';

/**
 * The file format of the reference knowledge-graph MCP server (@modelcontextprotocol/server-memory):
 * one JSON object per line, entities first, then relations, lines joined by "\n" with no newline at
 * the end:
 *   {"type":"entity","name":"…","entityType":"…","observations":["…"]}
 *   {"type":"relation","from":"…","to":"…","relationType":"…"}
 * Keys are written in exactly this order so a file it wrote, imported and exported again, comes out
 * byte for byte the same.
 */
export function toJsonl(graph: Graph): string {
  return [
    ...graph.entities.map((e) => JSON.stringify({ type: 'entity', name: e.name, entityType: e.entityType, observations: e.observations })),
    ...graph.relations.map((r) => JSON.stringify({ type: 'relation', from: r.from, to: r.to, relationType: r.relationType })),
  ].join('\n');
}

export interface ParsedGraph {
  entities: (Entity & { line: number })[];
  relations: (Relation & { line: number })[];
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** Reads that format; blank lines are skipped, anything else that is not an entity or relation is an error naming its line. */
export function parseJsonl(text: string, field: string): ParsedGraph {
  const parsed: ParsedGraph = { entities: [], relations: [] };
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const fail = (why: string): never => {
      throw invalidInput(
        field,
        `line ${line}: ${why}`,
        'each line must be {"type":"entity","name","entityType","observations":[…]} or {"type":"relation","from","to","relationType"}',
      );
    };
    let item: Record<string, unknown>;
    try {
      item = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      // JSON.parse's message quotes the line; a file that is not JSONL could be anything, a key file included.
      const at = findJsonSyntaxError(raw);
      return fail(at ? `not valid JSON at column ${at.column}: ${at.problem}` : 'not valid JSON');
    }
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return fail('not a JSON object');
    if (item.type === 'entity') {
      const { name, entityType, observations } = item;
      if (!isString(name) || !isString(entityType)) return fail('an entity needs string "name" and "entityType"');
      if (!Array.isArray(observations) || !observations.every(isString)) return fail('"observations" must be an array of strings');
      parsed.entities.push({ name, entityType, observations, line });
    } else if (item.type === 'relation') {
      const { from, to, relationType } = item;
      if (!isString(from) || !isString(to) || !isString(relationType)) return fail('a relation needs string "from", "to" and "relationType"');
      parsed.relations.push({ from, to, relationType, line });
    } else {
      fail(`"type" must be "entity" or "relation"`);
    }
  });
  return parsed;
}
