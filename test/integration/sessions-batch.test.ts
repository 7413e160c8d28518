import Database from 'better-sqlite3';
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

/** Window name -> window tag (@aegis_id) of every window on the test's tmux socket. */
function tmuxTags(socket: string): Map<string, string> {
  const out = execFileSync('tmux', ['-L', socket, 'list-windows', '-a', '-F', '#{window_name}\t#{@aegis_id}'], { encoding: 'utf8' });
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t') as [string, string]),
  );
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

  it('starts a full batch of 50 at once: each reported with its own pane and tag, each prompt typed; session_list shows exactly the stored rows', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `full-${i}`);
    const r = await call<BatchResult>(mcp.client, 'session_batch_create', {
      sessions: names.map((name) => ({ workDir, agent: 'shell', name, prompt: `echo said-${name}` })),
    });
    expect(r).toMatchObject({ created: 50, failed: 0 });
    expect(r.results.map((x) => [x.index, x.name, x.ok])).toEqual(names.map((name, i) => [i, name, true]));
    const ids = r.results.map((x) => x.id!);
    expect(new Set(ids).size).toBe(50);
    // Every window carries the id of the session it was made for.
    const tags = tmuxTags(t.socket);
    for (const x of r.results) expect(tags.get(x.name!), x.name).toBe(x.id);
    // Each prompt reaches its own pane and no other.
    const pending = new Set(names);
    await waitFor(
      () => {
        for (const name of pending) {
          const screen = execFileSync('tmux', ['-L', t.socket, 'capture-pane', '-p', '-t', `aegis:=${name}`], { encoding: 'utf8' });
          if (screen.split('\n').includes(`said-${name}`)) pending.delete(name);
        }
        return pending.size === 0;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: `prompts typed (left: ${[...pending].slice(0, 5).join(', ')})` },
    );
    // Once all are idle (states no longer move), the list is the stored rows: same sessions, order, names and states as SQLite holds.
    await waitFor(async () => (await call<{ total: number }>(mcp.client, 'session_list', { state: ['idle'], limit: 1 })).total === 50, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'all 50 idle',
    });
    const listed = await call<{ total: number; sessions: { id: string; name: string; state: string; workDir: string }[] }>(mcp.client, 'session_list', {
      limit: 500,
    });
    const db = new Database(join(t.home, 'aegis.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT id, name, state, work_dir FROM sessions ORDER BY created_at DESC, id').all() as {
        id: string;
        name: string;
        state: string;
        work_dir: string;
      }[];
      expect(listed.total).toBe(rows.length);
      expect(listed.sessions.map((s) => [s.id, s.name, s.state, s.workDir])).toEqual(rows.map((s) => [s.id, s.name, s.state, s.work_dir]));
    } finally {
      db.close();
    }
    expect(listed.sessions.filter((s) => ids.includes(s.id))).toHaveLength(50);
  });
});
