import { Command, InvalidArgumentError, Option } from 'commander';
import type { ToolDef } from '../tools/define.js';
import type { CommandSpec } from './command-spec.js';

export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The flag a person types for an input field, for error messages that name what they can fix; a field
 * inside a JSON flag keeps its place there (`stages.0.name` is `--stages[0].name`).
 */
export const flagFor = (tool: ToolDef, field: string): string => {
  const [top, ...inner] = field.split('.');
  const flag = tool.cli?.positional?.includes(top!) ? `<${top}>` : `--${kebab(top!)}`;
  return flag + inner.map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('');
};

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

/**
 * One value of a repeatable string-list flag: a word, or a JSON array of strings given at once
 * (`--command '["aider","--yes"]'`, the form the tools' help shows; the words alone would be read as
 * flags of `ag`). Values add up over repeats.
 */
function parseListEntry(value: string, previous: string[] | undefined): string[] {
  if (value.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new InvalidArgumentError('expected a JSON array of strings, e.g. \'["aider","--yes"]\', or one word per flag');
    }
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string'))
      throw new InvalidArgumentError('expected a JSON array of strings, e.g. \'["aider","--yes"]\'');
    return [...(previous ?? []), ...parsed];
  }
  return [...(previous ?? []), value];
}

/**
 * Accepts `KEY=value` pairs for record and object inputs (env vars, prompt arguments, a budget) as well
 * as a JSON object. A value is text, or a number where `valueKinds` says the field holds one.
 */
function parseRecordEntry(value: string, previous: Record<string, unknown> | undefined, valueKinds: Record<string, string> = {}): Record<string, unknown> {
  if (value.trim().startsWith('{')) return { ...previous, ...(parseJson(value) as Record<string, unknown>) };
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=value');
  const key = value.slice(0, eq);
  const text = value.slice(eq + 1);
  const numeric = valueKinds[key] === 'number' || valueKinds[key] === 'integer';
  if (!numeric) return { ...previous, [key]: text };
  try {
    return { ...previous, [key]: parseNumber(text) };
  } catch {
    throw new InvalidArgumentError(`${key} must be a number, e.g. ${key}=1000`);
  }
}

/**
 * Adds commander arguments and options for a tool command: strings, numbers, booleans (`--x` /
 * `--no-x`), enums (choices), string lists (repeatable), records (`KEY=value`), anything else as JSON.
 * Required-ness is left to the schema, so the CLI and MCP reject the same inputs alike. The
 * `cwdDefault` key (CliHints) defaults to the directory the command runs in.
 */
export function addSchemaOptions(cmd: Command, spec: CommandSpec, cwdDefault?: string): string[] {
  for (const arg of spec.positional) {
    const name = arg.kind === 'array' ? `${arg.key}...` : arg.key;
    cmd.argument(arg.required ? `<${name}>` : `[${name}]`, arg.description);
  }
  for (const { key, kind, description: desc, required, default: dflt, choices, itemKind, valueKinds } of spec.options) {
    const flag = `--${kebab(key)}`;
    let opt: Option;
    switch (kind) {
      case 'boolean':
        if (dflt === true) {
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
        opt = new Option(`${flag} <value>`, desc).choices(choices!);
        break;
      case 'array':
        if (choices) opt = new Option(`${flag} <value...>`, desc).choices(choices);
        else if (itemKind === 'string') opt = new Option(`${flag} <value...>`, desc).argParser(parseListEntry);
        else opt = new Option(`${flag} <json>`, `${desc} (JSON array)`).argParser(parseJson);
        break;
      case 'object':
        opt = new Option(`${flag} <KEY=value>`, `${desc} (repeatable, or a JSON object)`).argParser((v, prev: Record<string, unknown> | undefined) =>
          parseRecordEntry(v, prev, valueKinds),
        );
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
    if (key === cwdDefault) opt.default(process.cwd(), 'the current directory');
    else if (required) opt.helpGroup?.('Required:');
    if (dflt !== undefined && kind !== 'boolean') opt.default(dflt);
    cmd.addOption(opt);
  }
  return spec.positional.map((p) => p.key);
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
