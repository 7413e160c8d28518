import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, FAKE_CLAUDE, readUntil, waitState } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

const parentOf = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
};

describe('a server killed with SIGKILL', () => {
  let t: TestEnv;
  beforeAll(() => {
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE });
  });
  afterAll(() => t.cleanup());

  const controlClients = () =>
    execFileSync('tmux', ['-L', t.socket, 'list-clients', '-F', '#{client_pid} #{client_control_mode}'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.endsWith(' 1'))
      .map((l) => Number(l.split(' ')[0]));

  it('leaves its agents running, and the next server adopts them and drops the orphaned control client', async () => {
    const first = await connectMcp(t.env);
    const workDir = mkdtempSync(join(tmpdir(), 'aegis-crash-'));
    const s = await call<{ id: string }>(first.client, 'session_create', { workDir, env: { HOME: mkdtempSync(join(tmpdir(), 'aegis-crash-home-')) } });
    await waitState(first.client, s.id, ['idle']);
    process.kill(first.transport.pid!, 'SIGKILL');
    await first.close().catch(() => {});

    const second = await connectMcp(t.env);
    try {
      await call(second.client, 'session_send', { id: s.id, text: 'after the crash' });
      await readUntil(second.client, s.id, (ts) => ts.some((x) => x.text === 'ECHO: after the crash'), 'reply after the crash');
      // Whatever the first server left attached, no control client without a living parent remains.
      await waitFor(() => controlClients().every((pid) => parentOf(pid) !== 1), { what: 'no orphaned control client' });
      expect(controlClients().length).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });
});
