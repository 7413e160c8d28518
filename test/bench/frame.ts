import { execFileSync, spawnSync } from 'node:child_process';
import { connectMcp } from '../helpers/mcp-client.js';
import { BIN, makeTestEnv } from '../helpers/env.js';
import { floorLine, floorRow, mcpSpawnTimes, nodeStartTimes } from './floors.js';
import { report } from './stats.js';

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

/**
 * Cold start of the CLI and time to a usable MCP server, each a fresh process, 15 of each; beside
 * floors from the same run: `node -e 0`, and a minimal SDK server spawned until tools/list answers.
 */
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
    const node = nodeStartTimes(RUNS);
    const sdk = await mcpSpawnTimes(RUNS);
    report('Frame: cold start, p50 / p95 of 15 fresh processes, and over the floor (wall time)', [
      floorLine('node -e 0', node),
      floorRow('ag --version', version, node, '(answered before the bundle loads: says nothing of cold start)'),
      floorRow('ag system health --json', health, node, '(issue 14: every command <= 1.5x node -e 0, CPU)'),
      floorLine('minimal SDK server spawned -> tools/list', sdk),
      floorRow('spawn ag mcp -> tools/list done', mcp, sdk),
    ]);
  } finally {
    t.cleanup();
  }
}
