import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';

/**
 * A fuzz pass over every tool `ag mcp` lists, generated from its own input schema: a required field
 * left out, each field (nested ones too) given the wrong type or one past its maximum, an unknown field,
 * a value nested 1000 levels deep (about what the SDK client itself can send).
 * Every case is invalid by construction, so no call may do anything (and they run in a private Aegis
 * home and tmux socket all the same). Each must come back as an error naming the field at fault, within
 * 30 s, with the server still up.
 */

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  minimum?: number;
  format?: string;
  $ref?: string;
  additionalProperties?: Schema | boolean;
};

interface Case {
  tool: string;
  kind: 'missing' | 'wrong_type' | 'oversized' | 'unknown_field' | 'too_deep';
  /** The field the error must name, as zod paths print it (a.0.b). */
  field: string;
  args: Record<string, unknown>;
}

const typesOf = (s: Schema): string[] => (s.anyOf ? s.anyOf.flatMap(typesOf) : s.enum ? [typeof s.enum[0]] : s.type ? [s.type].flat() : []);

/** A value the schema accepts: the smallest one. */
function filler(s: Schema): unknown {
  if (s.enum) return s.enum[0];
  if (s.anyOf) return filler(s.anyOf[0]!);
  switch ([s.type].flat()[0]) {
    case 'string':
      return s.format === 'uri' ? 'https://example.invalid/x' : 'a'.repeat(Math.max(s.minLength ?? 1, 1));
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, 1);
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => filler(s.items!));
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k) => [k, filler(s.properties![k]!)]));
    default:
      return 'a';
  }
}

/** A value of a JSON type the schema does not take, or undefined when it takes any. */
function wrongValue(s: Schema): unknown {
  const taken = typesOf(s).map((t) => (t === 'integer' ? 'number' : t));
  if (!taken.length) return undefined;
  const candidates: [string, unknown][] = [
    ['number', 12345],
    ['string', 'not-the-type'],
    ['boolean', true],
    ['object', { nested: 1 }],
    ['array', [1]],
  ];
  return candidates.find(([type]) => !taken.includes(type))?.[1];
}

/** One past the maximum, or undefined when the schema has none (the audit below reports those). */
function oversized(s: Schema): unknown {
  if (s.maxLength !== undefined && !s.enum) return 'a'.repeat(s.maxLength + 1);
  if (s.maxItems !== undefined && s.items) return Array.from({ length: s.maxItems + 1 }, () => filler(s.items!));
  if (s.maxProperties !== undefined) return Object.fromEntries(Array.from({ length: s.maxProperties + 1 }, (_, i) => [`V${i}`, 'a']));
  return undefined;
}

/** Variants of an object value, each invalid in exactly one field; `path` is relative to the object. */
function objectVariants(s: Schema): { kind: Case['kind']; path: string[]; value: Record<string, unknown> }[] {
  const base = filler(s) as Record<string, unknown>;
  const out: { kind: Case['kind']; path: string[]; value: Record<string, unknown> }[] = [];
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    if (s.required?.includes(name)) {
      const { [name]: _left, ...rest } = base;
      out.push({ kind: 'missing', path: [name], value: rest });
    }
    const wrong = wrongValue(prop);
    if (wrong !== undefined) out.push({ kind: 'wrong_type', path: [name], value: { ...base, [name]: wrong } });
    const over = oversized(prop);
    if (over !== undefined) out.push({ kind: 'oversized', path: [name], value: { ...base, [name]: over } });
    // Inside: the fields of an object, and of the first item of a list of objects.
    if (prop.type === 'object' && prop.properties) {
      for (const v of objectVariants(prop)) out.push({ ...v, path: [name, ...v.path], value: { ...base, [name]: v.value } });
    }
    if (prop.type === 'array' && prop.items?.type === 'object') {
      for (const v of objectVariants(prop.items)) out.push({ ...v, path: [name, '0', ...v.path], value: { ...base, [name]: [v.value] } });
    }
    if (prop.type === 'array' && prop.items && prop.items.type !== 'object') {
      const inner = oversized(prop.items);
      if (inner !== undefined) out.push({ kind: 'oversized', path: [name, '0'], value: { ...base, [name]: [inner] } });
    }
  }
  return out;
}

