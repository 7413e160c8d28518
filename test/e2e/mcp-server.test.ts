import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { waitFor } from '../helpers/wait.js';

describe('ag mcp over stdio with the SDK client', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;

  beforeAll(async () => {
    t = makeTestEnv();
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    t.cleanup();
  });

  it('initializes and names itself', () => {
    expect(mcp.client.getServerVersion()?.name).toBe('aegis');
    expect(mcp.client.getServerCapabilities()?.tools).toBeDefined();
  });

  it('lists tools, each with a description, an input schema and annotations (no output schema: the description says what comes back)', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['system_health', 'system_doctor']));
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(40);
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema, tool.name).toBeUndefined();
      expect(tool.annotations, tool.name).toBeDefined();
      expect(tool.name).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/);
    }
  });

  it('calls a tool and returns structured content that matches the text', async () => {
    const r = await mcp.client.callTool({ name: 'system_health', arguments: {} });
    expect(r.isError).toBeFalsy();
    const health = r.structuredContent as { version: string; home: string; database: { schemaVersion: number } };
    expect(health.home).toBe(t.home);
    expect(health.database.schemaVersion).toBeGreaterThan(0);
    expect(JSON.parse((r.content as { text: string }[])[0]!.text)).toEqual(health);
  });

  it('returns isError naming the field at fault for bad input', async () => {
    const { tools } = await mcp.client.listTools();
    // Pick any tool with a required string field; the frame's contract holds for all of them.
    const withRequired = tools.find((tool) => (tool.inputSchema.required ?? []).length > 0);
    if (!withRequired) return;
    const field = withRequired.inputSchema.required![0]!;
    const r = await mcp.client.callTool({ name: withRequired.name, arguments: { [field]: 12345678 } });
    expect(r.isError).toBe(true);
    const text = (r.content as { text: string }[])[0]!.text;
    expect(text).toContain(field);
    expect(text).toMatch(/invalid_input/);
  });

  it('returns isError for an unknown tool', async () => {
    const r = await mcp.client.callTool({ name: 'no_such_tool', arguments: {} });
    expect(r.isError).toBe(true);
    expect((r.content as { text: string }[])[0]!.text).toContain('tools/list');
  });

  it('lists prompts and renders one with its arguments; rejects a bad argument', async () => {
    const { prompts } = await mcp.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(expect.arrayContaining(['implement_issue', 'review_pr', 'debug_session']));
    const r = await mcp.client.getPrompt({
      name: 'implement_issue',
      arguments: { issue: 'Fix the flaky login test', workDir: '/srv/app', testCommand: 'npm test' },
    });
    const text = (r.messages[0]!.content as { text: string }).text;
    expect(text).toContain('Fix the flaky login test');
    expect(text).toContain('/srv/app');
    expect(text).toContain('`npm test`');
    expect(text).not.toContain('{{');
    await expect(mcp.client.getPrompt({ name: 'implement_issue', arguments: { issue: 'x', workDir: '/a', agent: 'vim' } })).rejects.toThrow(
      /claude, codex, gemini/,
    );
    await expect(mcp.client.getPrompt({ name: 'implement_issue', arguments: { workDir: '/a' } })).rejects.toThrow(/issue/);
  });

  it('lists and reads the agent guide resource', async () => {
    const { resources } = await mcp.client.listResources();
    const guide = resources.find((r) => r.uri === 'aegis://docs/agent-guide');
    expect(guide?.mimeType).toBe('text/markdown');
    const r = await mcp.client.readResource({ uri: 'aegis://docs/agent-guide' });
    expect((r.contents[0] as { text: string }).text).toContain('session_wait');
  });
});

describe('ag mcp robustness', () => {
  it('survives a line of garbage on stdin and keeps answering; writes only protocol to stdout', async () => {
    const t = makeTestEnv();
    const child = spawn(process.execPath, [BIN, 'mcp'], { env: t.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const send = (msg: unknown) => child.stdin.write(`${JSON.stringify(msg)}\n`);
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
      });
      await waitFor(() => out.includes('"id":1'), { what: 'initialize reply' });
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      child.stdin.write('this is not json {{{\n');
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      await waitFor(() => out.includes('"id":2'), { what: 'tools/list reply after garbage' });
      expect(child.exitCode).toBeNull();
      for (const line of out.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      child.kill();
      t.cleanup();
    }
  });
});
