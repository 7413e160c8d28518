import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, waitState } from '../helpers/sessions.js';

/**
 * A one-shot `ag` looking at a session must not change what the watching process recorded. An agent
 * read by its activity (shell, custom) is "working" until quiet for 1.5 s, and a process that had
 * just started watching counted itself as having seen output: `ag session get` of an idle shell
 * wrote "working" into the store, where it stayed (the watcher, whose own view had not changed, did
 * not write again), and a send to it answered "queued".
 */
describe('a one-shot ag leaves the recorded state alone', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let workDir: string;

  beforeAll(async () => {
    t = makeTestEnv();
    mcp = await connectMcp(t.env);
    workDir = mkdtempSync(join(tmpdir(), 'aegis-one-shot-'));
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('ag session get of an idle shell session reports it idle and leaves it idle', async () => {
    const { id } = await call<{ id: string }>(mcp.client, 'session_create', { workDir, agent: 'shell' });
    await waitState(mcp.client, id, ['idle']);
    const got = await runCli(['session', 'get', id, '--json'], t.env);
    expect(got.code, got.stderr).toBe(0);
    expect((JSON.parse(got.stdout) as { state: string }).state).toBe('idle');
    const db = new Database(join(t.home, 'aegis.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT state FROM sessions WHERE id = ?').get(id)).toEqual({ state: 'idle' });
    } finally {
      db.close();
    }
    const sent = await runCli(['send', id, 'echo one-shot', '--json'], t.env);
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 'delivered' });
  });
});
