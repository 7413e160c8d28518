import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { TOOLSET_NAMES } from '../../src/mcp/toolsets.js';
import { makeTestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { fmt, percentile, report } from './stats.js';

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

/** The reference memory server the KG bench installs (npm run bench memory); measured when present. */
const REFERENCE_ENTRY = join(tmpdir(), 'aegis-bench-reference-memory', 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');

async function listBytes(env: Record<string, string>, args: string[]): Promise<{ tools: number; bytes: number }> {
  const mcp = await connectMcp(env, args);
  try {
    const result = await mcp.client.listTools();
    return { tools: result.tools.length, bytes: Buffer.byteLength(JSON.stringify(result)) };
  } finally {
    await mcp.close();
  }
}

async function referenceBytes(): Promise<{ tools: number; bytes: number } | undefined> {
  if (!existsSync(REFERENCE_ENTRY)) return undefined;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [REFERENCE_ENTRY],
    env: { ...(process.env as Record<string, string>), MEMORY_FILE_PATH: join(tmpdir(), `aegis-bench-ref-${process.pid}.jsonl`) },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'aegis-bench', version: '0.0.0' });
  await client.connect(transport);
  try {
    const result = await client.listTools();
    return { tools: result.tools.length, bytes: Buffer.byteLength(JSON.stringify(result)) };
  } finally {
    await client.close();
  }
}

/** tools/list bytes per toolset (what every host puts into the model's context), beside the reference memory server's. */
export async function benchToolList(): Promise<void> {
  const t = makeTestEnv();
  try {
    const ref = await referenceBytes();
    const line = ({ tools, bytes }: { tools: number; bytes: number }, goal = '') =>
      `${kb(bytes).padStart(8)}  ${String(tools).padStart(2)} tools${ref ? `  ${(bytes / ref.bytes).toFixed(1)}x reference` : ''}${goal}`;
    const rows: [string, string][] = [
      ['default (no --toolsets)', line(await listBytes(t.env, []), '  (goal <= 25 KB)')],
      ['all', line(await listBytes(t.env, ['--toolsets', 'all']))],
    ];
    for (const name of TOOLSET_NAMES) rows.push([`--toolsets ${name}`, line(await listBytes(t.env, ['--toolsets', name]))]);
    rows.push([
      'floor: reference memory server',
      ref ? `${kb(ref.bytes).padStart(8)}  ${String(ref.tools).padStart(2)} tools` : 'not installed (npm run bench memory installs it)',
    ]);
    report('MCP tools/list size (JSON bytes of the result, as the SDK client receives it)', rows);
  } finally {
    t.cleanup();
  }
}

/** system_health against memory_get on one connection: p50/p95 of `calls` each, interleaved. */
export async function benchHealth(calls: number): Promise<void> {
  const t = makeTestEnv();
  const mcp = await connectMcp(t.env, []);
  try {
    await mcp.client.callTool({ name: 'memory_set', arguments: { key: 'bench/k', value: 'v' } });
    const health: number[] = [];
    const get: number[] = [];
    const timed = async (name: string, args: Record<string, unknown>, into: number[]) => {
      const t0 = performance.now();
      const r = await mcp.client.callTool({ name, arguments: args });
      into.push(performance.now() - t0);
      if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
    };
    for (let i = 0; i < calls; i++) {
      await timed('memory_get', { key: 'bench/k' }, get);
      await timed('system_health', {}, health);
    }
    const p50 = (xs: number[]) => percentile(xs, 50);
    report(`system_health vs memory_get on one MCP connection (${calls} calls each, interleaved; p50 / p95)`, [
      ['floor: memory_get', `${fmt(p50(get))} / ${fmt(percentile(get, 95))}`],
      [
        'system_health',
        `${fmt(p50(health))} / ${fmt(percentile(health, 95))}  = ${(p50(health) / p50(get)).toFixed(2)}x memory_get at p50, ${(percentile(health, 95) / percentile(get, 95)).toFixed(2)}x at p95 (goal <= 3x)`,
      ],
    ]);
  } finally {
    await mcp.close();
    t.cleanup();
  }
}
