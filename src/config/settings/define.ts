/**
 * How a setting is declared: the spec shape, the typed `setting()` constructor, and the value
 * schemas several areas share (bounded integers, comma-separated lists, booleans from env text).
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
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

/**
 * A folder: an absolute path, or `~/…` under the home folder (config.json has no shell to expand it).
 * A relative one would name another folder in each process's current directory (inside a repository,
 * for an MCP host started there), and a literal `~` folder is one `rm -rf ~` away from a disaster.
 */
export const folder = z
  .string()
  .min(1)
  .refine((v) => isAbsolute(v) || v === '~' || v.startsWith('~/'), 'an absolute path (or ~/…) is needed, not one relative to where a command runs')
  .transform((v) => (v.startsWith('~') ? join(homedir(), v.slice(1)) : v));
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
