import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, FAKE_CLAUDE } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

/** Every folder and file under `dir` with the permission bits group or other hold, as "mode path". */
function openToOthers(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((rel) => join(dir, rel))
    .concat(dir)
    .filter((path) => existsSync(path) && statSync(path).mode & 0o077)
    .map((path) => `${(statSync(path).mode & 0o777).toString(8)} ${path}`);
}

/**
 * AEGIS_HOME holds a pipeline's env, chat traffic and every prompt (the database; a session's hook log):
 * only its owner may read any of it, under the usual umask 022, and a home an older Aegis left open is
 * closed again when the database is opened.
 */
describe('AEGIS_HOME is private', () => {
  let t: TestEnv | undefined;
  let mcp: Awaited<ReturnType<typeof connectMcp>> | undefined;
  let umask: number | undefined;
  afterEach(async () => {
    await mcp?.close();
    t?.cleanup();
    if (umask !== undefined) process.umask(umask);
  });

  it('creates every folder 0700 and every file 0600, and tightens the database files of an older home', async () => {
    umask = process.umask(0o022);
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE });
    const home = join(t.home, 'aegis-home'); // made by Aegis itself, as ~/.aegis is
    const env = { ...t.env, AEGIS_HOME: home };
    mcp = await connectMcp(env);
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-modes-wd-')));
    const agentHome = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-modes-agent-')));
    await call(mcp.client, 'pipeline_create', {
      name: 'modes',
      workDir,
      env: { DEPLOY_TOKEN: 'SECRETdeploytoken0' },
      stages: [{ name: 'one', prompt: 'true', agent: 'shell' }],
    });
    const s = await call<{ id: string }>(mcp.client, 'session_create', {
      workDir,
      agent: 'claude',
      prompt: 'my password is SECRETprompt0',
      env: { HOME: agentHome },
    });
    const hooks = join(home, 'sessions', s.id, 'hooks.jsonl');
    await waitFor(() => readFileSync(hooks, 'utf8').includes('SECRETprompt0'), { what: 'the prompt in the hook log' });
    await waitFor(
      () =>
        readdirSync(home)
          .filter((f) => f.startsWith('aegis.db'))
          .some((f) => readFileSync(join(home, f)).includes('SECRETdeploytoken0')),
      {
        what: "the pipeline's env in the database",
      },
    );
    expect(readdirSync(home)).toEqual(expect.arrayContaining(['aegis.db', 'aegis.db-wal', 'aegis.db-shm', 'tmux.conf', 'sessions']));
    expect(openToOthers(home)).toEqual([]);

    // A home as an older Aegis left it: the database files and the sessions folder open to everyone.
    await mcp.close();
    mcp = undefined;
    for (const f of readdirSync(home).filter((f) => f.startsWith('aegis.db'))) chmodSync(join(home, f), 0o644);
    chmodSync(join(home, 'sessions'), 0o755);
    mcp = await connectMcp(env);
    await call(mcp.client, 'session_create', { workDir, agent: 'shell' });
    expect(openToOthers(home)).toEqual([]);
  });
});
