import { execFileSync, spawnSync } from 'node:child_process';
import { connectMcp } from '../helpers/mcp-client.js';
import { BIN, makeTestEnv } from '../helpers/env.js';
import { fmt, median, percentile, report } from './stats.js';

const RUNS = 15;

function timeCommand(args: string[], env: Record<string, string>): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`ag ${args.join(' ')} failed: ${r.stderr}`);
  }
  return times;
}

/** Cold start of the CLI and time to a usable MCP server, each a fresh process, median of 15. */
export async function benchFrame(): Promise<void> {
  const t = makeTestEnv();
  try {
    execFileSync(process.execPath, [BIN, 'health', '--json'], { env: t.env }); // creates the database once
    const version = timeCommand(['--version'], t.env);
    const health = timeCommand(['system', 'health', '--json'], t.env);
    const mcp: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const c = await connectMcp(t.env);
      await c.client.listTools();
      mcp.push(performance.now() - t0);
      await c.close();
    }
    report('Frame: cold start (median / p95 of 15 fresh processes)', [
      ['ag --version', `${fmt(median(version))} / ${fmt(percentile(version, 95))}  (goal <= 150 ms)`],
      ['ag system health --json', `${fmt(median(health))} / ${fmt(percentile(health, 95))}  (goal <= 300 ms)`],
      ['spawn ag mcp -> tools/list done', `${fmt(median(mcp))} / ${fmt(percentile(mcp, 95))}  (goal <= 400 ms)`],
    ]);
  } finally {
    t.cleanup();
  }
}
