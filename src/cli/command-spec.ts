import * as z from 'zod';
import type { ToolDef } from '../tools/define.js';

interface JsonProp {
  type?: string | string[];
  enum?: unknown[];
  items?: JsonProp;
  description?: string;
  default?: unknown;
  anyOf?: JsonProp[];
  properties?: Record<string, JsonProp>;
}

function kindOf(prop: JsonProp): string {
  if (prop.enum) return 'enum';
  const t = Array.isArray(prop.type) ? prop.type.find((x) => x !== 'null') : prop.type;
  if (t) return t;
  const variants = (prop.anyOf ?? []).map(kindOf).filter((k) => k !== 'null');
  return variants.length === 1 ? variants[0]! : 'json';
}

/** One flag of a tool's command, as derived from its input schema (plain data: the build stores it). */
export interface FlagSpec {
  key: string;
  kind: string;
  description: string;
  required: boolean;
  default?: unknown;
  /** enum: its values; array: the values of an enum item, or the item's kind. */
  choices?: string[];
  itemKind?: string;
  /** object: the kind of each named field, so `KEY=value` gives a number where the schema wants one. */
  valueKinds?: Record<string, string>;
}

/** A tool command's arguments and flags: what addSchemaOptions needs, without the tool's zod schema. */
export interface CommandSpec {
  positional: FlagSpec[];
  options: FlagSpec[];
}

/**
 * Derives a tool command's arguments and flags from its zod input schema. The build stores the result
 * for every built-in tool (dist/cli-manifest.json), so the CLI can build one command without the schemas
 * of the others (src/cli/per-command.ts).
 */
export function commandSpec(tool: ToolDef): CommandSpec {
  const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonProp>; required?: string[] };
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const flag = (key: string): FlagSpec => {
    const prop = props[key]!;
    const spec: FlagSpec = { key, kind: kindOf(prop), description: prop.description ?? '', required: required.has(key) };
    if (prop.default !== undefined) spec.default = prop.default;
    if (prop.enum) spec.choices = prop.enum.map(String);
    if (spec.kind === 'array') {
      if (prop.items?.enum) spec.choices = prop.items.enum.map(String);
      else spec.itemKind = kindOf(prop.items ?? {});
    }
    if (spec.kind === 'object' && prop.properties) spec.valueKinds = Object.fromEntries(Object.entries(prop.properties).map(([k, p]) => [k, kindOf(p)]));
    return spec;
  };
  const positional = (tool.cli?.positional ?? []).filter((k) => k in props);
  return {
    positional: positional.map(flag),
    options: Object.keys(props)
      .filter((k) => !positional.includes(k))
      .map(flag),
  };
}
