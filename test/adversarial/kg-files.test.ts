import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';

/** kg_export and kg_import at the edges of files, through the real `ag` as a person runs it. */
describe('knowledge-graph files', () => {
  let t: TestEnv;
  beforeAll(async () => {
    t = makeTestEnv();
    const made = await runCli(
      ['kg', 'create-entities', '--json', '--entities', JSON.stringify([{ name: 'Atlas', entityType: 'project', observations: ['uses Postgres'] }])],
      t.env,
    );
    expect(made.code, made.stderr).toBe(0);
  });
  afterAll(() => t?.cleanup());

  it('kg export refuses an existing file unless --overwrite, and leaves it untouched', async () => {
    const target = join(t.home, 'notes.jsonl');
    writeFileSync(target, 'my own notes\n');
    const refused = await runCli(['kg', 'export', target], t.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${target} exists`);
    expect(refused.stderr).toContain('--overwrite');
    expect(readFileSync(target, 'utf8')).toBe('my own notes\n');
    expect(readdirSync(t.home).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const replaced = await runCli(['kg', 'export', target, '--overwrite'], t.env);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(readFileSync(target, 'utf8')).toContain('"name":"Atlas"');
  });

  it('kg export to a new file writes it', async () => {
    const target = join(t.home, 'fresh.jsonl');
    const r = await runCli(['kg', 'export', target], t.env);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(target, 'utf8')).toContain('"name":"Atlas"');
  });

  it('kg import of a file that is not JSONL names the file and line, never its content', async () => {
    const secret = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-not-a-real-key';
    const file = join(t.home, 'key.pem');
    writeFileSync(file, `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`);
    const r = await runCli(['kg', 'import', file, '--json'], t.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}, line 1: not valid JSON`);
    for (const out of [r.stderr, r.stdout]) {
      expect(out).not.toContain('BEGIN PRIVATE KEY');
      expect(out).not.toContain(secret.slice(0, 12));
    }

    // A JSON line of the wrong kind is named the same way, its "type" not quoted back.
    const wrongType = join(t.home, 'wrong.jsonl');
    writeFileSync(wrongType, `{"type":"entity","name":"A","entityType":"t","observations":[]}\n{"type":"${secret}"}\n`);
    const r2 = await runCli(['kg', 'import', wrongType], t.env);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`${wrongType}, line 2: "type" must be "entity" or "relation"`);
    expect(r2.stderr).not.toContain(secret.slice(0, 12));
  });
});
