import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeRepo } from '../helpers/git.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, callError, waitState } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';
import { processAlive } from '../../src/util/process-tree.js';

/** Every descendant of `root` (one ps snapshot). */
function treeOf(root: number): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((r) => r.length === 2);
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    for (const [pid, ppid] of rows) if (ppid === p) (out.push(pid!), stack.push(pid!));
  }
  return out;
}

/** Resource guards with cheap shell agents: the live-session limit, the idle timeout, reaping a killed agent's processes. */
describe('session guards', () => {
  describe('sessions.maxLive and reaping', () => {
    let t: TestEnv;
    let mcp: Awaited<ReturnType<typeof connectMcp>>;
    let repo: string;
    beforeAll(async () => {
      t = makeTestEnv({ AEGIS_MAX_LIVE_SESSIONS: '2' });
      repo = makeRepo('aegis-guards-');
      mcp = await connectMcp(t.env);
    });
    afterAll(async () => {
      await mcp?.close();
      t?.cleanup();
    });

    it('refuses a create over the limit, naming it and the sessions that could be stopped', async () => {
      const one = await call<{ id: string }>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'g-one' });
      await call(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'g-two' });
      await waitState(mcp.client, one.id, ['idle']);
      const refused = await callError(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'g-three', worktree: true });
      expect(refused).toMatch(/sessions\.maxLive is 2 and 2 sessions are live: g-(one|two) \(\w+ \d+ min\), g-(one|two) /);
      expect(refused).toContain('session_kill');
      // Refused before anything was made: no session, no worktree, no branch.
      expect(existsSync(`${t.home}/worktrees`)).toBe(false);
      await call(mcp.client, 'session_kill', { id: one.id });
      const three = await call<{ name: string }>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', name: 'g-three' });
      expect(three.name).toBe('g-three');
    });

    it('holds the limit when creates race: a batch started in parallel and a second server at once', async () => {
      for (const s of (await call<{ sessions: { id: string; state: string }[] }>(mcp.client, 'session_list', {})).sessions) {
        if (s.state !== 'exited') await call(mcp.client, 'session_kill', { id: s.id });
      }
      // session_batch_create runs several creates at once in this server, and another server creates too:
      // every one of them checks the limit before any has recorded its session.
      const other = await connectMcp(t.env);
      try {
        const batch = (n: number, tag: string) => ({
          sessions: Array.from({ length: n }, (_, i) => ({ workDir: repo, agent: 'shell', name: `race-${tag}-${i}` })),
        });
        const [a, b] = await Promise.all([
          call<{ created: number; results: { ok: boolean; error?: string }[] }>(mcp.client, 'session_batch_create', batch(4, 'a')),
          call<{ created: number; results: { ok: boolean; error?: string }[] }>(other.client, 'session_batch_create', batch(4, 'b')),
        ]);
        expect(a.created + b.created).toBe(2);
        for (const r of [...a.results, ...b.results].filter((x) => !x.ok)) expect(r.error).toContain('sessions.maxLive is 2');
        const live = (await call<{ sessions: { state: string }[] }>(mcp.client, 'session_list', {})).sessions.filter(
          (s) => !['exited', 'dead'].includes(s.state),
        );
        expect(live).toHaveLength(2);
      } finally {
        await other.close();
      }
    });

    it('gives a name raced for by two servers to one session, and leaves no pane behind for the other', async () => {
      for (const s of (await call<{ sessions: { id: string; state: string }[] }>(mcp.client, 'session_list', {})).sessions) {
        if (s.state !== 'exited') await call(mcp.client, 'session_kill', { id: s.id });
      }
      const other = await connectMcp(t.env);
      try {
        const paneCount = () => {
          try {
            return execFileSync('tmux', ['-L', t.socket, 'list-panes', '-a', '-F', '#{pane_id}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
              .trim()
              .split('\n')
              .filter(Boolean).length;
          } catch {
            return 0; // no server yet
          }
        };
        const panesBefore = paneCount();
        const results = await Promise.allSettled(
          [mcp, other].map((m) => call<{ id: string }>(m.client, 'session_create', { workDir: repo, agent: 'shell', name: 'same-name' })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(String(refused.reason)).toContain('a session named "same-name" exists');
        expect(paneCount() - panesBefore).toBe(1);
      } finally {
        await other.close();
      }
    });

    it('a kill reaps every process the agent started, one in its own session too', async () => {
      for (const s of (await call<{ sessions: { id: string; state: string }[] }>(mcp.client, 'session_list', {})).sessions) {
        if (s.state !== 'exited') await call(mcp.client, 'session_kill', { id: s.id });
      }
      // setsid puts one sleep out of reach of the terminal's hangup: only the process tree finds it.
      const s = await call<{ id: string }>(mcp.client, 'session_create', {
        workDir: repo,
        agent: 'custom',
        command: ['sh', '-c', 'setsid sleep 1001 & sleep 1002'],
      });
      const panePid = Number(execFileSync('tmux', ['-L', t.socket, 'list-panes', '-a', '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim().split('\n')[0]);
      const tree = await waitFor(
        () => {
          const pids = treeOf(panePid);
          return pids.length >= 2 ? pids : undefined;
        },
        { what: 'both sleeps running' },
      );
      const killed = await call<{ killedProcesses: number }>(mcp.client, 'session_kill', { id: s.id });
      expect(killed.killedProcesses).toBeGreaterThanOrEqual(3);
      await waitFor(() => ![panePid, ...tree].some(processAlive), { timeoutMs: 5_000, what: 'every process of the agent gone' });
    });
  });

  describe('sessions.idleTimeoutMinutes', () => {
    let t: TestEnv;
    let mcp: Awaited<ReturnType<typeof connectMcp>>;
    let repo: string;
    beforeAll(async () => {
      t = makeTestEnv({ AEGIS_IDLE_TIMEOUT_MINUTES: '0.05' }); // 3 s
      repo = makeRepo('aegis-idle-');
      mcp = await connectMcp(t.env);
    });
    afterAll(async () => {
      await mcp?.close();
      t?.cleanup();
    });

    it('stops an agent idle too long, records why, and keeps its worktree', async () => {
      const s = await call<{ id: string; worktree: { path: string } }>(mcp.client, 'session_create', { workDir: repo, agent: 'shell', worktree: true });
      const stopped = await waitState(mcp.client, s.id, ['exited'], 30);
      expect(stopped).toMatchObject({ state: 'exited', matched: true });
      const got = await call<{ stopReason?: string; worktree?: { path: string } }>(mcp.client, 'session_get', { id: s.id });
      expect(got.stopReason).toMatch(/^idle timeout: idle for \d+ s \(sessions\.idleTimeoutMinutes 0\.05\)$/);
      expect(got.worktree?.path).toBe(s.worktree.path);
      expect(existsSync(s.worktree.path)).toBe(true);
    });
  });
});
