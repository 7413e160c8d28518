import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import type { ToolDef } from '../tools/define.js';

interface JsonProp {
  type?: string | string[];
  enum?: unknown[];
  items?: JsonProp;
  description?: string;
  default?: unknown;
  anyOf?: JsonProp[];
}

export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flag a person types for an input field, for error messages that name what they can fix. */
export const flagFor = (tool: ToolDef, field: string): string => {
  const top = field.split('.')[0]!;
  return tool.cli?.positional?.includes(top) ? `<${top}>` : `--${kebab(top)}`;
};

function kindOf(prop: JsonProp): string {
  if (prop.enum) return 'enum';
  const t = Array.isArray(prop.type) ? prop.type.find((x) => x !== 'null') : prop.type;
  if (t) return t;
  const variants = (prop.anyOf ?? []).map(kindOf).filter((k) => k !== 'null');
  return variants.length === 1 ? variants[0]! : 'json';
}

function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected JSON, e.g. \'{"KEY":"value"}\'');
  }
}

/** Accepts `KEY=value` pairs for record inputs (env vars, prompt arguments) as well as a JSON object. */
function parseRecordEntry(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  if (value.trim().startsWith('{')) return { ...previous, ...(parseJson(value) as Record<string, string>) };
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=value');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * Derives commander arguments and options from a tool's zod input schema: strings, numbers, booleans
 * (`--x` / `--no-x`), enums (choices), string lists (repeatable), records (`KEY=value`), anything else
 * as JSON. Required-ness is left to the schema, so the CLI and MCP reject the same inputs alike.
 */
export function addSchemaOptions(cmd: Command, tool: ToolDef): string[] {
  const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonProp>; required?: string[] };
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const positional = (tool.cli?.positional ?? []).filter((k) => k in props);
  for (const key of positional) {
    const prop = props[key]!;
    const kind = kindOf(prop);
    const name = kind === 'array' ? `${key}...` : key;
    cmd.argument(required.has(key) ? `<${name}>` : `[${name}]`, prop.description ?? '');
  }
  for (const [key, prop] of Object.entries(props)) {
    if (positional.includes(key)) continue;
    const flag = `--${kebab(key)}`;
    const desc = prop.description ?? '';
    const kind = kindOf(prop);
    let opt: Option;
    switch (kind) {
      case 'boolean':
        if (prop.default === true) {
          cmd.addOption(new Option(`--no-${kebab(key)}`, `turn off: ${desc}`));
          continue;
        }
        opt = new Option(flag, desc);
        break;
      case 'number':
      case 'integer':
        opt = new Option(`${flag} <n>`, desc).argParser(parseNumber);
        break;
      case 'enum':
        opt = new Option(`${flag} <value>`, desc).choices(prop.enum!.map(String));
        break;
      case 'array':
        if (prop.items?.enum) opt = new Option(`${flag} <value...>`, desc).choices(prop.items.enum.map(String));
        else if (kindOf(prop.items ?? {}) === 'string') opt = new Option(`${flag} <value...>`, desc);
        else opt = new Option(`${flag} <json>`, `${desc} (JSON array)`).argParser(parseJson);
        break;
      case 'object':
        opt = new Option(`${flag} <KEY=value>`, `${desc} (repeatable, or a JSON object)`).argParser(parseRecordEntry);
        break;
      case 'string':
        opt = new Option(`${flag} <text>`, desc);
        break;
      default:
        opt = new Option(`${flag} <json>`, `${desc} (JSON)`).argParser((v) => {
          try {
            return JSON.parse(v);
          } catch {
            return v;
          }
        });
    }
    if (required.has(key)) opt.helpGroup?.('Required:');
    if (prop.default !== undefined && kind !== 'boolean') opt.default(prop.default);
    cmd.addOption(opt);
  }
  return positional;
}

/** Maps commander's parsed args/options back to the tool's input object. */
export function collectInput(positional: string[], args: unknown[], opts: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  positional.forEach((key, i) => {
    if (args[i] !== undefined) input[key] = args[i];
  });
  for (const [key, value] of Object.entries(opts)) {
    if (key === 'json' || value === undefined) continue;
    input[key] = value;
  }
  return input;
}
