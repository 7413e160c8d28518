/**
 * Floors measured in the same run as a bench's figures, so that verdicts are ratios that hold when
 * the machine is loaded (absolute times swing with load; ratios to a floor measured beside them
 * hold): Node's own start-up and a minimal SDK server's MCP round trip.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, median, percentile } from './stats.js';

const MINIMAL_SERVER = fileURLToPath(new URL('./minimal-mcp-server.mjs', import.meta.url));

/** Wall-clock milliseconds of `node -e 0`, one sample per run. */
export function nodeStartTimes(runs = 5): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(performance.now() - t0);
  }
  return times;
}

/** A connection to the minimal SDK server: `ping()` times one tool call, to interleave with a bench's own calls. */
export async function openFloorClient(): Promise<{ ping(): Promise<number>; close(): Promise<void> }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [MINIMAL_SERVER], stderr: 'ignore' });
  const client = new Client({ name: 'aegis-bench-floor', version: '0.0.0' });
  await client.connect(transport);
  return {
    async ping() {
      const t0 = performance.now();
      await client.callTool({ name: 'ping', arguments: {} });
      return performance.now() - t0;
    },
    close: () => client.close(),
  };
}

/** Round trips of a tool call to the minimal SDK server (after `warmup` calls), milliseconds. */
export async function mcpRoundTripTimes(calls = 50, warmup = 10): Promise<number[]> {
  const floor = await openFloorClient();
  try {
    const times: number[] = [];
    for (let i = 0; i < calls + warmup; i++) {
      const took = await floor.ping();
      if (i >= warmup) times.push(took);
    }
    return times;
  } finally {
    await floor.close();
  }
}

/** Fresh minimal SDK server spawned -> tools/list answered, milliseconds, one sample per run. */
export async function mcpSpawnTimes(runs = 5): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const transport = new StdioClientTransport({ command: process.execPath, args: [MINIMAL_SERVER], stderr: 'ignore' });
    const client = new Client({ name: 'aegis-bench-floor', version: '0.0.0' });
    await client.connect(transport);
    await client.listTools();
    times.push(performance.now() - t0);
    await client.close();
  }
  return times;
}

/** RSS (KiB) of the minimal SDK server after a few calls: the floor for an MCP server's memory. */
export async function minimalServerRssKb(): Promise<number> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [MINIMAL_SERVER], stderr: 'ignore' });
  const client = new Client({ name: 'aegis-bench-floor', version: '0.0.0' });
  await client.connect(transport);
  try {
    for (let i = 0; i < 10; i++) await client.callTool({ name: 'ping', arguments: {} });
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${transport.pid}/status`, 'utf8'))?.[1] ?? NaN);
  } finally {
    await client.close();
  }
}

/** "12.3x": a figure over its floor. */
export const ratio = (value: number, floor: number): string => `${(value / floor).toFixed(value / floor < 10 ? 2 : 1)}x`;

/** A report row: the samples' p50 / p95, and each over the floor's p50 / p95 from the same run. */
export function floorRow(label: string, samples: number[], floor: number[], note = ''): [string, string] {
  const [p50, p95] = [median(samples), percentile(samples, 95)];
  return [label, `${fmt(p50)} / ${fmt(p95)}  = ${ratio(p50, median(floor))} / ${ratio(p95, percentile(floor, 95))} the floor${note ? `  ${note}` : ''}`];
}

/** The report row of a floor itself: p50 / p95. */
export const floorLine = (label: string, floor: number[]): [string, string] => [
  `floor: ${label} p50 / p95`,
  `${fmt(median(floor))} / ${fmt(percentile(floor, 95))}  (same run)`,
];