function casesFor(tool: Tool): Case[] {
  const schema = tool.inputSchema as Schema;
  const cases: Case[] = objectVariants(schema).map((v) => ({ tool: tool.name, kind: v.kind, field: v.path.join('.'), args: v.value }));
  cases.push({ tool: tool.name, kind: 'unknown_field', field: 'zzUnknownField', args: { ...(filler(schema) as object), zzUnknownField: 1 } });
  // Nesting deep enough to exhaust a recursive check, in the first field.
  const first = Object.keys(schema.properties ?? {})[0];
  if (first) {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 1000; i++) deep = [deep];
    cases.push({ tool: tool.name, kind: 'too_deep', field: first, args: { ...(filler(schema) as object), [first]: deep } });
  }
  return cases;
}

/** Strings and lists without a maximum, anywhere in a schema (enums and `value: any JSON` are bounded otherwise). */
function unbounded(s: Schema, path: string): string[] {
  if (s.$ref || s.enum) return [];
  if (s.anyOf) return s.anyOf.flatMap((a, i) => unbounded(a, `${path}|${i}`));
  const found: string[] = [];
  if (s.type === 'string' && s.maxLength === undefined) found.push(path);
  if (s.type === 'array') {
    if (s.maxItems === undefined) found.push(path);
    if (s.items) found.push(...unbounded(s.items, `${path}.0`));
  }
  if (s.type === 'object') {
    for (const [k, p] of Object.entries(s.properties ?? {})) found.push(...unbounded(p, path ? `${path}.${k}` : k));
    if (typeof s.additionalProperties === 'object') {
      if (s.maxProperties === undefined) found.push(`${path}{}`);
      found.push(...unbounded(s.additionalProperties, `${path}.*`));
    }
  }
  return found;
}

describe('fuzz: every MCP tool against its own input schema', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let tools: Tool[];
  beforeAll(async () => {
    t = makeTestEnv();
    mcp = await connectMcp(t.env);
    tools = (await mcp.client.listTools()).tools;
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  it('every string, list and map in every input schema has a maximum', () => {
    const missing = tools.flatMap((tool) => unbounded(tool.inputSchema as Schema, '').map((p) => `${tool.name}.${p}`));
    expect(missing).toEqual([]);
  });

  it('0 crashes, 0 hangs, every invalid call refused with an error naming its field', async () => {
    const cases = tools.flatMap(casesFor);
    const counts = { calls: 0, errors: 0, accepted: 0, crashes: 0, hangs: 0, unnamed: 0 };
    const problems: string[] = [];
    for (const c of cases) {
      counts.calls++;
      const started = Date.now();
      try {
        const r = await mcp.client.callTool({ name: c.tool, arguments: c.args }, undefined, { timeout: 30_000 });
        const text = (r.content as { text?: string }[])[0]?.text ?? '';
        if (!r.isError) {
          counts.accepted++;
          problems.push(`${c.tool} ${c.kind} ${c.field}: accepted`);
        } else {
          counts.errors++;
          if (!text.includes(c.field) || !/fix: /.test(text) || /\(internal\)/.test(text)) {
            counts.unnamed++;
            problems.push(`${c.tool} ${c.kind} ${c.field}: ${text.slice(0, 300)}`);
          }
        }
      } catch (err) {
        const message = (err as Error).message;
        if (/timed out/i.test(message) || Date.now() - started >= 30_000) counts.hangs++;
        else counts.crashes++;
        problems.push(`${c.tool} ${c.kind} ${c.field}: ${message}`);
        // Go on against a fresh server so one crash does not hide the rest.
        await mcp.close().catch(() => {});
        mcp = await connectMcp(t.env);
      }
    }
    // The figures for the report: printed whatever the outcome.
    console.log(`mcp fuzz: ${tools.length} tools, ${JSON.stringify(counts)}`);
    expect(problems).toEqual([]);
    expect(counts.crashes + counts.hangs).toBe(0);
    expect(counts.calls).toBeGreaterThan(tools.length * 3);
    // The server that took every case still answers.
    const health = await mcp.client.callTool({ name: 'system_health', arguments: {} });
    expect(health.isError).toBeFalsy();
  }, 600_000);
});
