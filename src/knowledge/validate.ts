import { invalidInput } from '../errors.js';
import { canonicalName, checkVisible } from '../util/names.js';
import type { Entity, Relation } from './types.js';

export const KG_LIMITS = {
  nameChars: 512,
  typeChars: 128,
  observationChars: 16 * 1024,
  /** Items in one create/add/delete call; bigger loads go through kg_import. */
  batchItems: 5000,
} as const;

const chars = (s: string): number => [...s].length;

/**
 * Whether `s` has more than `max` characters. A character is one or two UTF-16 units, so a string of
 * at most `max` units is within the limit without counting: loads check every observation, and
 * counting allocated an array per string (4 % of a load's time).
 */
const longerThan = (s: string, max: number): boolean => s.length > max && chars(s) > max;

/**
 * A name, type or relation type, returned in the form it is stored and compared in (canonicalName, so
 * a decomposed "Café" names the entity a composed one does): not blank, no surrounding spaces (names
 * are matched exactly, so "Atlas " would silently be a different entity from "Atlas"), nothing
 * invisible and no line breaks, bounded.
 */
function checkLabel(given: string, field: string, what: string, max: number, example: string): string {
  if (typeof given !== 'string' || given.trim() === '') throw invalidInput(field, `${what} is empty`, `give a non-empty ${what}, e.g. ${example}`);
  const value = canonicalName(given);
  if (value !== value.trim()) throw invalidInput(field, `${what} "${value}" has leading or trailing spaces`, `remove them: names are matched exactly`);
  checkVisible(value, field, what);
  if (longerThan(value, max))
    throw invalidInput(field, `${what} is ${chars(value)} characters; at most ${max} are allowed`, `shorten it and put detail in an observation`);
  return value;
}

export const checkName = (name: string, field: string): string => checkLabel(name, field, 'the entity name', KG_LIMITS.nameChars, '"Project Atlas"');
export const checkEntityType = (type: string, field: string): string =>
  checkLabel(type, field, 'the entity type', KG_LIMITS.typeChars, '"project" or "person"');
export const checkRelationType = (type: string, field: string): string =>
  checkLabel(type, field, 'the relation type', KG_LIMITS.typeChars, '"uses" (active voice)');

export function checkObservation(text: string, field: string): string {
  if (typeof text !== 'string' || text.trim() === '')
    throw invalidInput(field, 'the observation is empty', 'give the fact as a short sentence, e.g. "migration 42 failed on 2026-11-02"');
  if (longerThan(text, KG_LIMITS.observationChars)) {
    throw invalidInput(
      field,
      `the observation is ${chars(text)} characters; at most ${KG_LIMITS.observationChars} are allowed`,
      'split it into several shorter observations',
    );
  }
  return text;
}

export function checkBatch(items: unknown[], field: string): void {
  if (items.length > KG_LIMITS.batchItems) {
    throw invalidInput(
      field,
      `${items.length} items in one call; at most ${KG_LIMITS.batchItems} are allowed`,
      'split the call, or load a large graph with kg_import',
    );
  }
}

/** The entity with its name and type as stored; observations are the user's text and stay as given. */
export function checkEntity<T extends Entity>(e: T, field: string): T {
  const name = checkName(e.name, `${field}.name`);
  const entityType = checkEntityType(e.entityType, `${field}.entityType`);
  e.observations.forEach((o, i) => checkObservation(o, `${field}.observations[${i}]`));
  return { ...e, name, entityType };
}

/** The relation with its ends and type as stored. */
export function checkRelation<T extends Relation>(r: T, field: string): T {
  return {
    ...r,
    from: checkName(r.from, `${field}.from`),
    to: checkName(r.to, `${field}.to`),
    relationType: checkRelationType(r.relationType, `${field}.relationType`),
  };
}
