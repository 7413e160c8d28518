import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { panePid, processEnv } from '../helpers/pane-process.js';

/**
 * A process's argv is readable by every local user (`ps`, /proc/<pid>/cmdline), and a tmux server keeps
 * the argv of the client that started it for its whole life. A session's env (where an agent's secrets
 * go) must reach the pane without ever being on a tmux command line: neither on any tmux client Aegis
 * runs (recorded by a wrapper in front of the real tmux) nor on the server.
 */
describe("a session's env never reaches a tmux command line", () => {
  let t: TestEnv | undefined;
  let bin: string | undefined;
  afterEach(() => {
    t?.cleanup();
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  it('ag create --env, starting the server and adding a window', async () => {
    bin = mkdtempSync(join(tmpdir(), 'aegis-tmux-argv-'));
    const log = join(bin, 'argv.log');
    const real = execFileSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).trim();
    const wrapper = join(bin, 'tmux');
    writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    t = makeTestEnv({ AEGIS_TMUX: wrapper });
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-tmux-argv-wd-')));
    const env = { DEPLOY_TOKEN: 'SECRETdeploytoken0', MULTI_LINE: "SECRETline1\nSECRET'line2;\t#{pane_id}" };
    const create = async () => {
      const r = await runCli(
        [
          'session',
          'create',
          '--json',
          '--work-dir',
          workDir,
          '--agent',
          'custom',
          '--command',
          'sleep',
          '--command',
          '600',
          ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        ],
        t!.env,
      );
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { id: string }).id;
    };
    for (const id of [await create(), await create()]) {
      const seen = processEnv(await panePid(t!.socket, id));
      for (const [k, v] of Object.entries(env)) expect(seen.get(k), k).toBe(v);
    }
    const server = Number(execFileSync('tmux', ['-L', t.socket, 'display-message', '-p', '#{pid}'], { encoding: 'utf8' }).trim());
    const serverArgv = readFileSync(`/proc/${server}/cmdline`, 'utf8');
    expect(serverArgv).toContain(t.socket);
    expect(serverArgv).not.toContain('SECRET');
    expect(existsSync(log)).toBe(true);
    const clients = readFileSync(log, 'utf8');
    expect(clients).toContain('source-file');
    expect(clients).not.toContain('SECRET');
  });
});
