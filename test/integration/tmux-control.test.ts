import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlLine } from '../../src/tmux/control.js';
import { HUB_SESSION, TmuxServer } from '../../src/tmux/server.js';
import { agentBaseEnv, agentMaySee } from '../../src/agents/env.js';
import { removeSocketFile } from '../helpers/env.js';
import { processCwd, processEnv, programStarted } from '../helpers/pane-process.js';
import { waitFor } from '../helpers/wait.js';

/** Arguments a caller may give (a work folder, an env value) that tmux's parser would otherwise read. */
const NASTY = [
  "it's",
  '#{pane_id}',
  '#(id)',
  '$HOME',
  '~',
  '~/x',
  'a;',
  ';',
  'a;b',
  'a\\;',
  'back\\slash\\',
  '{x}',
  '"q"',
  "'",
  "''",
  '-x',
  '--',
  'tab\there',
  'é ü 字',
  '%1',
  ' lead and trail ',
  '',
];

describe('tmux commands over the control connection', () => {
  const home = mkdtempSync(join(tmpdir(), 'aegis-tmux-control-'));
  const socket = `aegis-test-control-${process.pid}`;
  const tmux = new TmuxServer({ command: 'tmux', socket }, home, { width: 100, height: 30 }, { env: agentBaseEnv(process.env), mayKeep: agentMaySee });
  const control = tmux.controlClient();

  beforeAll(async () => {
    // The first window starts the server and the hub session as a process; the rest can use the connection.
    await tmux.createWindow({ aegisId: 'first', name: 'first', cwd: home, env: {}, argv: ['sleep', '600'], creator: 'tmux-control test' });
    await control.start(HUB_SESSION);
    tmux.useControl(control);
  });
  afterAll(async () => {
    control.close();
    await tmux.run(['kill-server'], { reject: false }).catch(() => undefined);
    removeSocketFile(socket);
    rmSync(home, { recursive: true, force: true });
  });

  it('runs commands on the control connection, not as a process', async () => {
    // Only a command run by the control client itself sees a control-mode client.
    expect((await tmux.run(['display-message', '-p', '#{client_control_mode}'])).stdout).toBe('1\n');
  });

  it('answers a line of several commands as one; a failed command ends its line, and the next line gets its own answer', async () => {
    const line = (commands: string[][]) => commands.map((c) => controlLine(c)!).join(' ; ');
    expect(
      await control.run(
        line([
          ['display-message', '-p', 'one'],
          ['display-message', '-p', 'two'],
        ]),
        2,
      ),
    ).toEqual(['one', 'two']);
    await expect(
      control.run(
        line([
          ['kill-window', '-t', '@99999'],
          ['display-message', '-p', 'never'],
        ]),
        2,
      ),
    ).rejects.toThrow(/can't find window/);
    expect(await control.run(line([['display-message', '-p', 'after']]))).toEqual(['after']);
  });

  it('makes a window over the connection tagged, in the same line, with its session, this home and its creator', async () => {
    const pane = await tmux.createWindow({ aegisId: 'tagged', name: 'tagged', cwd: home, env: {}, argv: ['sleep', '600'], creator: 'tmux-control test' });
    expect(pane).toMatchObject({ aegisId: 'tagged', home: tmux.homeTag, creator: 'tmux-control test' });
    expect((await tmux.listPanes()).find((p) => p.paneId === pane.paneId)).toMatchObject({ aegisId: 'tagged', home: tmux.homeTag });
  });

  it('keeps every argument literal: what comes back is exactly what was given', async () => {
    for (const value of NASTY) {
      await tmux.run(['set-option', '-w', '-t', `${HUB_SESSION}:0`, '@probe', value]);
      const shown = await tmux.run(['show-options', '-w', '-v', '-t', `${HUB_SESSION}:0`, '@probe']);
      expect(shown.stdout, JSON.stringify(value)).toBe(`${value}\n`);
    }
  });

  it('keeps an argument with a line break or another control character literal on the connection too', async () => {
    for (const value of ['two\nlines', '\n~/x', "it's\r\n$HOME #{pane_id}\x1b[0m\x7f\x01;", '\n;']) {
      expect(controlLine(['set-option', '@probe', value])).not.toContain('\n');
      await tmux.run(['set-option', '-w', '-t', `${HUB_SESSION}:0`, '@probe', value]);
      expect((await tmux.run(['show-options', '-w', '-v', '-t', `${HUB_SESSION}:0`, '@probe'])).stdout, JSON.stringify(value)).toBe(`${value}\n`);
    }
    // A NUL fits neither a line nor an argv.
    expect(controlLine(['set-option', '@probe', 'a\0b'])).toBeUndefined();
  });

  it('starts a window with a caller folder and environment exactly as given', async () => {
    const cwd = join(home, "it's #{pane_id} $HOME; ~");
    mkdirSync(cwd);
    const env = Object.fromEntries(NASTY.map((v, i) => [`PROBE_${i}`, v]));
    const pane = await tmux.createWindow({ aegisId: 'probe-id', name: 'probe', cwd, env, argv: ['sleep', '600'], creator: 'tmux-control test' });
    expect(pane.aegisId).toBe('probe-id');
    await programStarted(pane.pid);
    expect(readlinkSync(`/proc/${pane.pid}/exe`)).toMatch(/\/sleep$/);
    expect(processCwd(pane.pid)).toBe(cwd);
    const seen = processEnv(pane.pid);
    for (const [k, v] of Object.entries(env)) expect(seen.get(k), k).toBe(v);
    expect((await tmux.pane(pane.paneId))?.windowId).toBe(pane.windowId);
  });

  it('pastes text byte for byte through a private file, never on the command line, and leaves no file behind', async () => {
    const out = join(home, 'pasted.txt');
    const pane = await tmux.createWindow({
      aegisId: 'paste-id',
      name: 'paste',
      cwd: home,
      env: {},
      argv: ['sh', '-c', 'cat > "$0"', out],
      creator: 'tmux-control test',
    });
    const text = 'first line $HOME #{pane_id} é\nsecond \'quoted\' a; \\ ~ "q"';
    await tmux.paste(pane.paneId, text);
    await tmux.sendKeys(pane.paneId, ['Enter']);
    // The terminal hands cat each line as it ends: the file holds the text, then the Enter.
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8') === `${text}\n`, { what: 'the pasted text in the file' });
    const pasteDir = join(home, 'paste');
    // The folder exists because the text went through it; it is empty again.
    expect(readdirSync(pasteDir)).toEqual([]);
  });

  it("reports a failing command as failed, with tmux's reason", async () => {
    const r = await tmux.run(['kill-window', '-t', '@99999'], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/can't find window/);
    await expect(tmux.run(['kill-window', '-t', '@99999'])).rejects.toThrow(/kill-window failed: .*can't find window/);
  });

  it('a command written as the control client dies is refused as a closed connection, and the process lives on', async () => {
    // A second connection of our own, so the shared one stays up for the tests after this one.
    const clients = async () => (await tmux.run(['list-clients', '-F', '#{client_pid}'])).stdout.trim().split('\n');
    const before = new Set(await clients());
    const other = tmux.controlClient();
    await other.start(HUB_SESSION);
    const pid = Number((await clients()).find((p) => !before.has(p)));
    process.kill(pid, 'SIGKILL');
    // Wait, without giving the event loop a turn (so 'exit' is not seen first), until its pipe is closed.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) {
      /* spin: the client is being killed */
    }
    // Before: the write's EPIPE was an unhandled 'error' event and ended the process (vitest: an unhandled error).
    await expect(other.run(controlLine(['display-message', '-p', 'x'])!)).rejects.toThrow(/closed|lost|exited/);
    expect(other.alive).toBe(false);
  });

  /** A second control connection of our own and its client's pid, so the shared one stays up for the tests after. */
  const secondConnection = async () => {
    const clients = async () => (await tmux.run(['list-clients', '-F', '#{client_pid}'])).stdout.trim().split('\n');
    const before = new Set(await clients());
    const client = tmux.controlClient();
    await client.start(HUB_SESSION);
    return { client, pid: Number((await clients()).find((p) => !before.has(p))) };
  };
  /**
   * Kills `pid` and waits, without giving the event loop a turn (so 'exit' is not seen first), until it is
   * dead and the tmux server has dropped it: the server holds a control client's stdin too (it reads the
   * commands from it), so until then a write still reaches tmux, which may run it.
   */
  const killNow = (pid: number) => {
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 5_000;
    const listed = () => execFileSync('tmux', ['-L', socket, 'list-clients', '-F', '#{client_pid}'], { encoding: 'utf8' }).split('\n').includes(String(pid));
    while (Date.now() < deadline && ((existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) || listed())) {
      /* spin: the client is being killed */
    }
  };

  it('a command whose line never reached tmux (its client gone, the write refused) runs as a process instead', async () => {
    // As when the hub session's last window closes and the next create writes before the client's exit is seen (pipeline-run, CI).
    const other = await secondConnection();
    tmux.useControl(other.client);
    try {
      killNow(other.pid);
      await tmux.run(['set-option', '-w', '-t', `${HUB_SESSION}:0`, '@probe', 'after the client died']);
      expect(other.client.alive).toBe(false);
    } finally {
      tmux.useControl(control);
    }
    expect((await tmux.run(['show-options', '-w', '-v', '-t', `${HUB_SESSION}:0`, '@probe'])).stdout).toBe('after the client died\n');
  });

  it("kills the hub session's last windows over the connection without an error, though the connection ends with them", async () => {
    const windows = (await tmux.listPanes()).map((p) => p.windowId);
    expect(windows.length).toBeGreaterThan(1);
    await Promise.all(windows.map((w) => tmux.killWindow(w)));
    await waitFor(() => !control.alive, { what: 'the control connection to end with the hub session' });
    expect(await tmux.listPanes()).toEqual([]);
  });

  it('runs as processes once the connection has ended: a new window starts the hub session again', async () => {
    expect(control.alive).toBe(false);
    const pane = await tmux.createWindow({ aegisId: 'again', name: 'again', cwd: home, env: {}, argv: ['sleep', '600'], creator: 'tmux-control test' });
    expect(pane.aegisId).toBe('again');
    expect((await tmux.listPanes()).map((p) => p.paneId)).toEqual([pane.paneId]);
    expect((await tmux.run(['display-message', '-p', '-t', pane.paneId, '#{client_control_mode}'])).stdout).not.toBe('1\n');
  });
});

describe('tmux run by an Aegis started without a UTF-8 locale (LANG, LC_* unset: a sparse service or MCP host environment)', () => {
  const home = mkdtempSync(join(tmpdir(), 'aegis-tmux-locale-'));
  const socket = `aegis-test-locale-${process.pid}`;
  const env = Object.fromEntries(Object.entries(agentBaseEnv(process.env)).filter(([k]) => k !== 'LANG' && k !== 'LANGUAGE' && !k.startsWith('LC_')));
  const tmux = new TmuxServer({ command: 'tmux', socket }, home, { width: 100, height: 30 }, { env, mayKeep: agentMaySee });
  afterAll(async () => {
    await tmux.run(['kill-server'], { reject: false }).catch(() => undefined);
    removeSocketFile(socket);
    rmSync(home, { recursive: true, force: true });
  });

  it("reads tmux's answers whole, as processes and over the connection: tmux would print their tabs and é as _", async () => {
    const first = await tmux.createWindow({ aegisId: 'plain', name: 'plain', cwd: home, env: {}, argv: ['sleep', '600'], creator: 'locale test' });
    expect(first.windowId).toMatch(/^@\d+$/);
    expect(first).toMatchObject({ aegisId: 'plain', home: tmux.homeTag, creator: 'locale test' });
    expect((await tmux.run(['display-message', '-p', 'caf\u00e9'])).stdout).toBe('caf\u00e9\n');
    const control = tmux.controlClient();
    await control.start(HUB_SESSION);
    tmux.useControl(control);
    try {
      const second = await tmux.createWindow({ aegisId: 'over-control', name: 'over', cwd: home, env: {}, argv: ['sleep', '600'], creator: 'locale test' });
      expect(second.windowId).toMatch(/^@\d+$/);
      expect((await tmux.listPanes()).map((p) => p.aegisId).sort()).toEqual(['over-control', 'plain']);
      expect((await tmux.run(['display-message', '-p', 'caf\u00e9'])).stdout).toBe('caf\u00e9\n');
    } finally {
      control.close();
    }
  });
});
