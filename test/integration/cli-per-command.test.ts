import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { BIN, makeTestEnv, type TestEnv } from '../helpers/env.js';

/**
 * bin/ag runs a built-in tool command through its group's bundle, dist/per-command/<group>.cjs (only that
 * tool's code loads). With an integration it runs the full CLI (dist/bundle/main.js): both must print the
 * same, byte for byte, and exit alike, for results, tool errors, and command lines commander rejects (which
 * the per-command path hands to the full CLI). Which bundle ran is read from two hooks that record every
 * dist/ module loaded: an ES resolve hook, and for the required CommonJS bundles one on require's resolution.
 */
describe('ag tool commands through the per-command path', () => {
  let t: TestEnv;
  let withIntegration: Record<string, string>;
  let hookDir: string;

  /** Runs ag with a resolve hook that appends every dist/ module it loads to a file; returns the run and those modules. */
  function runTraced(args: string[], env: Record<string, string>): Promise<CliRun & { loaded: string[] }> {
    const log = join(hookDir, `loaded-${Math.random().toString(36).slice(2)}`);
    writeFileSync(log, '');
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', join(hookDir, 'register.mjs'), '--require', join(hookDir, 'trace-require.cjs'), BIN, ...args],
        { env: { ...env, AEGIS_TEST_LOADED: log } },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          resolve({ code, stdout, stderr, loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean) });
        },
      );
    });
  }

  beforeAll(async () => {
    t = makeTestEnv();
    hookDir = join(t.home, 'hook');
    mkdirSync(hookDir);
    writeFileSync(
      join(hookDir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  if (process.env.AEGIS_TEST_LOADED && found.url.includes('/dist/')) appendFileSync(process.env.AEGIS_TEST_LOADED, found.url + '\\n');
  return found;
}
`,
    );
    writeFileSync(join(hookDir, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
    writeFileSync(
      join(hookDir, 'trace-require.cjs'),
      `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const found = resolveFilename.apply(this, args);
  if (process.env.AEGIS_TEST_LOADED && found.includes('/dist/')) appendFileSync(process.env.AEGIS_TEST_LOADED, pathToFileURL(found).href + '\\n');
  return found;
};
`,
    );
    const integrations = join(t.home, 'elsewhere');
    mkdirSync(integrations);
    const made = await runCli(['integrations', 'new', 'probe', '--dir', integrations], t.env);
    expect(made.code).toBe(0);
    withIntegration = { ...t.env, AEGIS_INTEGRATION_DIRS: integrations };
    expect((await runCli(['memory', 'set', 'deploy/url', 'https://example.test'], t.env)).code).toBe(0);
  });
  afterAll(() => {
    rmSync(hookDir, { recursive: true, force: true });
    t.cleanup();
  });

  const perCommand = (loaded: string[]) => loaded.some((u) => /\/dist\/per-command\/[a-z]+\.cjs$/.test(u));
  const full = (loaded: string[]) => loaded.some((u) => u.endsWith('/dist/bundle/main.js'));

  // Results, a tool's own usage error (exit 2) and failure (exit 1), each run without the full CLI.
  for (const args of [
    ['memory', 'get', 'deploy/url'],
    ['memory', 'get', 'deploy/url', '--json'],
    ['memory', 'list', '--limit', '5'],
    ['memory', 'get', 'k'],
    ['kg', 'search', 'nothing'],
    ['list'],
    ['session', 'list', '--json'],
    ['session', 'get', 'no-such-session'],
    ['session', 'get', 'no-such-session', '--json'],
  ]) {
    it(`ag ${args.join(' ')} runs only its tool and prints what the full CLI prints`, async () => {
      const fast = await runTraced(args, t.env);
      const slow = await runTraced(args, withIntegration);
      expect(perCommand(fast.loaded)).toBe(true);
      expect(full(fast.loaded)).toBe(false);
      expect(full(slow.loaded)).toBe(true);
      expect({ code: fast.code, stdout: fast.stdout, stderr: fast.stderr }).toEqual({ code: slow.code, stdout: slow.stdout, stderr: slow.stderr });
    });
  }

  // Command lines commander rejects: the full CLI answers, with its errors and did-you-mean.
  for (const args of [
    ['memory', 'get', 'deploy/url', '--jsn'],
    ['memory', 'list', '--limit', 'many'],
    ['memory', 'get'],
    ['list', 'extra', 'words'],
  ]) {
    it(`ag ${args.join(' ')} is answered by the full CLI, as with an integration`, async () => {
      const fast = await runTraced(args, t.env);
      const slow = await runTraced(args, withIntegration);
      expect(full(fast.loaded)).toBe(true);
      expect(fast.code).toBe(2);
      expect(fast.stderr).toMatch(/^ag: /);
      expect({ code: fast.code, stdout: fast.stdout, stderr: fast.stderr }).toEqual({ code: slow.code, stdout: slow.stdout, stderr: slow.stderr });
    });
  }

  it('a memory command loads no session, tmux or agent code', async () => {
    const run = await runTraced(['memory', 'get', 'deploy/url'], t.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('https://example.test');
    // The bundle it loads holds none of these modules (esbuild marks each module's code with its path).
    const code = run.loaded
      .filter((u) => u.includes('/dist/per-command/'))
      .map((u) => readFileSync(new URL(u), 'utf8'))
      .join('\n');
    for (const module of ['dist/sessions/service.js', 'dist/tmux/', 'dist/agents/registry.js', 'dist/messaging/service.js', 'dist/tools/sessions.js'])
      expect(code).not.toContain(`// ${module}`);
    expect(code).toContain('// dist/tools/memory.js');
  });
});
