import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/open.js';
import { KnowledgeGraph } from '../../src/knowledge/graph.js';
import { parseJsonl, toJsonl } from '../../src/knowledge/jsonl.js';
import { exportJsonl, importJsonl } from '../../src/knowledge/transfer.js';
import { failure } from '../helpers/errors.js';

const FIXTURE = new URL('../fixtures/kg-reference.jsonl', import.meta.url);
const fixtureText = readFileSync(FIXTURE, 'utf8');

let dir: string;
let db: Db;
let kg: KnowledgeGraph;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegis-kg-jsonl-'));
  db = openDatabase(join(dir, 'aegis.db'));
  kg = new KnowledgeGraph(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reference JSONL round trip', () => {
  it('imports a file in the reference format and exports it byte for byte', () => {
    const res = importJsonl(kg, { path: FIXTURE.pathname });
    expect(res).toMatchObject({ entitiesCreated: 8, relationsCreated: 8, observationsAdded: 19, danglingRelationsSkipped: [], typeConflicts: [] });
    const out = join(dir, 'export.jsonl');
    const written = exportJsonl(kg, out);
    expect(written).toMatchObject({ entities: 8, relations: 8, path: out });
    expect(readFileSync(out, 'utf8')).toBe(fixtureText);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps quotes, backslashes, line breaks, accents and emoji intact', () => {
    importJsonl(kg, { jsonl: fixtureText });
    const [zoe] = kg.openNodes(['Zoë Müller']).entities;
    expect(zoe!.observations).toContain('wrote the "retry with backoff" helper');
    expect(zoe!.observations).toContain('notes:\nline one\nline two');
    expect(kg.openNodes(['path\\with\\backslashes']).entities[0]!.observations[0]).toBe('Windows share at \\\\fileserver\\atlas');
  });

  it('reads a file an editor saved with a byte order mark and Windows line ends', () => {
    const file = join(dir, 'saved.jsonl');
    writeFileSync(file, `\ufeff${fixtureText.split('\n').join('\r\n')}\r\n`);
    expect(importJsonl(kg, { path: file })).toMatchObject({ entitiesCreated: 8, relationsCreated: 8, observationsAdded: 19 });
    expect(toJsonl(kg.exportGraph())).toBe(fixtureText);
  });

  it('is idempotent: importing the same file again adds nothing', () => {
    importJsonl(kg, { path: FIXTURE.pathname });
    const again = importJsonl(kg, { path: FIXTURE.pathname });
    expect(again).toMatchObject({ entitiesCreated: 0, entitiesMerged: 0, observationsAdded: 0, relationsCreated: 0, relationsExisting: 8 });
    expect(toJsonl(kg.exportGraph())).toBe(fixtureText);
  });

  it('merges into an existing graph: missing observations added, the existing type kept and reported', () => {
    kg.createEntities([{ name: 'Postgres', entityType: 'service', observations: ['managed by the platform team'] }]);
    const res = importJsonl(kg, { jsonl: fixtureText });
    expect(res.entitiesMerged).toBe(1);
    expect(res.typeConflicts).toEqual([{ name: 'Postgres', existingType: 'service', importedType: 'database' }]);
    expect(kg.openNodes(['Postgres']).entities[0]).toEqual({
      name: 'Postgres',
      entityType: 'service',
      observations: ['managed by the platform team', 'primary runs on db-1, replica on db-2', 'vacuum runs nightly at 03:00 UTC'],
    });
  });

  it('returns a small export inline', () => {
    importJsonl(kg, { jsonl: fixtureText });
    expect(exportJsonl(kg).jsonl).toBe(fixtureText);
  });
});

describe('import errors change nothing', () => {
  const withLine = (line: string) => `${fixtureText}\n${line}`;
  const lineCount = fixtureText.split('\n').length;

  it('names the line of a malformed entry', () => {
    for (const [bad, why] of [
      ['{"type":"entity","name":"X"', /not valid JSON/],
      ['{"type":"entity","name":"X","entityType":"t","observations":"nope"}', /observations/],
      ['{"type":"relation","from":"X"}', /relation needs/],
      ['{"type":"thing"}', /"type" must be "entity" or "relation"/],
      ['[1,2]', /not a JSON object/],
      ['{"type":"entity","name":"","entityType":"t","observations":[]}', /entity name is empty/],
      ['{"type":"entity","name":"Caf\\u00e9\\u2028Nord","entityType":"t","observations":[]}', /entity\.name: the entity name contains .*U\+2028/],
    ] as const) {
      const err = failure(() => importJsonl(kg, { jsonl: withLine(bad) }));
      expect(err.field).toBe('jsonl');
      expect(err.message).toMatch(new RegExp(`^line ${lineCount + 1}: `));
      expect(err.message).toMatch(why);
    }
    expect(kg.summary().entities).toBe(0);
  });

  it('fails on a relation to a missing entity unless told to skip it', () => {
    const dangling = withLine('{"type":"relation","from":"Project Atlas","to":"Kafka","relationType":"publishes to"}');
    const err = failure(() => importJsonl(kg, { jsonl: dangling }));
    expect(err.message).toContain(`line ${lineCount + 1}`);
    expect(err.message).toContain('"Kafka"');
    expect(err.fix).toMatch(/skipDanglingRelations/);
    expect(kg.summary()).toMatchObject({ entities: 0, relations: 0, observations: 0 });

    const res = importJsonl(kg, { jsonl: dangling, skipDanglingRelations: true });
    expect(res.danglingRelationsSkipped).toEqual([{ from: 'Project Atlas', to: 'Kafka', relationType: 'publishes to' }]);
    expect(res.relationsCreated).toBe(8);
  });

  it('asks for exactly one of path and jsonl, and names an unreadable path', () => {
    expect(failure(() => importJsonl(kg, {})).field).toBe('path');
    expect(failure(() => importJsonl(kg, { path: 'x', jsonl: 'y' })).field).toBe('path');
    const missing = failure(() => importJsonl(kg, { path: join(dir, 'nope.jsonl') }));
    expect(missing.message).toMatch(/ENOENT/);
  });

  it('refuses to write into a directory that does not exist, leaving no temp file', () => {
    const err = failure(() => exportJsonl(kg, join(dir, 'missing-dir', 'out.jsonl')));
    expect(err.field).toBe('path');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('parseJsonl', () => {
  it('skips blank lines and keeps line numbers', () => {
    const parsed = parseJsonl('\n{"type":"entity","name":"A","entityType":"t","observations":[]}\n\n', 'jsonl');
    expect(parsed.entities).toEqual([{ name: 'A', entityType: 't', observations: [], line: 2 }]);
  });
});
