import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, FAKE_CLAUDE, waitState } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

interface Got {
  state: string;
  usage?: { totalTokens: number };
  budget?: { tokens?: number; usedPercent: number };
}

/**
 * Budgets with the recorded-agent fake (it writes Claude Code's transcript, usage included): a notice at
 * 80 % (recorded once), and the working agent interrupted at 100 %, long before its command ends.
 */
describe('session budgets', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let workDir: string;
  let agentHome: string;
  beforeAll(async () => {
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE });
    workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-budget-work-')));
    agentHome = mkdtempSync(join(tmpdir(), 'aegis-budget-home-'));
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  const notified = (id: string) => {
    const db = new Database(join(t.home, 'aegis.db'), { readonly: true });
    try {
      return (db.prepare('SELECT budget_notified AS n FROM sessions WHERE id = ?').get(id) as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const start = (extra: Record<string, unknown>) =>
    call<{ id: string }>(mcp.client, 'session_create', { workDir, prompt: 'hello', permissionMode: 'bypassPermissions', env: { HOME: agentHome }, ...extra });

  it('notices at 80 % and interrupts the working agent at 100 %', async () => {
    // The same first turn in a fresh session reports the same usage: measure it once.
    const probe = await start({});
    await waitState(mcp.client, probe.id, ['idle']);
    const first = await waitFor(async () => (await call<Got>(mcp.client, 'session_get', { id: probe.id })).usage?.totalTokens, {
      what: 'usage of the first turn',
    });
    await call(mcp.client, 'session_kill', { id: probe.id });

    const tokens = Math.ceil(first / 0.9); // the first turn uses 90 %
    const s = await start({ budget: { tokens } });
    await waitState(mcp.client, s.id, ['idle']);
    await waitFor(() => notified(s.id) === 80, { timeoutMs: 15_000, what: 'the 80 % notice recorded' });
    const got = await call<Got>(mcp.client, 'session_get', { id: s.id });
    expect(got.budget).toEqual({ tokens, usedPercent: Math.round((first / tokens) * 1000) / 10 });

    const began = Date.now();
    await call(mcp.client, 'session_send', { id: s.id, text: 'RUN sleep 40' });
    await waitFor(() => notified(s.id) === 100, { timeoutMs: 20_000, what: 'the 100 % level reached' });
    await waitState(mcp.client, s.id, ['idle'], 30);
    expect(Date.now() - began).toBeLessThan(40_000); // interrupted, not finished
    expect((await call<Got>(mcp.client, 'session_get', { id: s.id })).budget!.usedPercent).toBeGreaterThanOrEqual(100);
  });
});
