import * as z from 'zod';
import { GRAPH_PAGE_MAX, SEARCH_MAX, exportJsonl, importJsonl, INLINE_EXPORT_MAX_BYTES, KG_LIMITS } from '../knowledge/index.js';
import { defineTool } from './define.js';
import { INPUT_LIMITS as L, str } from './schemas.js';

// validate.ts counts characters exactly (an emoji is one); a character takes at most two UTF-16 units,
// which is what the schema counts, so these caps only stop values that can never pass.
const kgName = str(KG_LIMITS.nameChars * 2);
const kgType = str(KG_LIMITS.typeChars * 2);
const kgObservation = str(KG_LIMITS.observationChars * 2);

// Argument shapes follow the reference knowledge-graph server (@modelcontextprotocol/server-memory),
// so prompts written for its create_entities, search_nodes, … work with the kg_* tools unchanged.
const entity = z.object({
  name: kgName.describe('The entity name, unique and case-sensitive, e.g. "Project Atlas"'),
  entityType: kgType.describe('What kind of thing it is, e.g. "project", "person", "service"'),
  observations: z.array(kgObservation).max(KG_LIMITS.batchItems).describe('Facts about the entity, one short sentence each'),
});
const relation = z.object({
  from: kgName.describe('Name of the entity the relation starts at'),
  to: kgName.describe('Name of the entity the relation ends at'),
  relationType: kgType.describe('The relation in active voice, e.g. "uses", "depends_on", "owns"'),
});
const graph = { entities: z.array(entity), relations: z.array(relation) };
const batch = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item).min(1).max(KG_LIMITS.batchItems).describe(`${what} (1-${KG_LIMITS.batchItems} per call)`);

