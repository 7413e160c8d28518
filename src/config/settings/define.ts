/**
 * How a setting is declared: the spec shape, the typed `setting()` constructor, and the value
 * schemas several areas share (bounded integers, comma-separated lists, booleans from env text).
 */
import * as z from 'zod';

/**
 * Every setting Aegis reads, as data: the dotted key used in `$AEGIS_HOME/config.json` (nested
 * objects), the environment variable that overrides it, its schema and default, and whether it is a
 * secret (masked by `ag doctor`). README's configuration table and `ag doctor` are built from this list.
 */
export interface SettingSpec {
  key: string;
  env: string;
  schema: z.ZodType;
  default?: unknown;
  secret?: boolean;
  description: string;
}

/** A spec whose key and schema keep their literal types (what `config.get` is typed from). */
export interface TypedSpec<K extends string, S extends z.ZodType> extends SettingSpec {
  key: K;
  schema: S;
  default?: z.output<S>;
}

/** One setting, typed: its key, its schema's output and whether it has a default reach `config.get(key)`. */
export function setting<const K extends string, S extends z.ZodType>(spec: TypedSpec<K, S> & { default: z.output<S> }): TypedSpec<K, S> & { hasDefault: true };
export function setting<const K extends string, S extends z.ZodType>(spec: TypedSpec<K, S>): TypedSpec<K, S> & { hasDefault: false };
export function setting<const K extends string, S extends z.ZodType>(spec: TypedSpec<K, S>): TypedSpec<K, S> & { hasDefault: boolean } {
  return { ...spec, hasDefault: spec.default !== undefined };
}

export const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A list given as one string (an environment variable): comma-separated, blanks dropped. */
export const splitCommas = (v: unknown): unknown =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : v;
export const list = z.preprocess(splitCommas, z.array(z.string()));
export const bool = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());
