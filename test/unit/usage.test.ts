import { describe, expect, it } from 'vitest';
import { budgetPercent } from '../../src/usage/budget.js';
import { claudeUsage, codexUsage } from '../../src/usage/usage.js';

const line = (v: unknown) => JSON.stringify(v);
const assistant = (id: string, usage: Record<string, number>, model = 'claude-sonnet-4-5') =>
  line({ type: 'assistant', message: { id, model, role: 'assistant', usage } });

describe('usage from agent records', () => {
  it('Claude Code: one count per API message (its records repeat the usage per content block), cache tokens and cost', () => {
    const u = { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 1_000, cache_read_input_tokens: 10_000 };
    const text = [
      assistant('msg_1', { ...u, output_tokens: 1 }), // an early block while the reply streamed
      assistant('msg_1', u),
      line({ type: 'user', message: { role: 'user', content: 'hi' } }),
      assistant('msg_2', { input_tokens: 50, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }, 'some-model-without-price'),
      '{"type":"assistant","message":{"id":"msg_3","usage":', // a line still being written
    ].join('\n');
    const got = claudeUsage(text);
    expect(got).toMatchObject({
      inputTokens: 150,
      outputTokens: 25,
      cacheCreationTokens: 1_000,
      cacheReadTokens: 10_000,
      totalTokens: 11_175,
      unpricedModels: ['some-model-without-price'],
    });
    // Sonnet 4.5 list prices: 3 in, 15 out, 3.75 cache write, 0.30 cache read per million.
    expect(got.costUsd).toBeCloseTo((100 * 3 + 20 * 15 + 1_000 * 3.75 + 10_000 * 0.3) / 1e6, 12);
  });

  it("Codex: the last token_count's running total, cached input taken out of input", () => {
    const tc = (input: number, cached: number, output: number) =>
      line({
        type: 'event_msg',
        payload: {
          type: 'token_count',
          info: { total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output, total_tokens: input + output } },
        },
      });
    const text = [
      line({ type: 'turn_context', payload: { model: 'gpt-5-codex' } }),
      tc(1_000, 200, 50),
      line({ type: 'event_msg', payload: { type: 'token_count', info: null } }),
      tc(3_000, 1_000, 120),
    ].join('\n');
    expect(codexUsage(text)).toMatchObject({ inputTokens: 2_000, cacheReadTokens: 1_000, outputTokens: 120, cacheCreationTokens: 0, totalTokens: 3_120 });
    expect(codexUsage(line({ type: 'event_msg', payload: { type: 'agent_message' } })).totalTokens).toBe(0);
  });

  it('a budget share is the larger of its dollar and token shares', () => {
    const u = { ...claudeUsage(''), totalTokens: 800, costUsd: 0.5 };
    expect(budgetPercent({ tokens: 1_000 }, u)).toBe(80);
    expect(budgetPercent({ usd: 0.25 }, u)).toBe(200);
    expect(budgetPercent({ usd: 1, tokens: 1_000 }, u)).toBe(80);
  });
});
