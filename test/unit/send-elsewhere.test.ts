import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/open.js';
import type { SessionCore } from '../../src/sessions/core.js';
import { SessionSender } from '../../src/sessions/sending.js';
import { SessionStore, type SessionRecord } from '../../src/sessions/store.js';

/**
 * A send whose message another process (ag engine, ag mcp) claims and types first: that process
 * watches the same pane and takes a ready session's queue head on its own observations. The answer
 * is that process's confirmed outcome, read from the message's row in the shared SQLite file. CI saw
 * `ag send` to an idle agent answer "queued" for a message the engine delivered a moment later.
 */
describe('a send delivered by another process', () => {
  let dir: string;
  let db: Db;
  let store: SessionStore;
  let ensured: number;

  const session: SessionRecord = {
    id: 's1',
    name: 's1',
    agent: 'claude',
    argv: [],
    workDir: '/w',
    permissionMode: 'default',
    state: 'idle',
    stateSince: 1,
    lastActivity: 1,
    tmuxPane: '%1',
    promptDelivered: true,
    createdAt: 1,
  };

  /** This process: it cannot type (no observer yet), as a one-shot `ag send` before its first look; `other` acts meanwhile. */
  function sender(other: (messageId: number) => void): SessionSender {
    const core = {
      deps: { log: { warn: () => {}, info: () => {} } },
      store,
      tmux: {},
      monitor: new EventEmitter(),
      holder: 'host:1:cli',
      running: () => false,
      // No watcher: a message nobody took is answered queued at once.
      watcherAlive: () => false,
      resolve: () => store.get('s1')!,
      observe: async () => {
        other(store.queued('s1').at(-1)!.id);
        return undefined;
      },
      ensureWatcher: () => ensured++,
    } as unknown as SessionCore;
    return new SessionSender(core);
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aegis-send-elsewhere-'));
    db = openDatabase(join(dir, 'aegis.db'));
    store = new SessionStore(db);
    store.insert(session);
    ensured = 0;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers delivered once the other process records the delivery', async () => {
    const r = await sender((id) => {
      expect(store.claimNext('s1', 'host:2:engine', Date.now(), 20_000)?.id).toBe(id);
      setTimeout(() => store.finishMessage(id, true, Date.now()), 300);
    }).send('s1', 'hello');
    expect(r).toEqual({ status: 'delivered', messageId: expect.any(Number) });
    expect(store.message(r.messageId)?.status).toBe('delivered');
  });

  it('answers failed, with the reason, when the other process could not deliver it', async () => {
    const r = await sender((id) => {
      store.claimNext('s1', 'host:2:engine', Date.now(), 20_000);
      setTimeout(() => store.finishMessage(id, false, Date.now(), 'the agent did not confirm the prompt'), 300);
    }).send('s1', 'hello');
    expect(r).toMatchObject({ status: 'failed', error: 'the agent did not confirm the prompt' });
  });

  it('answers queued, and starts a watcher, when nobody has taken it', async () => {
    const r = await sender(() => {}).send('s1', 'hello');
    expect(r).toMatchObject({ status: 'queued', position: 1 });
    expect(ensured).toBe(1);
  });
});
