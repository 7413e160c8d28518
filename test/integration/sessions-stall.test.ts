import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, FAKE_CLAUDE, waitState } from '../helpers/sessions.js';

describe('stall detection', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  beforeAll(async () => {
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE, AEGIS_STALL_SECONDS: '5' });
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  it('a turn that shows only its spinner for the stall time is stalled; its end clears the stall', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'aegis-stall-'));
    const s = await call<{ id: string }>(mcp.client, 'session_create', {
      workDir,
      prompt: 'DELAY 9000 late answer',
      env: { HOME: mkdtempSync(join(tmpdir(), 'aegis-stall-home-')) },
    });
    await waitState(mcp.client, s.id, ['working']);
    await waitState(mcp.client, s.id, ['stalled'], 20);
    const h = await call<{ stalled: boolean; hints: string[] }>(mcp.client, 'session_health', { id: s.id });
    expect(h.stalled).toBe(true);
    expect(h.hints.join(' ')).toMatch(/session_interrupt/);
    await waitState(mcp.client, s.id, ['idle'], 20);
  });
});
