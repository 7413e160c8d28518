/**
 * What the knowledge graph's calls return, and the options of an import: the shapes the tools
 * hand back to callers, kept apart from the SQL that produces them (graph.ts).
 */
import type { Entity, Relation } from './types.js';

export interface CreateEntitiesResult {
  created: Entity[];
  /** Names that were already in the graph (or repeated in the call): left as they are. */
  existing: string[];
}

export interface CreateRelationsResult {
  created: Relation[];
  existing: Relation[];
}

export interface AddObservationsResult {
  results: { entityName: string; addedObservations: string[]; alreadyPresent: string[] }[];
}

export interface DeleteEntitiesResult {
  deleted: string[];
  notFound: string[];
  relationsDeleted: number;
}

export interface DeleteObservationsResult {
  results: { entityName: string; deleted: string[]; notFound: string[] }[];
  missingEntities: string[];
}

export interface DeleteRelationsResult {
  deleted: Relation[];
  notFound: Relation[];
}

export interface OpenNodesResult {
  entities: Entity[];
  /** Every relation with at least one end among the opened entities. */
  relations: Relation[];
  notFound: string[];
}

export interface GraphSummary {
  entities: number;
  relations: number;
  observations: number;
  topEntityTypes: { entityType: string; count: number }[];
  topRelationTypes: { relationType: string; count: number }[];
}

export interface GraphPage {
  entities: Entity[];
  /** The relations that start at an entity of this page, so each relation is on exactly one page. */
  relations: Relation[];
  nextCursor?: string;
}

export interface ImportOptions {
  /** Import the rest and list relations whose ends are missing, instead of failing the whole import. */
  skipDanglingRelations?: boolean;
  /** The input that held the graph, named in errors (`path`, `jsonl`). */
  field?: string;
}

export interface ImportResult {
  entitiesCreated: number;
  /** Entities that existed already and received observations they lacked. */
  entitiesMerged: number;
  observationsAdded: number;
  relationsCreated: number;
  relationsExisting: number;
  danglingRelationsSkipped: Relation[];
  /** Entities that exist with another type; the existing type is kept. */
  typeConflicts: { name: string; existingType: string; importedType: string }[];
}
