import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { BIN, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A create stopped (SIGKILL) after tmux made its pane but before the session was recorded: the agent
 * must not run on unrecorded. The test holds SQLite's write lock, so a create that has made its pane
 * waits to record it: the pane appearing in tmux is the observable point to kill the create at.
 */
describe('a session create killed between its pane and its record', () => {
  let t: TestEnv;
  let db: Database.Database;
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    t = makeTestEnv();
    const first = await runCli(['list', '--json'], t.env);
    expect(first.code, first.stderr).toBe(0);
    db = new Database(join(t.home, 'aegis.db'));
  });
  afterAll(() => {
    if (db?.inTransaction) db.exec('ROLLBACK');
    db?.close();
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    t?.cleanup();
  });

  /** The windows of the test's tmux server: name and the session id they are tagged with. */
  const windows = (): { name: string; aegisId: string }[] => {
    try {
      return execFileSync('tmux', ['-L', t.socket, 'list-windows', '-a', '-F', '#{window_name}\t#{@aegis_id}'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .split('\n')
        .filter(Boolean)
        .map((l) => ({ name: l.split('\t')[0]!, aegisId: l.split('\t')[1]! }));
    } catch {
      return [];
    }
  };
  /** `ag create` as its own process, for the test to kill; it waits at its record while the test holds the write lock. */
  const create = (name: string): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> } => {
    const child = spawn(process.execPath, [BIN, 'create', '--agent', 'custom', '--command', 'sleep', '600', '--work-dir', t.home, '--name', name, '--json'], {
      env: t.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    started.push(child);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    return { child, done: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout }))) };
  };
  const listed = async (): Promise<string[]> => {
    const r = await runCli(['list', '--json'], t.env);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { sessions: { name: string }[] }).sessions.map((s) => s.name);
  };

  it('leaves the pane of a create still recording it, and closes the pane of a create that was killed', async () => {
    db.exec('BEGIN IMMEDIATE');
    const alive = create('still-recording');
    await waitFor(() => windows().some((w) => w.name === 'still-recording' && w.aegisId), { what: 'the pane of the create still recording it' });
    // Another process's sweep runs while that create waits to record its session: the pane stays.
    expect(await listed()).toEqual([]);
    expect(windows().map((w) => w.name)).toContain('still-recording');
    db.exec('COMMIT');
    const recorded = await alive.done;
    expect(recorded.code).toBe(0);
    expect(await listed()).toEqual(['still-recording']);

    db.exec('BEGIN IMMEDIATE');
    const killed = create('killed-create');
    const orphan = await waitFor(() => windows().find((w) => w.name === 'killed-create' && w.aegisId), { what: 'the pane of the create to kill' });
    const dataDir = join(t.home, 'sessions', orphan.aegisId);
    expect(existsSync(dataDir)).toBe(true);
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    db.exec('COMMIT');
    // A window another Aegis home's create made on the same tmux server, its creator gone too: not this home's to close.
    const gone = `${hostname()}:${killed.child.pid}:other`;
    const tag = (option: string, value: string) => [';', 'set-option', '-w', '-t', 'aegis:{end}', option, value];
    execFileSync('tmux', [
      '-L',
      t.socket,
      'new-window',
      '-d',
      '-a',
      '-t',
      'aegis:{end}',
      '-n',
      'other-home',
      'sleep',
      '600',
      ...tag('@aegis_id', 'x'),
      ...tag('@aegis_home', 'other'),
      ...tag('@aegis_creator', gone),
    ]);

    // The next look at tmux (here a one-shot `ag list`) closes the pane no session records and no live create is making.
    expect(await listed()).toEqual(['still-recording']);
    expect(windows().map((w) => w.name)).toEqual(['still-recording', 'other-home']);
    // The folder the create made for the session (its agent's settings) goes with it.
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(join(t.home, 'sessions'))).toBe(true);
  });
});
