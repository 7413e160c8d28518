import { spawn } from 'node:child_process';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../src/mcp/line-guard.js';
import { BIN, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { waitFor } from '../helpers/wait.js';

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
  it('a value nested deeper than the schema check can follow is refused by field, and the server lives on', async () => {
    // Raw stdio: the SDK client cannot even serialise 200,000 levels; a hostile host can.
    const child = spawn(process.execPath, [BIN, 'mcp'], { env: t.env, stdio: ['pipe', 'pipe', 'ignore'] });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const answer = (id: number) =>
        waitFor(
          () =>
            out
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as { id?: number; result?: { isError?: boolean; content: { text: string }[] } })
              .find((m) => m.id === id),
          { timeoutMs: 60_000, what: `answer ${id}` },
        );
      const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
      });
      await answer(1);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
      child.stdin.write(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"memory_set","arguments":{"key":"deep/value","value":${deep}}}}\n`);
      send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'system_health', arguments: {} } });
      const refused = await answer(2);
      expect(refused.result?.isError).toBe(true);
      expect(refused.result?.content[0]!.text).toContain('(invalid_input) value is nested more than 64 levels deep');
      expect((await answer(3)).result?.isError).toBeFalsy();
    } finally {
      child.kill();
    }
  }, 120_000);

  it('prompt arguments and resource URIs are bounded too, and never echoed whole', async () => {
    const long = 'v'.repeat(200_000);
    const prompt = await mcp.client.getPrompt({ name: 'implement_issue', arguments: { issue: long, workDir: '/a' } }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(prompt).toContain('issue is 200000 characters; at most 100000');
    const resource = await mcp.client.readResource({ uri: `aegis://sessions/${long}` }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(resource).toContain('uri is 200017 characters; at most 2048');
    for (const message of [prompt, resource]) expect(message.length).toBeLessThan(1000);
  }, 120_000);
});
