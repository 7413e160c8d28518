/**
 * Stage prompt templates: `{{stages.<name>.output}}` (the stage's final assistant message),
 * `{{stages.<name>.files}}` (files it wrote, one per line) and `{{memory.<key>}}` (a memory value).
 * Anything else in double braces that looks like a dotted reference is a mistake worth reporting;
 * other `{{...}}` text (a prompt about Handlebars, say) is left as it is.
 */

export type Reference = { kind: 'stage'; stage: string; field: 'output' | 'files'; raw: string } | { kind: 'memory'; key: string; raw: string };

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const STAGE_REF = /^stages\.([A-Za-z0-9_-]+)\.(output|files)$/;
const MEMORY_REF = /^memory\.(\S+)$/;
/** `word.something`: meant as a reference, so an unknown one is an error rather than literal text. */
const DOTTED = /^[A-Za-z_][A-Za-z0-9_-]*\./;

function classify(expr: string, raw: string): Reference | 'invalid' | undefined {
  const stage = STAGE_REF.exec(expr);
  if (stage) return { kind: 'stage', stage: stage[1]!, field: stage[2] as 'output' | 'files', raw };
  const memory = MEMORY_REF.exec(expr);
  if (memory) return { kind: 'memory', key: memory[1]!, raw };
  return DOTTED.test(expr) ? 'invalid' : undefined;
}

/** The references in a prompt, and the placeholders that look like references but are not valid ones. */
export function parseReferences(prompt: string): { refs: Reference[]; invalid: string[] } {
  const refs: Reference[] = [];
  const invalid: string[] = [];
  for (const m of prompt.matchAll(PLACEHOLDER)) {
    const r = classify(m[1]!, m[0]);
    if (r === 'invalid') invalid.push(m[0]);
    else if (r) refs.push(r);
  }
  return { refs, invalid };
}

/**
 * Replaces every reference with `value(ref)` in one pass, so a value that itself contains `{{...}}`
 * (an output quoting a template) is inserted as it is and never expanded again.
 */
export function renderPrompt(prompt: string, value: (ref: Reference) => string): string {
  return prompt.replace(PLACEHOLDER, (raw, expr: string) => {
    const r = classify(expr, raw);
    return r && r !== 'invalid' ? value(r) : raw;
  });
}
