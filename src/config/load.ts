import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AegisError } from '../errors.js';
import { SETTINGS, type SettingSpec } from './settings.js';

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
  get<T = unknown>(key: string): T;
  /** Raw objects from config.json that are not settings (e.g. `operators`, `integrations`). */
  extra: Record<string, unknown>;
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
  const shown = spec.secret ? '(secret)' : JSON.stringify(raw);
  throw new AegisError('invalid_input', `bad value ${shown} for ${spec.key} from ${origin}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
    field: spec.key,
    fix: `set ${source === 'env' ? spec.env : `"${spec.key}" in ${origin}`} to ${describeAllowed(spec)}`,
  });
}

/** Loads defaults < `$AEGIS_HOME/config.json` < `AEGIS_*` environment, validating every value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const home = aegisHome(env);
  const configFile = join(home, 'config.json');
  let fileData: Record<string, unknown> = {};
  if (existsSync(configFile)) {
    try {
      fileData = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new AegisError('invalid_input', `${configFile} is not valid JSON: ${(err as Error).message}`, {
        field: 'config.json',
        fix: `fix the JSON in ${configFile}, or move it away and run \`ag init\``,
      });
    }
    if (fileData === null || typeof fileData !== 'object' || Array.isArray(fileData)) {
      throw new AegisError('invalid_input', `${configFile} must hold a JSON object`, { field: 'config.json', fix: 'run `ag init --force` to write a fresh one' });
    }
  }

  const settings = new Map<string, ResolvedSetting>();
  for (const spec of SETTINGS) {
    const fromEnv = env[spec.env];
    const fromFile = readPath(fileData, spec.key);
    let resolved: ResolvedSetting;
    if (fromEnv !== undefined && fromEnv !== '') {
      resolved = { key: spec.key, value: parseSetting(spec, fromEnv, 'env', `$${spec.env}`), source: 'env', secret: !!spec.secret };
    } else if (fromFile !== undefined) {
      resolved = { key: spec.key, value: parseSetting(spec, fromFile, 'config', configFile), source: 'config', secret: !!spec.secret };
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
    get<T>(key: string): T {
      const s = settings.get(key);
      if (!s) throw new Error(`unknown setting ${key}`);
      return s.value as T;
    },
  };
}

/** A value safe to print: secrets show only that they are set and their last 4 characters. */
export function maskSetting(s: ResolvedSetting): unknown {
  if (!s.secret || s.value === undefined) return s.value;
  const text = String(s.value);
  return text.length > 8 ? `****${text.slice(-4)}` : '****';
}
