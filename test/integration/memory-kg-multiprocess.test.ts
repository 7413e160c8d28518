import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { KnowledgeGraph } from '../../src/knowledge/graph.js';
import { MemoryStore } from '../../src/memory/store.js';
import { waitFor } from '../helpers/wait.js';

const WRITER = fileURLToPath(new URL('./memory-kg-writer.ts', import.meta.url));
const WRITERS = 2;
const PER_WRITER = 300;

interface Writer {
  child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

function startWriter(file: string, id: number): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, String(id), String(PER_WRITER)], { stdio: 'pipe' });
  const w: Writer = { child, stdout: '', stderr: '', exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout.on('data', (d: Buffer) => (w.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (w.stderr += d.toString()));
  return w;
}

let dir: string;
let writers: Writer[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegis-mp-'));
});

afterAll(() => {
  for (const w of writers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('memory and knowledge graph across processes', () => {
  it(`loses nothing and never fails when ${WRITERS} processes write the same new file at once`, async () => {
    // A fresh file: the writers also race to apply the migrations.
    const file = join(dir, 'aegis.db');
    writers = Array.from({ length: WRITERS }, (_, i) => startWriter(file, i));
    await waitFor(() => writers.every((w) => w.stdout.includes('ready')) || writers.some((w) => w.child.exitCode !== null), {
      timeoutMs: 30_000,
      what: 'writers ready',
    });
    for (const w of writers) w.child.stdin.write('go\n');
    const codes = await Promise.all(writers.map((w) => w.exit));

    for (const w of writers) expect(w.stderr).toBe('');
    expect(codes).toEqual(writers.map(() => 0));
    for (const w of writers) expect(w.stdout).toContain(`done ${PER_WRITER}`);

    const db = openDatabase(file);
    try {
      const kg = new KnowledgeGraph(db);
      const total = WRITERS * PER_WRITER;
      expect(kg.summary()).toMatchObject({ entities: total + 1, relations: total, observations: total * 2 + total });
      const hub = kg.openNodes(['Hub']);
      expect(hub.entities[0]!.observations).toHaveLength(total);
      expect(hub.relations).toHaveLength(total);
      // The search index saw every write too: each writer's items are all findable.
      for (let id = 0; id < WRITERS; id++) {
        expect(kg.search({ query: `writer ${id}`, entityType: 'item', limit: 1 }).results).toHaveLength(1);
        // Names are w<id>-item-<i>: the token "w<id>" is in exactly that writer's documents.
        const indexed = db.prepare('SELECT count(*) AS n FROM kg_entity_name_fts WHERE kg_entity_name_fts MATCH ?').get(`"w${id}"`) as { n: number };
        expect(indexed.n).toBe(PER_WRITER);
      }
      // And the indexes hold exactly what the tables hold (FTS5 compares an external-content index with its table).
      for (const t of ['kg_observation_fts', 'kg_entity_name_fts']) db.prepare(`INSERT INTO ${t}(${t}, rank) VALUES ('integrity-check', 1)`).run();
      const memory = new MemoryStore(db);
      for (let id = 0; id < WRITERS; id++) expect(memory.list({ prefix: `writer-${id}/` }).total).toBe(PER_WRITER);
    } finally {
      db.close();
    }
  }, 120_000);
});
