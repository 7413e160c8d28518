import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestEnv, removeSocketFile } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { openFloorClient } from './floors.js';
import { fmt, median, percentile, report } from './stats.js';

type Mcp = Awaited<ReturnType<typeof connectMcp>>;

/** A tool call that waits as long as a loaded machine needs (the helpers' 70 s is too short for 50 starts there). */
async function call<T = Record<string, unknown>>(mcp: Mcp, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await mcp.client.callTool({ name, arguments: args }, undefined, { timeout: 600_000 });
  if (r.isError) throw new Error(`${name} failed: ${(r.content as { text: string }[])[0]?.text}`);
  return r.structuredContent as T;
}

const TICKER = 'while :; do echo tick; sleep 1; done';

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** CPU ticks (utime + stime) and RSS of a process, from /proc. */
function procStat(pid: number): { cpuTicks: number; rssKb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuTicks: Number(fields[11]) + Number(fields[12]), rssKb };
}

/**
 * The server's CPU share (% of one core) over `windows` windows of `seconds` in a row, and its RSS at
 * the end. The median is the figure: on this shared machine one window can land on a burst of other
 * work (the same build measured 2.8-4.1 % in twelve windows of one run), so one window's verdict flips.
 */
async function serverLoad(mcp: Mcp, seconds: number, windows: number): Promise<{ cpuPct: number; cpuRange: string; rssMb: number }> {
  const pid = mcp.transport.pid!;
  const shares: number[] = [];
  let rssKb = 0;
  for (let i = 0; i < windows; i++) {
    const a = procStat(pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const b = procStat(pid);
    shares.push(((b.cpuTicks - a.cpuTicks) / 100 / ((performance.now() - t0) / 1000)) * 100);
    rssKb = b.rssKb;
  }
  const range = windows > 1 ? ` (median of ${windows} windows: ${Math.min(...shares).toFixed(1)}-${Math.max(...shares).toFixed(1)} %)` : '';
  return { cpuPct: median(shares), cpuRange: range, rssMb: rssKb / 1024 };
}

/**
 * tmux's own cost of creating and of killing `n` windows, on a scratch server of the same tmux: one
 * invocation each (tmux makes and removes windows one at a time, and Debian's tmux forks and waits for
 * its utempter helper for each), the floor under a batch create or kill whatever Aegis does.
 */
function tmuxWindowsFloor(n: number): { create: number; kill: number } {
  const socket = `aegis-bench-floor-${process.pid}`;
  const tmux = (args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { stdio: 'ignore' });
  const each = (command: (i: number) => string[]) => Array.from({ length: n }, (_, i) => [...(i ? [';'] : []), ...command(i)]).flat();
  try {
    tmux(['new-session', '-d', '-s', 'floor', 'sleep', '600']);
    let t0 = performance.now();
    tmux(each((i) => ['new-window', '-d', '-t', `floor:${i + 1}`, '--', 'sleep', '600']));
    const create = performance.now() - t0;
    t0 = performance.now();
    tmux(each((i) => ['kill-window', '-t', `floor:${i + 1}`]));
    return { create, kill: performance.now() - t0 };
  } finally {
    try {
      tmux(['kill-server']);
    } catch {
      /* already gone */
    }
    removeSocketFile(socket);
  }
}

/**
 * Waits (to a deadline) until no session is still starting and no first prompt waits to be typed: the
 * live steady state the figures are about (read on the bench's own connection to the database).
 */
async function settled(db: Database.Database): Promise<void> {
  const busy = db.prepare(
    "SELECT (SELECT count(*) FROM sessions WHERE state = 'starting') + (SELECT count(*) FROM session_messages WHERE status IN ('queued', 'delivering')) AS n",
  );
  const deadline = Date.now() + 180_000;
  while ((busy.get() as { n: number }).n > 0) {
    if (Date.now() > deadline) throw new Error('sessions still starting after 180 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Floor = Awaited<ReturnType<typeof openFloorClient>>;

/**
 * session_list's times beside its floors, sampled in turn so load hits all alike: the bare SQL it needs
 * (count + one page of rows, on the same database file, in this process) and a minimal SDK server's
 * MCP round trip.
 */
type Spread = { p50: number; p95: number };
const spread = (v: number[]): Spread => ({ p50: percentile(v, 50), p95: percentile(v, 95) });
const show = (v: Spread): string => `p95 ${fmt(v.p95)} (p50 ${fmt(v.p50)})`;

async function listTimes(mcp: Mcp, db: Database.Database, floor: Floor, calls: number, limit: number): Promise<{ list: Spread; sql: Spread; rtt: Spread }> {
  const count = db.prepare('SELECT count(*) AS n FROM sessions');
  const page = db.prepare('SELECT * FROM sessions ORDER BY created_at DESC, id LIMIT ? OFFSET 0');
  const list: number[] = [];
  const sql: number[] = [];
  const rtt: number[] = [];
  for (let i = 0; i < calls; i++) {
    list.push((await timed(() => call(mcp, 'session_list', { limit }))).ms);
    const t0 = performance.now();
    count.get();
    page.all(limit);
    sql.push(performance.now() - t0);
    rtt.push(await floor.ping());
  }
  return { list: spread(list), sql: spread(sql), rtt: spread(rtt) };
}

/** Starts `count` shell sessions in batches of 50; every other one prints a line a second. */
async function grow(mcp: Mcp, workDir: string, count: number, from: number): Promise<void> {
  for (let done = 0; done < count; done += 50) {
    const n = Math.min(50, count - done);
    const r = await call<{ failed: number; results: { error?: string }[] }>(mcp, 'session_batch_create', {
      sessions: Array.from({ length: n }, (_, i) => ({ workDir, agent: 'shell', ...((from + done + i) % 2 ? { prompt: TICKER } : {}) })),
    });
    if (r.failed) throw new Error(`batch create failed: ${r.results.find((x) => x.error)?.error}`);
  }
}

/**
 * Shell sessions at scale on one `ag mcp`: one create against a batch of 50 and one kill against 50
 * parallel kills (the floors on a warm server: the tmux server and the control connection up, as
 * they are for the batch); then session_list p95 and the server's CPU/RSS at 10, 50 and `max` live
 * sessions (half of them printing a line a second), each beside its floor from the same run. The CPU
 * share is the median of `windows` windows at each level.
 */
export async function benchScale(max: number, windowSeconds: number, windows: number): Promise<void> {
  const t = makeTestEnv();
  const mcp = await connectMcp(t.env, []);
  const floor = await openFloorClient();
  const workDir = mkdtempSync(join(tmpdir(), 'aegis-bench-scale-'));
  let db: Database.Database | undefined;
  try {
    const cold = await timed(() => call<{ id: string }>(mcp, 'session_create', { workDir, agent: 'shell' }));
    const one = await timed(() => call<{ id: string }>(mcp, 'session_create', { workDir, agent: 'shell' }));
    const fifty = await timed(() =>
      call<{ results: { id: string }[] }>(mcp, 'session_batch_create', { sessions: Array.from({ length: 50 }, () => ({ workDir, agent: 'shell' })) }),
    );
    await call(mcp, 'session_kill', { id: cold.value.id });
    const tmuxOne = tmuxWindowsFloor(1);
    const tmuxFifty = tmuxWindowsFloor(50);
    const killOne = await timed(() => call(mcp, 'session_kill', { id: one.value.id }));
    const killFifty = await timed(() => Promise.all(fifty.value.results.map((r) => call(mcp, 'session_kill', { id: r.id }))));
    report(
      `Sessions: create and kill, shell agent, one ag mcp (load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
      [
        ['first session_create (starts tmux)', fmt(cold.ms)],
        ['floor: session_create x1, warm', fmt(one.ms)],
        ['floor: bare tmux, 1 new window', fmt(tmuxOne.create)],
        ['floor: bare tmux, 50 new windows', `${fmt(tmuxFifty.create)}  = ${(tmuxFifty.create / tmuxOne.create).toFixed(1)}x one window`],
        [
          'session_batch_create x50',
          `${fmt(fifty.ms)}  = ${(fifty.ms / one.ms).toFixed(1)}x one create (goal <= 5x), ${(fifty.ms / tmuxFifty.create).toFixed(2)}x bare tmux's 50 windows`,
        ],
        ['floor: session_kill x1', fmt(killOne.ms)],
        ['floor: bare tmux, 50 kill-windows', fmt(tmuxFifty.kill)],
        [
          'session_kill x50, in parallel',
          `${fmt(killFifty.ms)}  = ${(killFifty.ms / killOne.ms).toFixed(1)}x one kill, ${(killFifty.ms / tmuxFifty.kill).toFixed(2)}x bare tmux's 50 kill-windows`,
        ],
      ],
    );
    db = new Database(join(t.home, 'aegis.db'), { readonly: true, fileMustExist: true });

    const idle = await serverLoad(mcp, windowSeconds, windows);
    const rows: [string, string][] = [
      ['floor: 0 live sessions', `server CPU ${idle.cpuPct.toFixed(1)}% of a core${idle.cpuRange}, RSS ${idle.rssMb.toFixed(0)} MB`],
    ];
    let live = 0;
    const at10 = { all: 0, page: 0 };
    const listRow = (what: string, times: Awaited<ReturnType<typeof listTimes>>, p95At10: number): [string, string] => [
      `  session_list, ${what}`,
      `${show(times.list)} = ${(times.list.p95 / p95At10).toFixed(2)}x p95 at 10 (goal <= 3x at 200), ${(times.list.p95 / (times.rtt.p95 + times.sql.p95)).toFixed(1)}x its floor (MCP round trip ${show(times.rtt)} + bare SQL ${show(times.sql)})`,
    ];
    for (const level of [10, 50, max]) {
      if (level <= live) continue;
      await grow(mcp, workDir, level - live, live);
      live = level;
      await settled(db);
      // The server's own cost with these sessions, before any list call adds its share.
      const load = await serverLoad(mcp, windowSeconds, windows);
      const all = await listTimes(mcp, db, floor, 30, 500);
      const page = await listTimes(mcp, db, floor, 30, 50);
      if (level === 10) Object.assign(at10, { all: all.list.p95, page: page.list.p95 });
      rows.push(
        [
          `${level} live (${Math.floor(level / 2)} printing 1 line/s)`,
          `server CPU ${load.cpuPct.toFixed(1)}% of a core${load.cpuRange} (goal <= 5%), RSS ${load.rssMb.toFixed(0)} MB (goal <= 250 MB)`,
        ],
        listRow(`every row (limit 500, ${(db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n} rows)`, all, at10.all),
        listRow('one page (limit 50)', page, at10.page),
      );
    }
    report(
      `Sessions at scale: one ag mcp, ${windowSeconds} s windows (load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
      rows,
    );
  } finally {
    db?.close();
    await floor.close();
    await mcp.close();
    t.cleanup();
    rmSync(workDir, { recursive: true, force: true });
  }
}
