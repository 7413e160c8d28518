import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/open.js';
import { acquireLease, holderGone, leaseHolder } from '../../src/db/lease.js';
import { pipelineLease, PipelineStore } from '../../src/pipelines/store.js';
import type { PipelineSpec, StageSpec } from '../../src/pipelines/types.js';

let dir: string;
let db: Db;
let store: PipelineStore;
const NOW = 1_800_000_000_000;
const ME = 'host:1:me';

const stage = (name: string, dependsOn: string[] = [], retries = 0): StageSpec => ({
  name,
  prompt: `do ${name}`,
  agent: 'claude',
  workDir: '/w',
  dependsOn,
  timeoutSec: 60,
  retries,
});
const spec = (stages: StageSpec[], extra: Partial<PipelineSpec> = {}): PipelineSpec => ({
  name: 'build',
  workDir: '/w',
  stages,
  onFailure: 'stop',
  maxConcurrent: 4,
  env: {},
  ...extra,
});

function create(id: string, s: PipelineSpec): void {
  store.insert(id, s, NOW);
  acquireLease(db, pipelineLease(id), ME, 60_000, NOW);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegis-pipeline-store-'));
  db = openDatabase(join(dir, 'aegis.db'));
  store = new PipelineStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pipeline store', () => {
  it('gives each run of a name its own session prefix', () => {
    create('p1', spec([stage('a')]));
    create('p2', spec([stage('a')]));
    create('p3', spec([stage('a')]));
    expect(['p1', 'p2', 'p3'].map((id) => store.pipeline(id)!.sessionPrefix)).toEqual(['build', 'build-2', 'build-3']);
    expect(store.find('build')[0]!.id).toBe('p3');
  });

  it('claims an attempt once, only for the lease holder, and names its session', () => {
    create('p1', spec([stage('a')]));
    expect(store.claim({ pipelineId: 'p1', stage: 'a' }, 'host:2:other', 'build', 'do a', NOW)).toBeUndefined();
    const a = store.claim({ pipelineId: 'p1', stage: 'a' }, ME, 'build', 'do a', NOW)!;
    expect(a).toMatchObject({ attempt: 1, status: 'starting', sessionName: 'build-a-1', claimedBy: ME });
    expect(store.claim({ pipelineId: 'p1', stage: 'a' }, ME, 'build', 'do a', NOW)).toBeUndefined();
    expect(store.stages('p1')[0]).toMatchObject({ status: 'running', attempts: 1 });
    // An expired lease claims nothing, even for its last holder.
    expect(store.claim({ pipelineId: 'p1', stage: 'a' }, ME, 'build', 'do a', NOW + 120_000)).toBeUndefined();
  });

  it('never runs more than maxConcurrent stages', () => {
    create('p1', spec([stage('a'), stage('b'), stage('c')], { maxConcurrent: 2 }));
    expect(store.claim({ pipelineId: 'p1', stage: 'a' }, ME, 'build', 'x', NOW)).toBeDefined();
    expect(store.claim({ pipelineId: 'p1', stage: 'b' }, ME, 'build', 'x', NOW)).toBeDefined();
    expect(store.claim({ pipelineId: 'p1', stage: 'c' }, ME, 'build', 'x', NOW)).toBeUndefined();
  });

  it('attaches a session once, and not after a cancel', () => {
    create('p1', spec([stage('a'), stage('b')]));
    const a = store.claim({ pipelineId: 'p1', stage: 'a' }, ME, 'build', 'x', NOW)!;
    expect(store.attachSession(a, 's1', 7, NOW)).toBe(true);
    expect(store.attachSession(a, 's2', 8, NOW)).toBe(false);
    expect(store.attemptOfSession('s1')).toMatchObject({ stage: 'a', status: 'running', messageId: 7 });
    const b = store.claim({ pipelineId: 'p1', stage: 'b' }, ME, 'build', 'x', NOW)!;
    const cancelled = store.cancel('p1', 'cancelled by request', NOW)!;
    expect(cancelled.sessionIds).toEqual(['s1']);
    expect(cancelled.stages.sort()).toEqual(['a', 'b']);
    expect(store.attachSession(b, 's3', 9, NOW)).toBe(false);
    expect(store.cancel('p1', 'again', NOW)).toBeUndefined();
    expect(store.pipeline('p1')!.status).toBe('cancelled');
  });

  it('retries a failed attempt while attempts remain, then fails the stage', () => {
    create('p1', spec([stage('a', [], 1)]));
    const first = store.claim({ pipelineId: 'p1', stage: 'a' }, ME, 'build', 'x', NOW)!;
    expect(store.finishAttempt(first, { status: 'failed', error: 'crashed' }, 2, NOW)).toBe('pending');
    expect(store.finishAttempt(first, { status: 'failed', error: 'crashed' }, 2, NOW)).toBeUndefined();
    expect(store.stages('p1')[0]).toMatchObject({ status: 'pending', error: 'attempt 1 of 2: crashed' });
    const second = store.claim({ pipelineId: 'p1', stage: 'a' }, ME, 'build', 'x', NOW)!;
    expect(second).toMatchObject({ attempt: 2, sessionName: 'build-a-2' });
    expect(store.finishAttempt(second, { status: 'failed', error: 'crashed again' }, 2, NOW)).toBe('failed');
    expect(store.finishIfComplete('p1', NOW)).toBe('failed');
    expect(store.pipeline('p1')!.error).toContain('crashed again');
  });

  it('after a failure, "stop" cancels what has not started and "continue" skips only its dependents', () => {
    const stages = [stage('a'), stage('b', ['a']), stage('c'), stage('d', ['c']), stage('e', ['b'])];
    for (const onFailure of ['stop', 'continue'] as const) {
      const id = `p-${onFailure}`;
      create(id, spec(stages, { onFailure }));
      const a = store.claim({ pipelineId: id, stage: 'a' }, ME, id, 'x', NOW)!;
      store.claim({ pipelineId: id, stage: 'c' }, ME, id, 'x', NOW);
      store.finishAttempt(a, { status: 'failed', error: 'boom' }, 1, NOW);
      const changes = store.settleAfterFailures(id, store.pipeline(id)!.spec, NOW);
      const status = Object.fromEntries(store.stages(id).map((s) => [s.name, s.status]));
      if (onFailure === 'stop') {
        expect(status).toEqual({ a: 'failed', b: 'cancelled', c: 'running', d: 'cancelled', e: 'cancelled' });
      } else {
        expect(status).toEqual({ a: 'failed', b: 'skipped', c: 'running', d: 'pending', e: 'skipped' });
        expect(store.stages(id).find((s) => s.name === 'e')!.error).toContain('"b"');
      }
      expect(changes.length).toBeGreaterThan(0);
      expect(store.finishIfComplete(id, NOW)).toBeUndefined();
    }
  });

  it('finishes a pipeline as done only when every stage is done', () => {
    create('p1', spec([stage('a')]));
    const a = store.claim({ pipelineId: 'p1', stage: 'a' }, ME, 'build', 'x', NOW)!;
    expect(store.finishIfComplete('p1', NOW)).toBeUndefined();
    store.finishAttempt(a, { status: 'done', output: 'ok', files: ['/w/x.ts'] }, 1, NOW);
    expect(store.finishIfComplete('p1', NOW + 5)).toBe('done');
    expect(store.pipeline('p1')).toMatchObject({ status: 'done', finishedAt: NOW + 5 });
    expect(store.stages('p1')[0]).toMatchObject({ status: 'done', output: 'ok', files: ['/w/x.ts'] });
  });
});

describe('leases', () => {
  it('takes over at once from a holder whose process is gone, not from a live one', () => {
    const dead = `${hostname()}:999999999:x`;
    expect(holderGone(dead)).toBe(true);
    expect(holderGone(`${hostname()}:${process.pid}:y`)).toBe(false);
    expect(holderGone('elsewhere:1:z')).toBe(false);
    acquireLease(db, 'pipeline:x', dead, 60_000);
    expect(acquireLease(db, 'pipeline:x', ME, 5_000)).toBe(true);
    expect(acquireLease(db, 'pipeline:x', 'elsewhere:1:z', 5_000)).toBe(false);
    // Every lease, not only a pipeline's: a dead holder is nobody (the sessions watcher, the chat sender).
    acquireLease(db, 'monitor', dead, 60_000);
    expect(leaseHolder(db, 'monitor')).toBeUndefined();
    expect(acquireLease(db, 'monitor', ME, 5_000)).toBe(true);
    expect(leaseHolder(db, 'monitor')).toBe(ME);
  });
});
