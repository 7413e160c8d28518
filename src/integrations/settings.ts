import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { maskSetting, type Config, type SettingSource } from '../config/load.js';
import { AegisError } from '../errors.js';
import { BUILTIN_ENV, settingEnv } from './names.js';
import { readTextFile } from '../util/text-file.js';
import type { IntegrationSettings } from './types.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const settingSpec = z
  .object({
    key: z.string().regex(/^[a-z][a-zA-Z0-9_]*$/, 'a key is camelCase or snake_case letters and digits, e.g. apiToken'),
    description: z.string().min(1),
    required: z.boolean().default(false),
    secret: z.boolean().default(false),
    default: scalar.optional(),
  })
  .strict();

/** `setup.json`: an optional one-line description and the settings the integration reads. */
const setupSchema = z.object({ description: z.string().optional(), settings: z.array(settingSpec).default([]) }).strict();

export type SettingSpec = z.infer<typeof settingSpec>;

/** One setting as `ag integrations list` and `ag doctor` show it: the value only masked, and where it came from. */
export interface SettingReport {
  key: string;
  env: string;
  configKey: string;
  description: string;
  required: boolean;
  secret: boolean;
  source: SettingSource;
  /** The value fit to print (secrets masked); absent when unset. */
  shown?: string;
}

export interface ResolvedSettings {
  description?: string;
  values: IntegrationSettings;
  report: SettingReport[];
  /** Secret values, so the host can keep them out of replies. */
  secrets: string[];
  /** Required settings that are unset: the integration cannot load. */
  missing: SettingReport[];
}

/** Reads setup.json (absent = no settings); a malformed one is an error naming the field at fault. */
export function readSetup(dir: string): { description?: string; settings: SettingSpec[] } {
  const file = join(dir, 'setup.json');
  if (!existsSync(file)) return { settings: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readTextFile(file));
  } catch (err) {
    throw new AegisError('invalid_input', `${file} is not valid JSON: ${(err as Error).message}`, { field: file, fix: 'fix the JSON' });
  }
  const parsed = setupSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AegisError('invalid_input', `${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, {
      field: file,
      fix: 'write {"description": "...", "settings": [{"key": "apiToken", "description": "...", "required": true, "secret": true, "default": "..."}]}',
    });
  }
  const seen = new Set<string>();
  for (const s of parsed.data.settings) {
    if (seen.has(s.key)) throw new AegisError('invalid_input', `${file} declares setting "${s.key}" twice`, { field: file, fix: 'keep one' });
    seen.add(s.key);
  }
  return parsed.data;
}

/**
 * Resolves each declared setting: `AEGIS_<INTEGRATION>_<KEY>` (non-empty) wins over
 * `integrations.<name>.<key>` in config.json, which wins over the default. Required settings that
 * are unset come back in `missing`; a setting whose variable Aegis reads itself is an error.
 */
export function resolveSettings(name: string, dir: string, env: NodeJS.ProcessEnv, config: Config): ResolvedSettings {
  const setup = readSetup(dir);
  const section = (config.extra.integrations as Record<string, unknown> | undefined)?.[name];
  if (section !== undefined && (section === null || typeof section !== 'object' || Array.isArray(section))) {
    throw new AegisError('invalid_input', `integrations.${name} in ${config.configFile} must be an object of settings`, {
      field: `integrations.${name}`,
      fix: `write "integrations": { "${name}": { "<key>": "<value>" } }`,
    });
  }
  const fromFile = (section ?? {}) as Record<string, unknown>;
  const values: Record<string, string | undefined> = {};
  const report: SettingReport[] = [];
  const secrets: string[] = [];
  const missing: SettingReport[] = [];

  for (const spec of setup.settings) {
    const envName = settingEnv(name, spec.key);
    const configKey = `integrations.${name}.${spec.key}`;
    if (BUILTIN_ENV.has(envName)) {
      throw new AegisError('invalid_input', `setting "${spec.key}" of integration ${name} would be read from ${envName}, which Aegis itself uses`, {
        field: join(dir, 'setup.json'),
        fix: 'rename the setting (or the integration)',
      });
    }
    let value: string | undefined;
    let source: SettingSource = 'unset';
    const fileValue = fromFile[spec.key];
    if (env[envName]) {
      [value, source] = [env[envName], 'env'];
    } else if (fileValue !== undefined) {
      if (!scalar.safeParse(fileValue).success) {
        throw new AegisError('invalid_input', `${configKey} in ${config.configFile} must be a string, number or boolean`, {
          field: configKey,
          fix: `set it to a plain value, e.g. "${configKey.split('.').pop()}": "..."`,
        });
      }
      [value, source] = [String(fileValue), 'config'];
    } else if (spec.default !== undefined) {
      [value, source] = [String(spec.default), 'default'];
    }
    values[spec.key] = value;
    if (spec.secret && value) secrets.push(value);
    const shown = value === undefined ? undefined : String(maskSetting({ key: configKey, value, source, secret: spec.secret }));
    const row: SettingReport = {
      key: spec.key,
      env: envName,
      configKey,
      description: spec.description,
      required: spec.required,
      secret: spec.secret,
      source,
      shown,
    };
    report.push(row);
    if (spec.required && value === undefined) missing.push(row);
  }

  return { description: setup.description, values: Object.freeze(values), report, secrets, missing };
}

/** The error for required settings that are unset: what each is for, and both ways to set it. */
export function missingSettingsError(name: string, dir: string, missing: SettingReport[], configFile: string): AegisError {
  return new AegisError(
    'invalid_input',
    `integration ${name} needs ${missing.length === 1 ? 'setting' : 'settings'} ${missing.map((m) => `${m.key} (${m.description})`).join(', ')}`,
    {
      field: join(dir, 'setup.json'),
      fix: `set ${missing.map((m) => m.env).join(', ')} in the environment, or ${missing.map((m) => m.configKey).join(', ')} in ${configFile}`,
    },
  );
}
