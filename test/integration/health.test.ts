import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { waitFor } from '../helpers/wait.js';

interface Health {
  tmux: { serverRunning: boolean };
  counts: Record<string, number>;
}

/** system_health keeps its counts until the data changes: these prove a change is always seen. */
describe('system_health stays true while it avoids work', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  const health = async () => (await mcp.client.callTool({ name: 'system_health', arguments: {} })).structuredContent as unknown as Health;

  beforeAll(async () => {
    t = makeTestEnv();
    mcp = await connectMcp(t.env, []);
  });
  afterAll(async () => {
    await mcp?.close();
    t.cleanup();
  });

  it('counts a write of its own connection and one of another process, and repeats itself when nothing changed', async () => {
    const before = (await health()).counts.memory ?? 0;
    expect((await health()).counts.memory ?? 0).toBe(before);
    await mcp.client.callTool({ name: 'memory_set', arguments: { key: 'health/a', value: 1 } });
    expect((await health()).counts.memory).toBe(before + 1);
    // Another process (the CLI) writes the same database: the server's next health sees it.
    const cli = await runCli(['memory', 'set', 'health/b', '2'], t.env);
    expect(cli.code, cli.stderr).toBe(0);
    expect((await health()).counts.memory).toBe(before + 2);
    await runCli(['memory', 'delete', 'health/a'], t.env);
    expect((await health()).counts.memory).toBe(before + 1);
  });

  it('sees the tmux server of its socket come up and go away', async () => {
    expect((await health()).tmux.serverRunning).toBe(false);
    const created = await mcp.client.callTool({ name: 'session_create', arguments: { workDir: t.home, agent: 'shell' } });
    expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
    expect((await health()).tmux.serverRunning).toBe(true);
    expect((await health()).counts.sessions).toBe(1);
    execFileSync('tmux', ['-L', t.socket, 'kill-server'], { stdio: 'ignore' });
    // kill-server returns before the server has closed its socket.
    await waitFor(async () => !(await health()).tmux.serverRunning, { what: 'system_health to see the tmux server gone' });
  });
});
