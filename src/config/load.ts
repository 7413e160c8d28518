import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AegisError } from '../errors.js';
import { findJsonSyntaxError } from '../util/json-syntax.js';
import { readTextFile } from '../util/text-file.js';
import { SETTINGS, type SettingKey, type SettingValue } from './settings.js';
import type { SettingSpec } from './settings/define.js';

export type SettingSource = 'default' | 'config' | 'env' | 'unset';

export interface ResolvedSetting {
  key: string;
  value: unknown;
  source: SettingSource;
  secret: boolean;
}

export interface Config {
  home: string;
  configFile: string;
  /** Every setting with its value and where it came from. */
  settings: Map<string, ResolvedSetting>;
  /** A setting's value, typed by its key (see SETTINGS). */
  get<K extends SettingKey>(key: K): SettingValue<K>;
  /** A setting that must be set here (e.g. a channel's token once the channel counts as configured). */
  require<K extends SettingKey>(key: K): NonNullable<SettingValue<K>>;
  /** Raw objects from config.json that are not settings (e.g. `operators`, `integrations`). */
  extra: Record<string, unknown>;
  /**
   * What was wrong, when loaded with `{ tolerant: true }` (for `ag doctor`): a broken file is then read
   * as empty and a bad value as its default, and each problem is kept here instead of thrown.
   */
  problems: AegisError[];
}

/** `$AEGIS_HOME`, or `~/.aegis`. Resolved to an absolute path so every process agrees. */
export function aegisHome(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.AEGIS_HOME?.trim();
  return resolve(raw ? raw : join(homedir(), '.aegis'));
}

function readPath(obj: unknown, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function describeAllowed(spec: SettingSpec): string {
  const json = spec.schema.toJSONSchema?.({ unrepresentable: 'any', io: 'input' }) as Record<string, unknown> | undefined;
  if (json?.enum) return `one of ${(json.enum as unknown[]).join(', ')}`;
  return spec.description;
}

function parseSetting(spec: SettingSpec, raw: unknown, source: SettingSource, origin: string): unknown {
  const parsed = spec.schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const json = JSON.stringify(raw) ?? String(raw);
  const shown = spec.secret ? '(secret)' : json.length > 80 ? `${json.slice(0, 80)}…` : json;
  throw new AegisError('invalid_input', `bad value ${shown} for ${spec.key} from ${origin}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
    field: spec.key,
    fix: `set ${source === 'env' ? spec.env : `"${spec.key}" in ${origin}`} to ${describeAllowed(spec)}`,
  });
}

/** The fix every config.json problem shares: edit the file, or replace it with a fresh one. */
const fixFile = (configFile: string, what: string) => `${what} in ${configFile}, or run \`ag init --force\` to write a fresh one (it replaces the file)`;

/** Reads config.json; a syntax error names its line and column and never quotes the file (it holds secrets). */
function readConfigFile(configFile: string): Record<string, unknown> {
  if (!existsSync(configFile)) return {};
  const text = readTextFile(configFile);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const at = findJsonSyntaxError(text);
    const where = at ? `line ${at.line}, column ${at.column}: ${at.problem}` : 'it is not valid JSON';
    throw new AegisError('invalid_input', `${configFile} is not valid JSON at ${where}`, { field: 'config.json', fix: fixFile(configFile, 'fix the JSON') });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new AegisError('invalid_input', `${configFile} must hold a JSON object ({ ... })`, {
      field: 'config.json',
      fix: fixFile(configFile, 'put the settings in one object'),
    });
  }
  return data as Record<string, unknown>;
}

/**
 * Loads defaults < `$AEGIS_HOME/config.json` < `AEGIS_*` environment, validating every value. A problem
 * is thrown, or with `tolerant` (for `ag doctor`) recorded in `problems` while defaults stand in.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: { tolerant?: boolean } = {}): Config {
  const home = aegisHome(env);
  const configFile = join(home, 'config.json');
  const problems: AegisError[] = [];
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (err) {
      if (!opts.tolerant || !(err instanceof AegisError)) throw err;
      problems.push(err);
      return fallback;
    }
  };
  const fileData = attempt(() => readConfigFile(configFile), {});

  const settings = new Map<string, ResolvedSetting>();
  for (const spec of SETTINGS) {
    const fromEnv = env[spec.env];
    const fromFile = readPath(fileData, spec.key);
    let resolved: ResolvedSetting;
    if (fromEnv !== undefined && fromEnv !== '') {
      resolved = {
        key: spec.key,
        value: attempt(() => parseSetting(spec, fromEnv, 'env', `$${spec.env}`), spec.default),
        source: 'env',
        secret: !!spec.secret,
      };
    } else if (fromFile !== undefined) {
      resolved = {
        key: spec.key,
        value: attempt(() => parseSetting(spec, fromFile, 'config', configFile), spec.default),
        source: 'config',
        secret: !!spec.secret,
      };
    } else if (spec.default !== undefined) {
      resolved = { key: spec.key, value: spec.default, source: 'default', secret: !!spec.secret };
    } else {
      resolved = { key: spec.key, value: undefined, source: 'unset', secret: !!spec.secret };
    }
    settings.set(spec.key, resolved);
  }

  return {
    home,
    configFile,
    settings,
    extra: fileData,
    problems,
    get<K extends SettingKey>(key: K): SettingValue<K> {
      const s = settings.get(key);
      if (!s) throw new Error(`unknown setting ${key}`);
      return s.value as SettingValue<K>;
    },
    require<K extends SettingKey>(key: K): NonNullable<SettingValue<K>> {
      const value = this.get(key);
      if (value === undefined || value === null) {
        const spec = SETTINGS.find((x) => x.key === key)!;
        throw new AegisError('invalid_input', `setting ${key} is not set`, { field: key, fix: `set ${key} in ${configFile} or $${spec.env}` });
      }
      return value as NonNullable<SettingValue<K>>;
    },
  };
}

/** A value safe to print: secrets show only that they are set and their last 4 characters. */
export function maskSetting(s: ResolvedSetting): unknown {
  if (!s.secret || s.value === undefined) return s.value;
  const text = String(s.value);
  return text.length > 8 ? `****${text.slice(-4)}` : '****';
}
