import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';

/**
 * bin/ag answers help from dist/help.json without loading the CLI. With an integrations folder it
 * loads the CLI (an integration may add commands): both must print the same for the built-in commands.
 */
describe('ag help from the build manifest', () => {
  let t: TestEnv;
  let withIntegrations: Record<string, string>;
  beforeAll(() => {
    t = makeTestEnv();
    const empty = join(t.home, 'no-integrations-here');
    mkdirSync(empty);
    withIntegrations = { ...t.env, AEGIS_INTEGRATION_DIRS: empty };
  });
  afterAll(() => t.cleanup());

  for (const args of [
    ['--help'],
    ['help'],
    ['session', '--help'],
    ['session', 'get', '--help'],
    ['help', 'memory'],
    ['mcp', '--help'],
    ['list', '-h'],
    ['kg', 'search', '--help'],
  ]) {
    it(`ag ${args.join(' ')} prints what the full CLI prints`, async () => {
      const fromManifest = await runCli(args, t.env);
      const full = await runCli(args, withIntegrations);
      expect(fromManifest.code).toBe(0);
      expect(full.code).toBe(0);
      expect(fromManifest.stdout.length).toBeGreaterThan(100);
      expect(fromManifest.stdout).toBe(full.stdout);
    });
  }

  it('documents the toolsets in ag mcp --help', async () => {
    const r = await runCli(['mcp', '--help'], t.env);
    for (const name of ['system', 'sessions', 'pipelines', 'memory', 'knowledge', 'messaging', 'integrations', '--toolsets']) expect(r.stdout).toContain(name);
  });
});
