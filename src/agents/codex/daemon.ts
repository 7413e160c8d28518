import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Codex 0.171 starts a background `codex app-server --managed-daemon` (and its pid-update loop) per
 * CODEX_HOME, outside the pane's process tree, and it outlives the pane. Their pid files record the
 * process's start time (clock ticks since boot), so only that very process is signalled, never a
 * later one that reused the pid.
 */
const PID_FILES = ['daemon.pid', 'daemon-updater.pid'];

function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") "; starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** Ends the background servers of one CODEX_HOME; returns how many were signalled. */
export function stopCodexDaemons(codexHome: string): number {
  let stopped = 0;
  for (const name of PID_FILES) {
    try {
      const info = JSON.parse(readFileSync(join(codexHome, 'app-server-daemon', name), 'utf8')) as { pid?: number; processIdentity?: { startTicks?: number } };
      const pid = info.pid;
      if (!pid || startTicks(pid) !== info.processIdentity?.startTicks) continue;
      process.kill(pid, 'SIGTERM');
      stopped++;
    } catch {
      /* no such file, or the process is gone */
    }
  }
  return stopped;
}
