import { spawn } from 'node:child_process';
import type { App } from '../../app.js';
import { describeError } from '../../errors.js';
import { builtinTools, toolByName } from '../../tools/registry.js';
import { callTool } from '../../tools/run.js';
import { colorAllowed } from '../../render/text.js';
import { dialogLine } from '../../render/session.js';
import { handleKey, parseKeys, type Action, type KeyState } from './keys.js';
import { loadRows, type WatchRow } from './model.js';
import { renderFrame } from './render.js';
import { FullScreen } from './terminal.js';

/** Bursts of screen changes (a spinner, streamed text) are read from SQLite once per this many ms. */
const COALESCE_MS = 50;
/** The times shown ("working 12s") move on once a second; nothing is read for that, only drawn. */
const CLOCK_MS = 1_000;

/**
 * `ag watch`: every session live, on the terminal it runs in. It watches the panes the way `ag mcp`
 * does (the session monitor: one tmux control connection, one observer per pane) and redraws on the
 * events that drive MCP notifications (state changes, finished turns, screen observations). Keys
 * act through the same tools as the CLI and MCP. The terminal is given back on every way out.
 */
export async function runWatch(app: App): Promise<void> {
  const tty = new FullScreen(process.stdin, process.stdout);
  const tools = builtinTools();
  let rows: WatchRow[] = [];
  let keys: KeyState = { selected: 0 };
  let selectedId: string | undefined;
  let status: string | undefined;

  const draw = () => tty.draw(renderFrame({ rows, selected: keys.selected, ...tty.size, now: Date.now(), status, reason: keys.reason, color: colorAllowed() }));
  const reload = () => {
    rows = loadRows(app);
    const kept = rows.findIndex((r) => r.id === selectedId);
    keys = { ...keys, selected: kept >= 0 ? kept : Math.max(0, Math.min(keys.selected, rows.length - 1)) };
    selectedId = rows[keys.selected]?.id;
    draw();
  };
  let reloadTimer: NodeJS.Timeout | undefined;
  const scheduleReload = () => {
    reloadTimer ??= setTimeout(() => {
      reloadTimer = undefined;
      reload();
    }, COALESCE_MS);
  };
  const say = (text: string) => {
    status = text;
    draw();
  };

  /** Runs one tool on a session and shows its outcome in the status line; a failure is shown, never thrown. */
  const runTool = async (name: string, input: Record<string, unknown>, row: WatchRow, doing: string, done: (o: Record<string, unknown>) => string) => {
    say(`${doing} ${row.name}…`);
    try {
      if (row.dialog) await ownDialog(app, row.id);
      const output = await callTool(app, toolByName(tools, name)!, input, { caller: 'cli' });
      // The outcome is drawn with the rows as they are now: a frame saying "approved" must not still
      // show the dialog it answered (the store holds the new state before the tool returns).
      status = done(output);
    } catch (err) {
      status = `${row.name}: ${describeError(err)}`;
    }
    reload();
  };

  const act = async (action: Action, row: WatchRow): Promise<void> => {
    const id = row.id;
    switch (action.type) {
      case 'approve':
        return runTool('session_approve', { id }, row, 'approving', (o) => `approved ${row.name}, now ${o.state}: ${dialogLine(o.approved as never)}`);
      case 'reject':
        return runTool(
          'session_reject',
          { id, reason: action.reason },
          row,
          'rejecting',
          (o) => `rejected ${row.name}${action.reason ? ' (reason sent)' : ''}, now ${o.state}: ${dialogLine(o.rejected as never)}`,
        );
      case 'answer':
        return runTool('session_answer', { id, answer: action.option }, row, 'answering', (o) => `answered ${row.name} with ${o.answeredWith}, now ${o.state}`);
      case 'interrupt':
        return runTool('session_interrupt', { id }, row, 'interrupting', (o) => `interrupted ${row.name}, now ${o.state}`);
      case 'open':
        return openPane(app, row, tty).then((note) => {
          tty.invalidate();
          say(note);
        });
      case 'quit':
        return;
    }
  };

  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onData = (data: Buffer) => {
    for (const key of parseKeys(data.toString('utf8'))) {
      const next = handleKey(keys, key, rows.length);
      keys = next.state;
      selectedId = rows[keys.selected]?.id;
      const row = rows[keys.selected];
      if (next.action?.type === 'quit') return finish();
      if (next.action && row) void act(next.action, row);
    }
    draw();
  };
  const onResize = () => {
    tty.invalidate();
    draw();
  };
  const onFatal = (err: unknown) => {
    tty.leave();
    process.stderr.write(`ag watch: ${describeError(err)}\n`);
    process.exit(1);
  };
  const onExit = () => tty.leave();
  const ignore = () => {};
  let hungUp = false;
  const onHangUp = () => {
    hungUp = true;
    finish();
  };

  const unsubscribe = [app.events.on('session_state_changed', scheduleReload), app.events.on('session_turn_finished', scheduleReload)];
  const stopObserving = app.sessions.onObservation(scheduleReload);
  const clock = setInterval(draw, CLOCK_MS);
  process.stdin.on('data', onData);
  process.stdout.on('resize', onResize);
  // A hung-up SSH connection makes writes fail; that must end the view, not crash it half-restored.
  process.stdout.on('error', ignore);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, finish);
  process.on('SIGHUP', onHangUp);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  process.on('exit', onExit);
  try {
    tty.enter();
    reload();
    await app.sessions.watchPanes();
    reload();
    await finished;
  } finally {
    tty.leave();
    clearInterval(clock);
    clearTimeout(reloadTimer);
    unsubscribe.forEach((off) => off());
    stopObserving();
    process.stdin.off('data', onData);
    process.stdout.off('resize', onResize);
    process.stdout.off('error', ignore);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.off(signal, finish);
    process.off('SIGHUP', onHangUp);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    process.off('exit', onExit);
  }
  if (hungUp) {
    // The terminal is gone (a dropped SSH session, a closed window). A normal exit would have Node put
    // back the terminal's settings, which fails on a terminal that no longer exists and aborts Node 20
    // with an internal assertion. Everything is closed here; the hang-up then ends the process as
    // hang-ups do (its default action: no terminal reset).
    await app.close();
    process.kill(process.pid, 'SIGHUP');
    await new Promise(() => {});
  }
}

