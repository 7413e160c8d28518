import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

interface BatchResult {
  created: number;
  failed: number;
  results: { ok: boolean; index: number; id?: string; name?: string; error?: string }[];
}

/** Window names of the panes on the test's tmux socket (the hub session), or [] with no server. */
function tmuxWindows(socket: string): string[] {
  try {
    return execFileSync('tmux', ['-L', socket, 'list-windows', '-a', '-F', '#{window_name}'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('session_batch_create starts sessions concurrently; kills run in parallel', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let workDir: string;
  beforeAll(async () => {
    t = makeTestEnv();
    mcp = await connectMcp(t.env, []);
    workDir = mkdtempSync(join(tmpdir(), 'aegis-batch-'));
  });
  afterAll(async () => {
    await mcp?.close();
    t.cleanup();
  });

  it('starts every good entry in its own pane, in order, and refuses a bad folder and a name given twice', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `batch-${i}`);
    const r = await call<BatchResult>(mcp.client, 'session_batch_create', {
      sessions: [
        ...names.map((name) => ({ workDir, agent: 'shell', name })),
        { workDir: '/does/not/exist', agent: 'shell' },
        { workDir, agent: 'shell', name: 'batch-3' },
      ],
    });
    expect(r).toMatchObject({ created: 12, failed: 2 });
    expect(r.results.map((x) => x.index)).toEqual([...Array(14).keys()]);
    expect(r.results.slice(0, 12).map((x) => x.name)).toEqual(names);
    expect(r.results[12]!.error).toContain('workDir');
    expect(r.results[13]!.error).toContain('sessions[3]');
    expect(tmuxWindows(t.socket).sort()).toEqual([...names].sort());
    const listed = await call<{ total: number }>(mcp.client, 'session_list', {});
    expect(listed.total).toBe(12);
  });

  it('kills them all at once: every session exited, every pane gone', async () => {
    const { sessions } = await call<{ sessions: { id: string }[] }>(mcp.client, 'session_list', { limit: 500 });
    const killed = await Promise.all(sessions.map((s) => call<{ state: string }>(mcp.client, 'session_kill', { id: s.id })));
    expect(killed.map((k) => k.state)).toEqual(sessions.map(() => 'exited'));
    await waitFor(() => tmuxWindows(t.socket).length === 0, { what: 'every pane gone' });
    const exited = await call<{ total: number }>(mcp.client, 'session_list', { state: ['exited'] });
    expect(exited.total).toBe(12);
  });
});
