import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { processAlive } from '../../src/util/process-tree.js';

/**
 * A dropped SSH session or a closed terminal window: the terminal `ag watch` draws on disappears and
 * it gets SIGHUP. Found by hand: Node 20 then aborted with an internal assertion ("void
 * node::ResetStdio() ... Assertion failed") while putting back the settings of a terminal that no
 * longer existed. The terminal here is a pane of a private tmux server, closed with kill-pane.
 */
describe('ag watch when its terminal goes away', () => {
  let t: TestEnv;
  const outer = `aegis-watch-hup-${process.pid}`;
  const term = (...args: string[]) => execFileSync('tmux', ['-L', outer, ...args], { encoding: 'utf8' });

  beforeAll(() => {
    t = makeTestEnv();
  });

  afterAll(() => {
    try {
      execFileSync('tmux', ['-L', outer, 'kill-server'], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
    t?.cleanup();
  });

  it('ends on the hang-up without an assertion or any other error', async () => {
    const errFile = join(mkdtempSync(join(tmpdir(), 'ag-hup-')), 'stderr');
    const { TMUX: _t, TMUX_PANE: _p, ...env } = t.env;
    // `exec`, so the pane's process is ag watch itself, its stderr kept in a file that outlives the pane.
    const pane = execFileSync(
      'tmux',
      [
        '-L',
        outer,
        '-f',
        '/dev/null',
        'new-session',
        '-d',
        '-x',
        '80',
        '-y',
        '24',
        '-P',
        '-F',
        '#{pane_id}',
        'sh',
        '-c',
        'exec "$0" "$1" watch 2>"$2"',
        process.execPath,
        BIN,
        errFile,
      ],
      { encoding: 'utf8', env: { ...env, TERM: 'xterm-256color' } },
    ).trim();
    await waitFor(() => term('capture-pane', '-p', '-t', pane).startsWith('ag watch  '), { timeoutMs: 20_000, what: 'ag watch drawn' });
    const pid = Number(term('display-message', '-p', '-t', pane, '-F', '#{pane_pid}').trim());
    expect(processAlive(pid)).toBe(true);

    term('kill-pane', '-t', pane);
    await waitFor(() => !processAlive(pid), { timeoutMs: 20_000, what: 'ag watch gone after the hang-up' });
    expect(readFileSync(errFile, 'utf8')).toBe('');
  }, 60_000);
});
