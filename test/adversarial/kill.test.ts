import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, waitState } from '../helpers/sessions.js';

/**
 * A deliberate session_kill is recorded `exited` and nothing else: not first `dead` because a watcher
 * saw the pane vanish. Two `ag mcp` processes watch the same session; one kills it. The other one's
 * session_wait (which returns the state its own monitor saw change) must say exited, and the state
 * history in the database must hold no `dead`.
 */
describe('session_kill records exited only', () => {
  let t: TestEnv;
  let a: Awaited<ReturnType<typeof connectMcp>>;
  let b: Awaited<ReturnType<typeof connectMcp>>;
  let workDir: string;

  beforeAll(async () => {
    t = makeTestEnv();
    workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-kill-')));
    a = await connectMcp(t.env);
    b = await connectMcp(t.env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    t?.cleanup();
  });

  const history = (id: string) => {
    const db = new Database(join(t.home, 'aegis.db'), { readonly: true });
    try {
      return (db.prepare('SELECT to_state FROM session_events WHERE session_id = ? ORDER BY id').all(id) as { to_state: string }[]).map((r) => r.to_state);
    } finally {
      db.close();
    }
  };

  for (const agent of [{ agent: 'custom', command: ['sleep', '600'] }, { agent: 'shell' }]) {
    it(`kills a ${agent.agent} session watched by two processes`, async () => {
      const s = await call<{ id: string }>(a.client, 'session_create', { workDir, ...agent });
      await waitState(a.client, s.id, ['idle']);
      await call(b.client, 'session_get', { id: s.id }); // b watches it too
      const seenByB = call<{ state: string }>(b.client, 'session_wait', { id: s.id, states: ['dead', 'exited'], timeoutSeconds: 20 });
      const killed = await call<{ state: string }>(a.client, 'session_kill', { id: s.id });
      expect(killed.state).toBe('exited');
      expect((await seenByB).state).toBe('exited');
      // A later sweep of either process finds the pane gone; it must not change the record.
      await waitState(a.client, s.id, ['exited']);
      expect(history(s.id)).not.toContain('dead');
      expect(history(s.id).at(-1)).toBe('exited');
      expect(history(s.id).filter((x) => x === 'exited')).toHaveLength(1);
    });
  }
});