const kgCreateEntities = defineTool({
  name: 'kg_create_entities',
  title: 'Create knowledge-graph entities',
  description:
    'Adds entities (things worth remembering: projects, people, services, decisions) with their observations to the shared knowledge graph. Idempotent: a name that already exists is reported in `existing` and left unchanged (add facts to it with kg_add_observations). Names are case-sensitive and matched exactly. All or nothing: any invalid item (empty name or type) fails the whole call and changes nothing.',
  input: z.object({ entities: batch(entity, 'Entities to create') }),
  output: z.object({ created: z.array(entity), existing: z.array(z.string()).describe('Names that already existed and were left as they are') }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async ({ app }, input) => app.knowledge.createEntities(input.entities),
});

const kgCreateRelations = defineTool({
  name: 'kg_create_relations',
  title: 'Relate knowledge-graph entities',
  description:
    'Adds directed, typed relations between existing entities, e.g. {from: "Project Atlas", to: "Postgres", relationType: "uses"}. Both ends must exist (create them first with kg_create_entities); a missing end fails the whole call and changes nothing. Idempotent: relations already present are reported in `existing`.',
  input: z.object({ relations: batch(relation, 'Relations to create') }),
  output: z.object({ created: z.array(relation), existing: z.array(relation) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async ({ app }, input) => app.knowledge.createRelations(input.relations),
});

const kgAddObservations = defineTool({
  name: 'kg_add_observations',
  title: 'Add facts to entities',
  description:
    'Appends observations (facts, one short sentence each, e.g. "migration 42 failed on 2026-11-02") to existing entities. Observations an entity already has are skipped and listed in alreadyPresent. A missing entity fails the whole call and changes nothing.',
  input: z.object({
    observations: batch(
      z.object({
        entityName: kgName.describe('The entity to add to (exact name)'),
        contents: z.array(kgObservation).min(1).max(KG_LIMITS.batchItems).describe('The observations to add'),
      }),
      'Observations per entity',
    ),
  }),
  output: z.object({
    results: z.array(z.object({ entityName: z.string(), addedObservations: z.array(z.string()), alreadyPresent: z.array(z.string()) })),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async ({ app }, input) => app.knowledge.addObservations(input.observations),
});

const kgDeleteEntities = defineTool({
  name: 'kg_delete_entities',
  title: 'Delete knowledge-graph entities',
  description: 'Deletes entities by exact name, with all their observations and every relation to or from them. Names not in the graph are listed in notFound.',
  input: z.object({ entityNames: batch(kgName, 'Names of the entities to delete') }),
  output: z.object({ deleted: z.array(z.string()), notFound: z.array(z.string()), relationsDeleted: z.number() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ app }, input) => app.knowledge.deleteEntities(input.entityNames),
});

const kgDeleteObservations = defineTool({
  name: 'kg_delete_observations',
  title: 'Delete facts from entities',
  description: 'Removes specific observations (exact text) from entities. Observations or entities that are not there are reported, not errors.',
  input: z.object({
    deletions: batch(
      z.object({
        entityName: kgName.describe('The entity to remove observations from'),
        observations: z.array(kgObservation).max(KG_LIMITS.batchItems).describe('The exact observation texts to remove'),
      }),
      'Deletions per entity',
    ),
  }),
  output: z.object({
    results: z.array(z.object({ entityName: z.string(), deleted: z.array(z.string()), notFound: z.array(z.string()) })),
    missingEntities: z.array(z.string()),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ app }, input) => app.knowledge.deleteObservations(input.deletions),
});

const kgDeleteRelations = defineTool({
  name: 'kg_delete_relations',
  title: 'Delete relations',
  description: 'Deletes relations given as {from, to, relationType} (all three must match exactly). Relations not in the graph are listed in notFound.',
  input: z.object({ relations: batch(relation, 'Relations to delete') }),
  output: z.object({ deleted: z.array(relation), notFound: z.array(relation) }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ app }, input) => app.knowledge.deleteRelations(input.relations),
});

const kgOpenNodes = defineTool({
  name: 'kg_open_nodes',
  title: 'Open entities by name',
  description:
    'Returns the named entities with all their observations, and every relation with at least one end among them (so you see how they connect to each other and to the rest of the graph). Names not in the graph are listed in notFound. Use kg_search first when you do not know the exact names.',
  input: z.object({ names: batch(kgName, 'Exact entity names') }),
  output: z.object({ ...graph, notFound: z.array(z.string()) }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['names'] },
  handler: async ({ app }, input) => app.knowledge.openNodes(input.names),
});

const summary = z.object({
  entities: z.number(),
  relations: z.number(),
  observations: z.number(),
  topEntityTypes: z.array(z.object({ entityType: z.string(), count: z.number() })),
  topRelationTypes: z.array(z.object({ relationType: z.string(), count: z.number() })),
});

const kgReadGraph = defineTool({
  name: 'kg_read_graph',
  title: 'Read the knowledge graph',
  description:
    'Reads the knowledge graph. Returns a summary (counts, most common entity and relation types) with the first page. mode "full" (default) also returns one page of entities with their observations, oldest first, and the relations that start at them; pass nextCursor back as cursor for the next page. mode "summary" returns only the summary: use it first on a graph you do not know, then kg_search or kg_open_nodes to read what matters.',
  input: z.object({
    mode: z.enum(['full', 'summary']).default('full').describe('"full": summary plus a page of the graph; "summary": counts and top types only'),
    limit: z.number().int().min(1).max(GRAPH_PAGE_MAX).default(100).describe(`Entities per page, 1-${GRAPH_PAGE_MAX}`),
    cursor: str(L.shortChars).optional().describe('nextCursor from the previous page'),
  }),
  output: z.object({
    summary: summary.optional().describe('With the first page (no cursor) and in mode "summary"'),
    entities: z.array(entity).optional(),
    relations: z.array(relation).optional(),
    nextCursor: z.string().optional().describe('Present when more entities follow'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ app }, input) => {
    const kg = app.knowledge;
    if (input.mode === 'summary') return { summary: kg.summary() };
    // The summary counts the whole graph: once per read (the first page), not once per page.
    const page = kg.readPage({ limit: input.limit, cursor: input.cursor });
    return input.cursor === undefined ? { summary: kg.summary(), ...page } : page;
  },
});

export const kgSearch = defineTool({
  name: 'kg_search',
  title: 'Search the knowledge graph',
  description: `Ranked full-text search over entity names, types and observations (best first). Every word of the query must appear somewhere in the entity, in any order ("migration failed" finds "failed while running migration 42"); words are matched by stem ("migrations" finds "migration"), and a word ending in * is a prefix ("migr*"). Filter by entityType; with an empty query and an entityType, lists that type. Entities whose name holds every word come first, then those with one observation holding them all, then those holding them spread out; a word without * also finds longer words it begins ("migr" finds "migration") after every whole-word match. detail "brief" (default) gives each entity's best-matching observation; "full" gives all its observations and relations.`,
  input: z.object({
    query: str(L.shortChars).describe('Words to find, e.g. "atlas postgres" or "migr* failed"'),
    entityType: kgType.optional().describe('Only entities of exactly this type'),
    detail: z.enum(['brief', 'full']).default('brief').describe('"brief": name, type and best-matching observation; "full": all observations and relations'),
    limit: z.number().int().min(1).max(SEARCH_MAX).default(10).describe(`Entities at most, 1-${SEARCH_MAX}`),
  }),
  output: z.object({
    results: z.array(
      z.object({
        name: z.string(),
        entityType: z.string(),
        score: z.number().describe('higher is better; whole part = how the words matched (6 name, 5 one observation, 4 spread; 3-1 the same as stems)'),
        observationCount: z.number(),
        bestObservation: z.string().nullable().optional().describe('brief: the observation that best matches the query (else the newest)'),
        observations: z.array(z.string()).optional().describe('full: every observation'),
        relations: z.array(relation).optional().describe('full: every relation to or from this entity'),
      }),
    ),
    hasMore: z.boolean().describe('More entities matched than limit'),
    note: z
      .string()
      .optional()
      .describe('Present when a broad query was bounded (only the newest matches ranked, or spread matches not looked for); says what to do'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: {
    positional: ['query'],
    aliases: ['recall'],
    render: ({ results, hasMore }) => {
      if (results.length === 0) return 'No matches.';
      const lines = results.flatMap((r) => {
        const head = `${r.name} (${r.entityType})`;
        if (r.observations) {
          return [head, ...r.observations.map((o) => `  - ${o}`), ...(r.relations ?? []).map((rel) => `  ${rel.from} -${rel.relationType}-> ${rel.to}`)];
        }
        return [r.bestObservation ? `${head}: ${r.bestObservation}` : head];
      });
      return hasMore ? [...lines, '(more matches: raise --limit or refine the query)'].join('\n') : lines.join('\n');
    },
  },
  handler: async ({ app }, input) => app.knowledge.search(input),
});

const kgImport = defineTool({
  name: 'kg_import',
  title: 'Import a knowledge graph',
  description:
    'Imports a graph in the JSONL format of the reference memory server (@modelcontextprotocol/server-memory, its memory.jsonl): give a file path or the text. Merges into the current graph in one transaction: new entities are created, existing ones receive the observations they lack, relations are added unless present. A malformed line or a relation to an entity that is in neither the file nor the graph fails the whole import (the error names the file and line, never quoting its content) unless skipDanglingRelations is set.',
  input: z.object({
    path: str(L.pathChars).optional().describe('Path of the .jsonl file to import'),
    jsonl: str(L.inlineJsonlChars)
      .optional()
      .describe(`The JSONL text itself, instead of a path (at most ${L.inlineJsonlChars} characters; use path for more)`),
    skipDanglingRelations: z.boolean().default(false).describe('Import the rest and list relations whose ends are missing, instead of failing'),
  }),
  output: z.object({
    source: z.string(),
    entitiesCreated: z.number(),
    entitiesMerged: z.number().describe('Existing entities that received new observations'),
    observationsAdded: z.number(),
    relationsCreated: z.number(),
    relationsExisting: z.number(),
    danglingRelationsSkipped: z.array(relation),
    typeConflicts: z
      .array(z.object({ name: z.string(), existingType: z.string(), importedType: z.string() }))
      .describe('Entities that exist with another type; the existing type was kept'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['path'] },
  handler: async ({ app }, input) => importJsonl(app.knowledge, input),
});

const kgExport = defineTool({
  name: 'kg_export',
  title: 'Export the knowledge graph',
  description: `Exports the whole graph in the reference memory server's JSONL format (entities, then relations, one per line), which that server and kg_import read. With path, writes the file (atomically; an existing file only with overwrite=true) and returns counts; without, returns the text inline if it is at most ${INLINE_EXPORT_MAX_BYTES} bytes.`,
  input: z.object({
    path: str(L.pathChars).optional().describe('File to write; omit to get the JSONL inline'),
    overwrite: z.boolean().default(false).describe('Replace the file at path if it exists (without it, an existing file is refused)'),
  }),
  output: z.object({
    entities: z.number(),
    relations: z.number(),
    bytes: z.number(),
    path: z.string().optional().describe('The file written'),
    jsonl: z.string().optional().describe('The graph as JSONL, when no path was given'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cli: {
    positional: ['path'],
    render: (out) => out.jsonl ?? `wrote ${out.entities} entities and ${out.relations} relations (${out.bytes} bytes) to ${out.path}`,
  },
  handler: async ({ app }, input) => exportJsonl(app.knowledge, input.path, { overwrite: input.overwrite }),
});

export const knowledgeTools = [
  kgCreateEntities,
  kgCreateRelations,
  kgAddObservations,
  kgDeleteEntities,
  kgDeleteObservations,
  kgDeleteRelations,
  kgOpenNodes,
  kgReadGraph,
  kgSearch,
  kgImport,
  kgExport,
];
