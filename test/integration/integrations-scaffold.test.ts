import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { BIN, makeTestEnv, type TestEnv } from '../helpers/env.js';

/** `ag integrations new`: the scaffold lands where Aegis finds it, loads, and its own test passes against the real ag. */
describe('ag integrations new', () => {
  let t: TestEnv;
  let elsewhere: string;

  beforeAll(() => {
    t = makeTestEnv();
    elsewhere = mkdtempSync(join(tmpdir(), 'aegis-scaffold-'));
  });
  afterAll(() => {
    t.cleanup();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('scaffolds into $AEGIS_HOME/integrations, where the next ag finds and loads it', async () => {
    const r = await runCli(['integrations', 'new', 'homelab'], t.env);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(t.home, 'integrations', 'homelab');
    for (const f of [
      'tools/hello.js',
      'tools/_greeting.js',
      'hooks.js',
      'commands.js',
      'setup.json',
      'package.json',
      'test/integration.test.js',
      'README.md',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const listed = await runCli(['integrations', 'list', '--json'], t.env);
    const me = (
      JSON.parse(listed.stdout) as { integrations: { name: string; status: string; error?: string; tools: string[]; commands: string[]; hooks: string[] }[] }
    ).integrations.find((i) => i.name === 'homelab');
    expect(me, listed.stdout).toMatchObject({ status: 'loaded', tools: ['homelab_hello'], commands: ['homelab'] });
    expect(me!.hooks.sort()).toEqual(['after_tool_call', 'before_tool_call']);
    const hello = await runCli(['homelab', 'hello', 'Ada', '--json'], t.env);
    expect(JSON.parse(hello.stdout)).toEqual({ greeting: 'Hello, Ada!' });
  });

  it("passes the scaffold's own test (tool, hook, veto, chat command) run with node --test against this ag", async () => {
    const r = await runCli(['integrations', 'new', 'ticketing', '--dir', elsewhere], t.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`AEGIS_INTEGRATION_DIRS includes ${elsewhere}`);
    const run = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, ['--test'], { cwd: join(elsewhere, 'ticketing'), env: { ...t.env, AG_BIN: BIN } }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
      );
    });
    expect(run.out).toMatch(/# pass 4/);
    expect(run.code, run.out).toBe(0);
  });

  it('refuses names the loader would refuse, and an existing folder', async () => {
    const bad = await runCli(['integrations', 'new', 'My-CI'], t.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('lowercase letters and digits');
    const builtin = await runCli(['integrations', 'new', 'session'], t.env);
    expect(builtin.code).toBe(2);
    expect(builtin.stderr).toContain('the built-in session_* tools');
    const chatWord = await runCli(['integrations', 'new', 'status'], t.env);
    expect(chatWord.code).toBe(2);
    expect(chatWord.stderr).toContain('built-in chat command');
    const again = await runCli(['integrations', 'new', 'homelab'], t.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(again.stderr).toContain('--force');
  });
});
