import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { AegisError, invalidInput, notFound } from '../errors.js';
import { PACKAGE_ROOT } from '../util/package-root.js';

const argumentSpec = z.object({
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/),
  description: z.string(),
  required: z.boolean().default(false),
  type: z.enum(['string', 'number', 'boolean']).default('string'),
  enum: z.array(z.string()).optional(),
  default: z.string().optional(),
});

const frontMatter = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  title: z.string().optional(),
  description: z.string(),
  arguments: z.array(argumentSpec).default([]),
});

export type PromptArgument = z.infer<typeof argumentSpec>;
export interface PromptTemplate extends z.infer<typeof frontMatter> {
  body: string;
  source: string;
}

/** Splits `---\nyaml\n---\nbody` and validates the front matter. */
export function parsePromptFile(text: string, source: string, parseYaml: (yaml: string) => unknown): PromptTemplate {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) throw new AegisError('invalid_input', `${source} has no front matter`, { fix: 'start the file with ---, name/description/arguments, ---' });
  const parsed = frontMatter.safeParse(parseYaml(m[1]!));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AegisError('invalid_input', `${source}: front matter ${issue.path.join('.')}: ${issue.message}`, { field: issue.path.join('.') });
  }
  return { ...parsed.data, body: m[2]!.trim(), source };
}

/**
 * Reads every `*.md` prompt in a folder; files are small and few, so this runs on demand. The YAML
 * parser is loaded here, not at start-up, so commands that never touch prompts do not pay for it.
 */
export async function loadPrompts(dir = join(PACKAGE_ROOT, 'prompts')): Promise<PromptTemplate[]> {
  const { parse } = await import('yaml');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => parsePromptFile(readFileSync(join(dir, f), 'utf8'), join(dir, f), parse));
}

function checkArgument(spec: PromptArgument, value: string | undefined, promptName: string): string {
  if (value === undefined || value === '') {
    if (spec.required) throw invalidInput(spec.name, `prompt ${promptName} needs argument "${spec.name}" (${spec.description})`, `pass ${spec.name}=<value>`);
    return spec.default ?? '';
  }
  if (spec.enum && !spec.enum.includes(value)) {
    throw invalidInput(spec.name, `argument "${spec.name}" is "${value}"`, `use one of: ${spec.enum.join(', ')}`);
  }
  if (spec.type === 'number' && !Number.isFinite(Number(value)))
    throw invalidInput(spec.name, `argument "${spec.name}" must be a number, got "${value}"`, 'pass digits, e.g. 42');
  if (spec.type === 'boolean' && value !== 'true' && value !== 'false')
    throw invalidInput(spec.name, `argument "${spec.name}" must be true or false`, 'pass true or false');
  return value;
}

/**
 * Renders a prompt: validates the arguments, then replaces `{{name}}`. A block between
 * `{{#name}}` and `{{/name}}` is kept only when that argument has a value.
 */
export function renderPrompt(prompt: PromptTemplate, args: Record<string, string | undefined>): string {
  const known = new Set(prompt.arguments.map((a) => a.name));
  for (const key of Object.keys(args)) {
    if (!known.has(key)) throw invalidInput(key, `prompt ${prompt.name} has no argument "${key}"`, `known arguments: ${[...known].join(', ') || 'none'}`);
  }
  const values = Object.fromEntries(prompt.arguments.map((a) => [a.name, checkArgument(a, args[a.name], prompt.name)]));
  return prompt.body
    .replace(/\{\{#(\w+)\}\}([\s\S]*?)\{\{\/\1\}\}/g, (_, name: string, inner: string) => (values[name] ? inner : ''))
    .replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function findPrompt(prompts: PromptTemplate[], name: string): PromptTemplate {
  const p = prompts.find((x) => x.name === name);
  if (!p) throw notFound(`no prompt named "${name}"`, `available: ${prompts.map((x) => x.name).join(', ')}`, 'name');
  return p;
}
