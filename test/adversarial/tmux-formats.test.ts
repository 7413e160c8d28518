import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { panePid, processCwd, processEnv } from '../helpers/pane-process.js';
import { call, callError } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Starts a window with a `#(...)` start folder on purpose and waits for its file in `witnessHome` (the
 * server's HOME): jobs ran meanwhile. tmux runs such jobs in the background and has been seen to skip
 * one, so up to three canaries go.
 */
async function jobsHaveRunOn(socket: string, witnessHome: string): Promise<void> {
  for (let tries = 1; ; tries++) {
    const canary = `canary-${Math.random().toString(36).slice(2)}`;
    const win = execFileSync(
      'tmux',
      ['-L', socket, 'new-window', '-d', '-P', '-F', '#{window_id}', '-t', 'aegis:', '-c', `#(cd;touch ${canary})`, '--', 'sleep', '60'],
      { encoding: 'utf8' },
    ).trim();
    const ran = await waitFor(() => existsSync(join(witnessHome, canary)), { timeoutMs: 4_000, what: 'the canary job of the tmux server' }).catch(
      (err: Error) => {
        if (tries === 3) throw err;
        return false;
      },
    );
    execFileSync('tmux', ['-L', socket, 'kill-window', '-t', win]);
    if (ran) return;
  }
}
const witnessesIn = (witnessHome: string) => readdirSync(witnessHome).filter((f) => f.startsWith('WITNESS'));

/**
 * tmux expands formats (`#(...)` runs a shell command, `#{...}` substitutes, `##` is one `#`) in some of
 * its arguments. Every caller string that reaches tmux must arrive literally: a witness file a `#(...)`
 * would create must not appear, and the agent must run in exactly the folder named.
 *
 * `#(cd;touch NAME)` puts the witness in the tmux server's HOME (a fresh folder here), since a folder
 * name cannot hold a `/`. A canary `#(...)` run on purpose shows that the server does run such jobs
 * and how long one takes, so "no witness" is checked after jobs had the time to run.
 */
describe('format strings never reach a tmux format', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let base: string;
  let witnessHome: string;
  const sleeper = { agent: 'custom', command: ['sleep', '600'] };

  beforeAll(async () => {
    witnessHome = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-witness-')));
    base = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-fmt-')));
    t = makeTestEnv({ HOME: witnessHome });
    mcp = await connectMcp(t.env);
    // Keeps the server and its hub session up between cases (a killed last window would end both).
    await call(mcp.client, 'session_create', { workDir: base, name: 'keeper', ...sleeper });
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  const folder = (name: string) => {
    const dir = join(base, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const jobsHaveRun = () => jobsHaveRunOn(t.socket, witnessHome);
  const witnesses = () => witnessesIn(witnessHome);

  for (const name of ['wd#(cd;touch WITNESS_A)', 'wd#{pane_id}', 'wd##x', 'wd#{session_name}#(cd;touch WITNESS_B)#']) {
    it(`starts the agent in a folder named ${JSON.stringify(name)}, running nothing`, async () => {
      const dir = folder(name);
      const s = await call<{ id: string; workDir: string }>(mcp.client, 'session_create', { workDir: dir, ...sleeper });
      expect(s.workDir).toBe(dir);
      const pid = await panePid(t.socket, s.id);
      expect(processCwd(pid)).toBe(dir);
      await jobsHaveRun();
      expect(witnesses()).toEqual([]);
      await call(mcp.client, 'session_kill', { id: s.id });
    });
  }

  it('passes environment values with format strings through byte for byte', async () => {
    const env = { FMT_JOB: '#(cd;touch WITNESS_ENV)', FMT_VAR: '#{pane_id} #{session_name}', FMT_HASH: 'x##y#', FMT_SEMI: 'a;b\\;' };
    const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir: folder('env'), env, ...sleeper });
    const seen = processEnv(await panePid(t.socket, s.id));
    for (const [k, v] of Object.entries(env)) expect(seen.get(k), k).toBe(v);
    await jobsHaveRun();
    expect(witnesses()).toEqual([]);
    await call(mcp.client, 'session_kill', { id: s.id });
  });

  it('runs a one-word command as one argv word, never through a shell', async () => {
    // A program whose file name reads as a shell line: through `sh -c` it would run `cd` and `touch` too.
    const program = join(folder('cmd'), 'run;cd;touch WITNESS_CMD');
    writeFileSync(program, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir: folder('cmd'), agent: 'custom', command: [program] });
    await waitFor(async () => ['dead', 'exited'].includes((await call<{ state: string }>(mcp.client, 'session_get', { id: s.id })).state), {
      what: 'the command to end',
    });
    // One that is no program at all is refused before any pane exists.
    expect(await callError(mcp.client, 'session_create', { workDir: folder('cmd'), agent: 'custom', command: ['cd;touch WITNESS_CMD'] })).toMatch(
      /command.*is not on PATH/,
    );
    await jobsHaveRun();
    expect(witnesses()).toEqual([]);
    await call(mcp.client, 'session_kill', { id: s.id });
  });

  it('refuses a session name with # (names are letters, digits, . _ -), naming the field', async () => {
    const err = await callError(mcp.client, 'session_create', { workDir: folder('named'), name: 'n#(cd;touch WITNESS_NAME)', ...sleeper });
    expect(err).toMatch(/name/);
    expect(err).toMatch(/letters, digits/);
    await jobsHaveRun();
    expect(witnesses()).toEqual([]);
  });

  it('starts a pipeline stage in a folder named with format strings, running nothing', async () => {
    const stageDir = folder('stage#(cd;touch WITNESS_STAGE)#{pane_id}');
    const p = await call<{ id: string }>(mcp.client, 'pipeline_create', {
      name: 'fmt',
      workDir: base,
      stages: [{ name: 'only', prompt: 'true', agent: 'shell', workDir: 'stage#(cd;touch WITNESS_STAGE)#{pane_id}' }],
    });
    const id = await waitFor(
      async () =>
        (await call<{ sessions: { id: string; name: string }[] }>(mcp.client, 'session_list', {})).sessions.find((x) => x.name.startsWith('fmt-'))?.id,
      { what: 'the stage session' },
    );
    const pid = await panePid(t.socket, id);
    expect(processCwd(pid)).toBe(stageDir);
    await jobsHaveRun();
    expect(witnesses()).toEqual([]);
    // Clean up: the shell stage may already have finished the pipeline, which cancel then reports.
    const cancelled = await mcp.client.callTool({ name: 'pipeline_cancel', arguments: { id: p.id } });
    if (cancelled.isError) expect(JSON.stringify(cancelled.content)).toMatch(/already finished/);
  });
});

/**
 * AEGIS_HOME reaches tmux too: a paste over the control connection names a file under it for
 * load-buffer, whose path tmux expands as a format. A home named with `#(...)`, `#{...}` and `##`
 * must run nothing, and a multi-line message must still arrive whole.
 */
describe('an AEGIS_HOME named with format strings', () => {
  let t: TestEnv | undefined;
  let mcp: Awaited<ReturnType<typeof connectMcp>> | undefined;
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  it('pastes a multi-line message through it, running nothing', async () => {
    const witnessHome = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-witness-')));
    t = makeTestEnv({ HOME: witnessHome });
    mcp = await connectMcp({ ...t.env, AEGIS_HOME: join(t.home, 'home#(cd;touch WITNESS_HOME)#{session_name}##x') });
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-fmt-')));
    const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir, agent: 'custom', command: ['cat'] });
    // The paste goes through a file only while the monitor's control connection is up.
    const socket = t.socket;
    await waitFor(() => execFileSync('tmux', ['-L', socket, 'list-clients', '-F', '#{client_control_mode}'], { encoding: 'utf8' }).includes('1'), {
      what: "the monitor's control client",
    });
    const sent = await call<{ status: string }>(mcp.client, 'session_send', { id: s.id, text: 'first line\nsecond line' });
    expect(sent.status).not.toBe('failed');
    const paneId = execFileSync('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{@aegis_id} #{pane_id}'], { encoding: 'utf8' })
      .split('\n')
      .find((l) => l.startsWith(`${s.id} `))!
      .split(' ')[1]!;
    const pane = () => execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', paneId], { encoding: 'utf8' });
    await waitFor(() => pane().includes('second line'), { what: 'the message in the pane' });
    await jobsHaveRunOn(socket, witnessHome);
    expect(witnessesIn(witnessHome)).toEqual([]);
  });
});
