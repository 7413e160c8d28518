/**
 * List prices in US dollars per million tokens, for the estimated cost of a session. Sources: Anthropic's
 * pricing page (docs.claude.com/en/docs/about-claude/pricing) and OpenAI's API pricing page
 * (openai.com/api/pricing), as read 2025-11-20; cache writes at Anthropic's 5-minute rate. A model not
 * listed gets no cost (tokens are still counted). First matching pattern wins.
 */
export interface Price {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export const PRICES: { model: RegExp; price: Price }[] = [
  { model: /^claude-opus-4-(?:[5-9]|\d\d)/, price: { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 } },
  { model: /^claude-opus-4/, price: { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 } },
  { model: /^claude-(?:3-7-)?sonnet|^claude-sonnet-4/, price: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 } },
  { model: /^claude-haiku-4/, price: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 } },
  { model: /^claude-3-5-haiku/, price: { input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 } },
  { model: /^gpt-5(?:\.\d+)?-codex-mini|^gpt-5-mini/, price: { input: 0.25, output: 2, cacheWrite: 0, cacheRead: 0.025 } },
  { model: /^gpt-5/, price: { input: 1.25, output: 10, cacheWrite: 0, cacheRead: 0.125 } },
];

export function priceOf(model: string): Price | undefined {
  return PRICES.find((p) => p.model.test(model))?.price;
}
