/**
 * Floors measured in the same run as a bench's figures, so that verdicts are ratios that hold when
 * the machine is loaded (absolute times swing with load; ratios to a floor measured beside them
 * hold): Node's own start-up and a minimal SDK server's MCP round trip.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

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

/** Round trips of a tool call to the minimal SDK server (after `warmup` calls), milliseconds. */
export async function mcpRoundTripTimes(calls = 50, warmup = 10): Promise<number[]> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [MINIMAL_SERVER], stderr: 'ignore' });
  const client = new Client({ name: 'aegis-bench-floor', version: '0.0.0' });
  await client.connect(transport);
  try {
    const times: number[] = [];
    for (let i = 0; i < calls + warmup; i++) {
      const t0 = performance.now();
      await client.callTool({ name: 'ping', arguments: {} });
      if (i >= warmup) times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await client.close();
  }
}

/** "12.3x": a figure over its floor. */
export const ratio = (value: number, floor: number): string => `${(value / floor).toFixed(value / floor < 10 ? 2 : 1)}x`;

/** A figure, its floor and the ratio on one line: "3.10 ms  (floor 1.20 ms, 2.58x)". */
export const overFloor = (value: number, floor: number, fmtMs: (n: number) => string): string => `${fmtMs(value)}  (floor ${fmtMs(floor)}, ${ratio(value, floor)})`;

/** Median of a floor's samples. */
export const floorOf = (samples: number[]): number => median(samples);
