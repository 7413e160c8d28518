import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { FAKE_CLAUDE } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

/**
 * `ag pipeline run <file>` / `ag pipeline wait` from a one-shot CLI: the CLI starts the background
 * engine (nothing else runs a pipeline runner), follows the pipeline and prints progress lines (stdout
 * is not a terminal here), the final table and a summary, and exits 0 only when every stage is done.
 */
describe('ag pipeline run / wait', { timeout: 120_000 }, () => {
  let t: TestEnv;
  let workDir: string;
  let agentHome: string;

  beforeAll(() => {
    agentHome = mkdtempSync(join(tmpdir(), 'aegis-agent-home-'));
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE, AEGIS_STALL_SECONDS: '600' });
    workDir = mkdtempSync(join(tmpdir(), 'aegis-pipeline-cli-'));
  }, 120_000);
  afterAll(async () => {
    // The engine the CLI started runs detached: stop it by the pid in its lease.
    const db = new Database(join(t.home, 'aegis.db'));
    const holders = db.prepare("SELECT holder FROM leases WHERE name LIKE 'pipeline-runner:%'").all() as { holder: string }[];
    db.close();
    for (const { holder } of holders) {
      const pid = Number(holder.split(':')[1]);
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await waitFor(
        () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        { what: 'the engine to exit' },
      );
    }
    t?.cleanup();
  }, 120_000);

  const file = (name: string, def: Record<string, unknown>) => {
    const path = join(workDir, `${name}.json`);
    writeFileSync(path, JSON.stringify({ env: { HOME: agentHome, FAKE_CLAUDE_SPEED: '0.2' }, ...def }));
    return path;
  };

  it('runs a pipeline from a file in the current folder, with progress lines and a summary', async () => {
    const path = file('ok', {
      name: 'cli-ok',
      stages: [
        { name: 'first', prompt: 'one' },
        { name: 'second', prompt: 'two after {{stages.first.output}}', dependsOn: ['first'] },
      ],
    });
    const r = await runCli(['pipeline', 'run', path], t.env, { cwd: workDir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/^\[\+\d+\.\ds\] first running \(session cli-ok-first-1\)$/)).toBeGreaterThanOrEqual(0);
    expect(at(/^\[\+\d+\.\ds\] first done: ECHO: one$/)).toBeGreaterThan(at(/first running/));
    expect(at(/^\[\+\d+\.\ds\] second done: ECHO: two after ECHO: one$/)).toBeGreaterThan(at(/first done/));
    expect(r.stdout).toMatch(/^STAGE\s+STATUS\s+TRY\s+SESSION\s+TIME\s+DETAIL$/m);
    expect(r.stdout).toMatch(/^second\s+done\s+1\/1\s+cli-ok-second-1\s/m);
    expect(lines.filter(Boolean).at(-1)).toMatch(/^pipeline cli-ok \([0-9a-f]{8}\) done in [\d.]+s: 2\/2 stages done$/);

    const again = await runCli(['pipeline', 'wait', 'cli-ok'], t.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/pipeline cli-ok \([0-9a-f]{8}\) done/);
    const got = await runCli(['pipeline', 'get', 'cli-ok', '--json'], t.env);
    const p = JSON.parse(got.stdout) as { workDir: string; stages: { output?: string }[] };
    expect(p.workDir).toBe(workDir);
    expect(p.stages[1]!.output).toBe('ECHO: two after ECHO: one');
  });

  it('exits 1 with the failure in the summary when a stage fails', async () => {
    const r = await runCli(
      [
        'pipeline',
        'run',
        file('bad', {
          name: 'cli-bad',
          workDir,
          stages: [
            { name: 'boom', prompt: 'CRASH' },
            { name: 'never', prompt: 'x', dependsOn: ['boom'] },
          ],
        }),
      ],
      t.env,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/boom failed: the agent exited( with status 3)? before finishing its turn/);
    expect(r.stdout).toMatch(/^pipeline cli-bad \([0-9a-f]{8}\) failed in [\d.]+s: 0\/2 stages done\n\s+stage "boom" failed/m);
    expect(r.stdout).toMatch(/^never\s+cancelled/m);
  });

  it('reports a bad file or definition as a usage error naming the field', async () => {
    const missing = await runCli(['pipeline', 'run', join(workDir, 'nope.json')], t.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/file: .*nope\.json does not exist/);
    const cycle = await runCli(
      ['pipeline', 'run', file('cycle', { name: 'cli-cycle', workDir, stages: [{ name: 'a', prompt: 'x', dependsOn: ['a'] }] })],
      t.env,
    );
    expect(cycle.code).toBe(2);
    expect(cycle.stderr).toMatch(/stages\[0\]\.dependsOn: stage "a" depends on itself/);
    // Saved by an editor that starts files with a byte order mark: read as the JSON it holds.
    const marked = join(workDir, 'marked.json');
    writeFileSync(marked, `\ufeff${JSON.stringify({ name: 'cli-bom', workDir, stages: [{ name: 'a', prompt: 'x', dependsOn: ['a'] }] })}`);
    const bom = await runCli(['pipeline', 'run', marked], t.env);
    expect(bom.code).toBe(2);
    expect(bom.stderr).toMatch(/stages\[0\]\.dependsOn: stage "a" depends on itself/);
  });
});
