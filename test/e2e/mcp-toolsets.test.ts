import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOOLSETS, TOOLSET_WORDS, toolsetOf } from '../../src/mcp/toolsets.js';
import { BIN, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';

/** The bytes of a tools/list result as a host receives it (the JSON of the result object). */
const listBytes = (result: unknown) => Buffer.byteLength(JSON.stringify(result));

/** Runs `ag mcp <args>` with stdin closed at once and collects how it ended. */
function runMcp(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'mcp', ...args], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end();
  });
}

describe('ag mcp toolsets: a host loads only the tools it uses', () => {
  let t: TestEnv;
  beforeAll(() => {
    t = makeTestEnv();
  });
  afterAll(() => t.cleanup());

  it('serves the default toolsets in at most 25 KB of tools/list, and their tools still return valid structured content', async () => {
    const mcp = await connectMcp(t.env, []);
    try {
      const result = await mcp.client.listTools();
      const names = result.tools.map((x) => x.name);
      expect(new Set(names.map(toolsetOf))).toEqual(new Set(DEFAULT_TOOLSETS));
      expect(names).toEqual(expect.arrayContaining(['system_health', 'session_create', 'session_wait', 'memory_get', 'integrations_list']));
      expect(names.filter((n) => /^(kg|pipeline|message|channel)_/.test(n))).toEqual([]);
      const bytes = listBytes(result);
      console.log(`tools/list default: ${names.length} tools, ${bytes} bytes`);
      expect(bytes).toBeLessThanOrEqual(25_000);
      // The SDK client checks structuredContent against an outputSchema when one is listed; none is,
      // so the server's own check (callTool) is what holds: a result that did not match would be an error.
      const set = await mcp.client.callTool({ name: 'memory_set', arguments: { key: 'lean/url', value: 'https://x.example' } });
      expect(set.isError).toBeFalsy();
      const got = await mcp.client.callTool({ name: 'memory_get', arguments: { key: 'lean/url' } });
      expect(got.structuredContent).toMatchObject({ found: true, value: 'https://x.example' });
    } finally {
      await mcp.close();
    }
  });

  it('serves only the named toolsets with --toolsets, and says which toolset a tool left out is in', async () => {
    const mcp = await connectMcp(t.env, ['--toolsets', 'sessions,memory']);
    try {
      const names = (await mcp.client.listTools()).tools.map((x) => x.name);
      expect(names).toEqual(expect.arrayContaining(['session_create', 'session_list', 'memory_set', 'memory_search']));
      expect(names.filter((n) => !/^(session|worktree|memory)_/.test(n))).toEqual([]);
      const r = await mcp.client.callTool({ name: 'kg_search', arguments: { query: 'x' } });
      expect(r.isError).toBe(true);
      const text = (r.content as { text: string }[])[0]!.text;
      expect(text).toContain('toolset "knowledge"');
      expect(text).toContain('--toolsets sessions,memory,knowledge');
    } finally {
      await mcp.close();
    }
  });

  it('serves every tool with --toolsets all, and takes mcp.toolsets from the config (environment) when no flag is given', async () => {
    const all = await connectMcp(t.env, ['--toolsets=all']);
    let allCount: number;
    try {
      const names = (await all.client.listTools()).tools.map((x) => x.name);
      allCount = names.length;
      expect(names).toEqual(expect.arrayContaining(['kg_search', 'pipeline_create', 'message_list', 'channel_list', 'system_doctor']));
    } finally {
      await all.close();
    }
    const fromConfig = await connectMcp({ ...t.env, AEGIS_MCP_TOOLSETS: 'knowledge' }, []);
    try {
      const names = (await fromConfig.client.listTools()).tools.map((x) => x.name);
      expect(names.length).toBeGreaterThan(3);
      expect(names.length).toBeLessThan(allCount);
      expect(names.filter((n) => !n.startsWith('kg_'))).toEqual([]);
    } finally {
      await fromConfig.close();
    }
  });

  it('refuses an unknown toolset by name, listing the known ones, from the flag and from the config', async () => {
    const flag = await runMcp(t.env, ['--toolsets', 'sessions,sesions']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('unknown toolset "sesions"');
    for (const word of TOOLSET_WORDS) expect(flag.stderr).toContain(word);

    const config = await runMcp({ ...t.env, AEGIS_MCP_TOOLSETS: 'memroy' }, []);
    expect(config.code).not.toBe(0);
    expect(config.stderr).toContain('AEGIS_MCP_TOOLSETS');
    expect(config.stderr).toContain('sessions');
  });
});