/** How long a key that answers a dialog waits for this process to see the dialog too. */
const SEE_DIALOG_MS = 3_000;

/**
 * The rows come from SQLite, where another Aegis process watching the same pane may record a dialog
 * a moment before this process's own observer sees it; the tools answer what this process sees. So
 * a key that answers a dialog waits (bounded, on the monitor's observations) until it is seen here.
 */
function ownDialog(app: App, sessionId: string): Promise<void> {
  if (app.sessions.seesDialog(sessionId)) return Promise.resolve();
  return new Promise((resolve) => {
    const stopObserving = app.sessions.onObservation((id, o) => {
      if (id === sessionId && o.dialog) done();
    });
    const timer = setTimeout(() => done(), SEE_DIALOG_MS);
    const done = () => {
      clearTimeout(timer);
      stopObserving();
      resolve();
    };
  });
}

/**
 * Shows the session's pane: inside a client of the same tmux server, switches that client to it;
 * otherwise attaches this terminal to it and comes back to the view when the person detaches.
 */
async function openPane(app: App, row: WatchRow, tty: FullScreen): Promise<string> {
  const s = app.sessions.get(row.id);
  if (!s?.tmuxWindow || ['exited', 'dead'].includes(s.state)) return `${row.name} has ${row.state}: no pane to open (ag read ${row.name} shows what it did)`;
  const { command, socket, socketPath } = await app.sessions.tmuxServer();
  const inside = !!process.env.TMUX && process.env.TMUX.split(',')[0] === socketPath;
  const { TMUX: _outer, ...env } = process.env;
  const args = inside ? ['-L', socket, 'switch-client', '-t', s.tmuxWindow] : ['-L', socket, 'attach-session', '-t', s.tmuxWindow];
  if (!inside) tty.leave();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      spawn(command, args, { stdio: inside ? 'ignore' : 'inherit', env: inside ? process.env : env })
        .once('error', reject)
        .once('exit', resolve);
    });
    if (code !== 0) return `${row.name}: tmux ${args[2]} exited with ${code}`;
    return inside ? `switched to ${row.name}; come back with your tmux keys` : `back from ${row.name}`;
  } catch (err) {
    return `${row.name}: could not run tmux: ${(err as Error).message}`;
  } finally {
    if (!inside) tty.enter();
  }
}
