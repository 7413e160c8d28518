import { statfsSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import type { Rich } from '../../channels/format.js';
import { tmuxServerRunning } from '../../tmux/command.js';
import { clip } from '../../util/text.js';
import { ago, shortId } from '../present.js';
import { WAITING_STATES } from '../approvals/codes.js';
import type { MessagingDeps } from '../deps.js';

/** What the status lines read: config (tmux, the home folder), live sessions, pipelines. */
export type StatusDeps = Pick<MessagingDeps, 'config' | 'sessions' | 'pipelines'>;

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;
const mb = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MB`;

/** Live sessions counted by state, most urgent first: "1 waiting, 2 working, 3 idle". */
export function stateCounts(deps: Pick<StatusDeps, 'sessions'>): { live: number; text: string } {
  const live = deps.sessions.live();
  const by = new Map<string, number>();
  for (const s of live) {
    const key = WAITING_STATES.includes(s.state) ? 'waiting' : s.state;
    by.set(key, (by.get(key) ?? 0) + 1);
  }
  const order = ['waiting', 'stalled', 'error', 'rate_limited', 'working', 'compacting', 'starting', 'idle'];
  const parts = [...by.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])).map(([k, n]) => `${n} ${k}`);
  return { live: live.length, text: parts.length ? parts.join(', ') : 'none live' };
}

/** Pipelines by status: "1 running, 4 done, 1 failed". */
export function pipelineCounts(deps: Pick<StatusDeps, 'pipelines'>): string {
  const parts = (['running', 'done', 'failed', 'cancelled'] as const)
    .map((status) => ({ status, n: deps.pipelines.list({ statuses: [status], limit: 1, offset: 0 }).total }))
    .filter((x) => x.n > 0)
    .map((x) => `${x.n} ${x.status}`);
  return parts.length ? parts.join(', ') : 'none';
}

function disk(path: string): string {
  try {
    const s = statfsSync(path);
    return `${gb(s.bavail * s.bsize)} free of ${gb(s.blocks * s.bsize)}`;
  } catch {
    return 'unknown';
  }
}

/** The machine's side of health: tmux, disk, memory. */
export async function machineLines(deps: Pick<StatusDeps, 'config'>): Promise<string[]> {
  const socket = deps.config.get('tmux.socket');
  const tmuxUp = await tmuxServerRunning({ command: deps.config.get('tmux.command'), socket });
  return [
    `tmux: ${tmuxUp ? 'running' : 'not running'} (socket ${socket})`,
    `Disk: ${disk(deps.config.home)}`,
    `Memory: ${gb(freemem())} free of ${gb(totalmem())}; Aegis ${mb(process.memoryUsage().rss)}`,
  ];
}

/** `status`: sessions by state, pipelines, tmux, disk and memory, in a few short lines. */
export async function statusReport(deps: StatusDeps): Promise<Rich> {
  const counts = stateCounts(deps);
  const pipelines = pipelineCounts(deps);
  const lines = [`Sessions: ${counts.text}${counts.live ? ` (${counts.live} live)` : ''}`, `Pipelines: ${pipelines}`, ...(await machineLines(deps))];
  return [{ b: 'Status' }, ...lines.map((l) => `\n${l}`)];
}

/** `tasks`: what is running now (sessions not idle or ended, and running pipelines). */
export function tasksReport(deps: Pick<StatusDeps, 'sessions' | 'pipelines'>): Rich {
  const busy = deps.sessions.live().filter((s) => s.state !== 'idle');
  const pipelines = deps.pipelines.list({ statuses: ['running'], limit: 10, offset: 0 }).pipelines;
  const rich: Rich = [{ b: 'Running' }];
  if (!busy.length && !pipelines.length) rich.push('\nNothing is running.');
  for (const s of busy)
    rich.push(
      '\n• ',
      { code: shortId(s.id) },
      ' ',
      { b: s.name },
      ` ${s.state} ${ago(s.stateSince)}`,
      s.initialPrompt ? ` — ${clip(s.initialPrompt, 60)}` : '',
    );
  for (const p of pipelines) rich.push('\n• pipeline ', { b: p.name }, ` ${p.done}/${p.total} stages done, started ${ago(p.createdAt)} ago`);
  return rich;
}
