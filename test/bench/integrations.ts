import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { BIN, makeTestEnv, ROOT } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { waitFor } from '../helpers/wait.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { floorLine, floorRow, mcpRoundTripTimes, mcpSpawnTimes } from './floors.js';
import { report } from './stats.js';

const EXAMPLE = join(ROOT, 'test', 'fixtures', 'integrations', 'example');
const TOKEN = 'bench-token-0123456789';

/** Fresh `ag mcp` → tools/list done, median / p95 of `runs` processes. */
async function mcpReady(env: Record<string, string>, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c = await connectMcp(env);
    await c.client.listTools();
    times.push(performance.now() - t0);
    await c.close();
  }
  return times;
}

/** Round trips of one tool call over MCP. */
async function callTimes(env: Record<string, string>, name: string, args: Record<string, unknown>, calls: number): Promise<number[]> {
  const c = await connectMcp(env);
  try {
    const times: number[] = [];
    for (let i = 0; i < calls + 10; i++) {
      const t0 = performance.now();
      const r = await c.client.callTool({ name, arguments: args });
      if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
      if (i >= 10) times.push(performance.now() - t0); // the first calls warm the process up
    }
    return times;
  } finally {
    await c.close();
  }
}

/** Floor for webhook in -> reply out: a POST to a bare HTTP server in this process that answers at once. */
async function bareHttpTimes(posts: number): Promise<number[]> {
  const server = createServer((req, res) => req.resume().on('end', () => res.end('ok')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const times: number[] = [];
    for (let n = 0; n < posts; n++) {
      const t0 = performance.now();
      await (await fetch(url, { method: 'POST', body: JSON.stringify({ n }) })).text();
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    server.close();
  }
}

/**
 * What an integration costs and how its channel performs: start-up of `ag mcp` with none, a
 * JavaScript one (the `ag integrations new` scaffold) and the TypeScript example; a tool call with
 * and without integration hooks around it; and the example channel under `ag serve` — a signed
 * webhook in, the chat command run, the reply out through the integration's send.
 */
export async function benchIntegrations(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'aegis-bench-integrations-'));
  const plain = makeTestEnv({ AEGIS_LOG_LEVEL: 'error' });
  const logFile = join(scratch, 'events.jsonl');
  const withExample = makeTestEnv({ AEGIS_LOG_LEVEL: 'error', AEGIS_INTEGRATION_DIRS: EXAMPLE, AEGIS_EXAMPLE_LOG_FILE: logFile, AEGIS_EXAMPLE_TOKEN: TOKEN });
  const jsHome = join(scratch, 'js');
  const withJs = makeTestEnv({ AEGIS_LOG_LEVEL: 'error', AEGIS_INTEGRATION_DIRS: jsHome });
  try {
    const made = await runCli(['integrations', 'new', 'benchjs', '--dir', jsHome], plain.env);
    if (made.code !== 0) throw new Error(`ag integrations new failed: ${made.stderr}`);
    const startNone = await mcpReady(plain.env, 10);
    const startJs = await mcpReady(withJs.env, 10);
    const startTs = await mcpReady(withExample.env, 10);
    const startFloor = await mcpSpawnTimes(10);
    report('Integrations: spawn ag mcp -> tools/list done (p50 / p95 of 10 fresh processes, over the floor)', [
      floorLine('minimal SDK server spawned -> tools/list', startFloor),
      floorRow('no integration', startNone, startFloor),
      floorRow('scaffolded JavaScript integration', startJs, startFloor),
      floorRow('TypeScript example (tools, commands.ts, hooks, channel)', startTs, startFloor),
    ]);

    const bare = await callTimes(plain.env, 'memory_get', { key: 'bench/none' }, 300);
    const hooked = await callTimes(withExample.env, 'memory_get', { key: 'bench/none' }, 300);
    const tool = await callTimes(withExample.env, 'example_hello', { name: 'bench' }, 300);
    const callFloor = await mcpRoundTripTimes(300);
    report('Integrations: tool call over MCP (p50 / p95 of 300, over the floor)', [
      floorLine('minimal SDK server tool call', callFloor),
      floorRow('memory_get, no integration', bare, callFloor),
      floorRow('memory_get, example hooks (before_tool_call guard + after_tool_call)', hooked, callFloor),
      floorRow('example_hello (integration tool, TypeScript)', tool, callFloor),
    ]);

    const serve = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: withExample.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    serve.stderr.on('data', (b: Buffer) => (err += b.toString()));
    try {
      const url = await waitFor(() => /webhooks at (http:\/\/127\.0\.0\.1:\d+)/.exec(err)?.[1], { timeoutMs: 20_000, what: 'ag serve' });
      const replies = () =>
        existsSync(logFile)
          ? readFileSync(logFile, 'utf8')
              .split('\n')
              .filter((l) => l.includes('"channel_send"') && l.includes('"to":"alice"')).length
          : 0;
      const times: number[] = [];
      for (let n = 0; n < 100; n++) {
        const body = JSON.stringify({ id: `bench-${n}`, from: 'alice', text: `hello Bench${n}` });
        const before = replies();
        const t0 = performance.now();
        const r = await fetch(`${url}/api/example/inbound`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-example-signature': createHmac('sha256', TOKEN).update(body).digest('hex') },
          body,
        });
        if (r.status !== 200) throw new Error(`webhook answered ${r.status}`);
        await waitFor(() => replies() > before, { timeoutMs: 10_000, intervalMs: 1, what: `reply ${n}` });
        times.push(performance.now() - t0);
      }
      const httpFloor = await bareHttpTimes(100);
      report('Integrations: example channel under ag serve, signed webhook in -> reply out through its send (100 messages)', [
        floorLine('POST to a bare HTTP server in this process', httpFloor),
        floorRow('webhook in -> reply out p50 / p95', times, httpFloor),
      ]);
    } finally {
      serve.kill('SIGTERM');
      if (serve.exitCode === null) await new Promise((r) => serve.once('exit', r));
    }
  } finally {
    plain.cleanup();
    withExample.cleanup();
    withJs.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  }
}
