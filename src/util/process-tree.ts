import { readFileSync } from 'node:fs';
import { run } from './exec.js';

/**
 * The fields of /proc/<pid>/stat after the command name (Linux): [0] state, [1] ppid, … [19] the start
 * time in clock ticks since boot. Undefined where that cannot be read.
 */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Children by parent pid, from one `ps` run. */
async function processTable(): Promise<Map<number, number[]>> {
  const r = await run('ps', ['-e', '-o', 'pid=,ppid=']);
  const children = new Map<number, number[]>();
  for (const line of r.stdout.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid || ppid === undefined) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  return children;
}

/** The `ps` run under way: kills that start together (50 in parallel) share one snapshot instead of 50. */
let pendingTable: Promise<Map<number, number[]>> | undefined;

/** Every descendant pid of `root`, from one `ps` snapshot (taken after the call began). */
export async function descendants(root: number): Promise<number[]> {
  pendingTable ??= processTable().finally(() => (pendingTable = undefined));
  const children = await pendingTable;
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** Whether a process with this id exists (signal 0: nothing is sent). */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Kills a pane and everything its process started. Killing the tmux window alone leaves a running
 * tool's processes behind as orphans (FINDINGS §7.13), so the tree is listed first, the window
 * killed, then survivors get SIGTERM and, a second later, SIGKILL.
 */
export async function killPaneTree(panePid: number | undefined, killWindow: () => Promise<void>): Promise<number> {
  const tree = panePid ? [panePid, ...(await descendants(panePid))] : [];
  await killWindow();
  const survivors = () => tree.filter(processAlive);
  for (const pid of survivors()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + 1_000;
  while (survivors().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  for (const pid of survivors()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return tree.length;
}
