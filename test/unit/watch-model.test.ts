import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { loadRows } from '../../src/cli/watch/model.js';
import { acquireLease } from '../../src/db/lease.js';
import { pipelineLease } from '../../src/pipelines/store.js';
import type { SessionRecord } from '../../src/sessions/store.js';

const NOW = 1_800_000_000_000;
let dir: string;
let app: App;

const session = (id: string, over: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  name: `s-${id}`,
  agent: 'claude',
  argv: ['claude'],
  workDir: '/w',
  permissionMode: 'default',
  state: 'idle',
  stateSince: NOW,
  lastActivity: NOW,
  promptDelivered: true,
  createdAt: NOW,
  ...over,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegis-watch-model-'));
  app = new App({ env: { AEGIS_HOME: dir, AEGIS_TMUX_SOCKET: `aegis-watch-model-${process.pid}`, AEGIS_LOG_LEVEL: 'error' } });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ag watch rows, from SQLite', () => {
  it('live sessions in creation order, then the latest ended; queue, dialog, last line and pipeline stage per row', () => {
    const store = app.sessions.store;
    store.insert(session('bbbb0002', { createdAt: NOW + 2 }));
    store.insert(session('aaaa0001', { createdAt: NOW + 1 }));
    store.insert(session('cccc0003', { createdAt: NOW + 3 }));
    store.insert(session('dddd0004', { createdAt: NOW }));
    const dialog = { kind: 'permission' as const, question: 'Do you want to proceed?', options: [], tool: 'Bash', command: 'npm test' };
    store.setState('aaaa0001', 'permission_prompt', NOW + 10, 'test', { dialog, lastAssistant: 'Running the tests.\n\nFirst I check   the  config.\n' });
    store.setState('dddd0004', 'exited', NOW + 20, 'test', { dialog: null, lastAssistant: 'bye' });
    store.enqueue('bbbb0002', 'one', NOW);
    store.enqueue('bbbb0002', 'two', NOW);

    const pipelines = app.pipelines.store;
    const spec = {
      name: 'release',
      workDir: '/w',
      stages: [{ name: 'build', prompt: 'b', agent: 'claude', workDir: '/w', dependsOn: [], timeoutSec: 60, retries: 0 }],
      onFailure: 'stop',
      maxConcurrent: 1,
      env: {},
    };
    pipelines.insert('p1', spec as never, NOW);
    acquireLease(app.db, pipelineLease('p1'), 'me', 60_000, NOW);
    const attempt = pipelines.claim({ pipelineId: 'p1', stage: 'build' }, 'me', 'release', 'b', NOW)!;
    expect(pipelines.attachSession(attempt, 'cccc0003', undefined, NOW)).toBe(true);

    const rows = loadRows(app);
    expect(rows.map((r) => r.id)).toEqual(['aaaa0001', 'bbbb0002', 'cccc0003', 'dddd0004']);
    expect(rows[0]).toMatchObject({ state: 'permission_prompt', since: NOW + 10, dialog, lastLine: 'First I check the config.', queued: 0 });
    expect(rows[1]).toMatchObject({ state: 'idle', queued: 2 });
    expect(rows[1]!.dialog).toBeUndefined();
    expect(rows[2]).toMatchObject({ stage: 'release/build' });
    expect(rows[3]).toMatchObject({ state: 'exited', lastLine: 'bye', queued: 0 });
    expect(rows[3]!.stage).toBeUndefined();
  });
});
