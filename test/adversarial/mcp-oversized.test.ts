import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../src/mcp/line-guard.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';

/** An 11 MiB request is over the SDK's own 10 MiB stdio limit: without the guard it closes `ag mcp`. */
describe('ag mcp: one oversized request', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  beforeAll(async () => {
    t = makeTestEnv();
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  it('is answered with an error naming the limit, and the same connection serves the next call', async () => {
    const huge = 'k'.repeat(11 * 1024 * 1024);
    const err = await mcp.client.callTool({ name: 'memory_get', arguments: { key: huge } }, undefined, { timeout: 60_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).message).toContain(`at most ${MAX_MESSAGE_BYTES} bytes`);
    expect(mcp.transport.pid).toBeGreaterThan(0);

    // The same connection (same child process) answers a normal call afterwards.
    const ok = await mcp.client.callTool({ name: 'memory_set', arguments: { key: 'after/oversized', value: 'alive' } });
    expect(ok.isError).toBeFalsy();
    const read = await mcp.client.callTool({ name: 'memory_get', arguments: { key: 'after/oversized' } });
    expect((read.structuredContent as { value: unknown }).value).toBe('alive');
  }, 120_000);

  it('an id far longer than its format allows is refused by name, not "internal"', async () => {
    const r = await mcp.client.callTool({ name: 'session_get', arguments: { id: 'x'.repeat(1024 * 1024) } }, undefined, { timeout: 60_000 });
    expect(r.isError).toBe(true);
    const text = (r.content as { text: string }[])[0]!.text;
    expect(text).toContain('(invalid_input) id:');
    expect(text).toContain('fix: shorten id to at most 64 characters');
    // The error names the field; it never echoes the megabyte back.
    expect(text.length).toBeLessThan(1000);
  }, 120_000);
});
