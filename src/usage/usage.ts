import { readFileSync, statSync } from 'node:fs';
import { priceOf } from './prices.js';

/** Tokens an agent used and their estimated cost, from the agent's own records. */
export interface Usage {
  /** Input tokens not read from or written to a cache. */
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  /** All four together: what a token budget counts. */
  totalTokens: number;
  /** Estimated from list prices (src/usage/prices.ts); models without a price add nothing. */
  costUsd: number;
  /** Models seen that have no price, so the cost is short of the truth. */
  unpricedModels: string[];
}

type Counts = Pick<Usage, 'inputTokens' | 'outputTokens' | 'cacheCreationTokens' | 'cacheReadTokens'>;

export const emptyUsage = (): Usage => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheCreationTokens: 0,
  cacheReadTokens: 0,
  totalTokens: 0,
  costUsd: 0,
  unpricedModels: [],
});

function priced(model: string, c: Counts): Usage {
  const p = priceOf(model);
  const cost = p ? (c.inputTokens * p.input + c.outputTokens * p.output + c.cacheCreationTokens * p.cacheWrite + c.cacheReadTokens * p.cacheRead) / 1e6 : 0;
  return { ...c, totalTokens: c.inputTokens + c.outputTokens + c.cacheCreationTokens + c.cacheReadTokens, costUsd: cost, unpricedModels: p ? [] : [model] };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheCreationTokens: a.cacheCreationTokens + b.cacheCreationTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    totalTokens: a.totalTokens + b.totalTokens,
    costUsd: a.costUsd + b.costUsd,
    unpricedModels: [...new Set([...a.unpricedModels, ...b.unpricedModels])],
  };
}

/** Rounded for display: a tenth of a cent is below any budget's interest. */
export const rounded = (u: Usage): Usage => ({ ...u, costUsd: Math.round(u.costUsd * 1e6) / 1e6 });

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (isObject(v)) out.push(v);
    } catch {
      /* a line being written right now, or not JSON: not a record */
    }
  }
  return out;
}

/**
 * Claude Code's transcript: each API reply's `message.usage`, on every record of that reply (one per
 * content block, the same message id). Counted once per message id, keeping the largest figures (an
 * early block may carry the usage of a reply still streaming).
 */
export function claudeUsage(text: string): Usage {
  const byMessage = new Map<string, { model: string; c: Counts }>();
  for (const r of jsonLines(text)) {
    const m = r.message;
    if (r.type !== 'assistant' || !isObject(m) || !isObject(m.usage) || typeof m.id !== 'string') continue;
    const u = m.usage;
    const c: Counts = {
      inputTokens: num(u.input_tokens),
      outputTokens: num(u.output_tokens),
      cacheCreationTokens: num(u.cache_creation_input_tokens),
      cacheReadTokens: num(u.cache_read_input_tokens),
    };
    const prev = byMessage.get(m.id)?.c;
    const merged = prev ? (Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Math.max(v, prev[k as keyof Counts])])) as unknown as Counts) : c;
    byMessage.set(m.id, { model: typeof m.model === 'string' ? m.model : 'unknown', c: merged });
  }
  return [...byMessage.values()].reduce((sum, { model, c }) => addUsage(sum, priced(model, c)), emptyUsage());
}

/**
 * Codex's rollout log: `event_msg` records of type `token_count` carry the thread's running total
 * (`info.total_token_usage`); the last one is the session's usage. OpenAI counts cached input inside
 * input_tokens, so it is taken out of the uncached figure.
 */
export function codexUsage(text: string): Usage {
  let model = 'unknown';
  let total: Record<string, unknown> | undefined;
  for (const r of jsonLines(text)) {
    const p = r.payload;
    if (!isObject(p)) continue;
    if (r.type === 'turn_context' && typeof p.model === 'string') model = p.model;
    if (r.type === 'event_msg' && p.type === 'token_count' && isObject(p.info) && isObject(p.info.total_token_usage)) total = p.info.total_token_usage;
  }
  if (!total) return emptyUsage();
  const cached = num(total.cached_input_tokens);
  return priced(model, {
    inputTokens: Math.max(0, num(total.input_tokens) - cached),
    outputTokens: num(total.output_tokens),
    cacheCreationTokens: 0,
    cacheReadTokens: cached,
  });
}

const cache = new Map<string, { size: number; mtimeMs: number; usage: Usage }>();

/** The usage in an agent's record file (read again only when it changed); undefined when there is none. */
export function usageOfFile(path: string, agent: string): Usage | undefined {
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  const hit = cache.get(path);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.usage;
  const text = readFileSync(path, 'utf8');
  const usage = agent === 'codex' ? codexUsage(text) : claudeUsage(text);
  cache.set(path, { size: st.size, mtimeMs: st.mtimeMs, usage });
  return usage;
}
