import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { waitFor } from './wait.js';

/**
 * The pid of the process running in the pane of Aegis session `sessionId`, asked from tmux itself, once it
 * runs its own program (programStarted): its folder and environment are then the ones it was given.
 */
export async function panePid(socket: string, sessionId: string): Promise<number> {
  const pid = await waitFor(
    () => {
      const out = execFileSync('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{@aegis_id} #{pane_pid}'], { encoding: 'utf8' });
      const line = out.split('\n').find((l) => l.startsWith(`${sessionId} `));
      if (!line) throw new Error(`no pane of session ${sessionId} in:\n${out}`);
      return Number(line.split(' ')[1]);
    },
    { what: `the pane of session ${sessionId}` },
  );
  return programStarted(pid);
}

/**
 * Waits until process `pid` runs a program of its own and returns it. tmux forks a pane's process and
 * gives it its folder and environment just before exec: until then /proc shows the tmux server's (its
 * parent's program). And the kernel points /proc/<pid>/exe at the new program before it lays out that
 * program's environment: meanwhile /proc/<pid>/environ reads empty (seen spawning sleep on a loaded
 * machine: exe /usr/bin/sleep with 0 bytes of environ, 2 times in 2,400), so a check of what is set
 * would fail and one of what is not set would pass without looking.
 */
export async function programStarted(pid: number): Promise<number> {
  await waitFor(
    () => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after its last ')'.
      const parent = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
      return readlinkSync(`/proc/${pid}/exe`) !== readlinkSync(`/proc/${parent}/exe`) && readFileSync(`/proc/${pid}/environ`).length > 0;
    },
    { what: `process ${pid} running its own program` },
  );
  return pid;
}

/** The folder a process really runs in, as the kernel reports it. */
export const processCwd = (pid: number): string => readlinkSync(`/proc/${pid}/cwd`);

/** A process's environment as the kernel holds it (what the agent and its children can read). */
export function processEnv(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return new Map(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** The tmux server's global environment (what every new pane inherits), as NAME=value lines. */
export const tmuxGlobalEnv = (socket: string): string => execFileSync('tmux', ['-L', socket, 'show-environment', '-g'], { encoding: 'utf8' });

/**
 * Pids of running processes whose environment names a Gemini CLI home starting with `homePrefix`
 * (the pane's CLI and its relaunched child, which outlive their tmux server).
 */
export function geminiProcessesOf(homePrefix: string): number[] {
  const marker = `\0GEMINI_CLI_HOME=${homePrefix}`;
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (`\0${readFileSync(`/proc/${name}/environ`, 'utf8')}`.includes(marker) && !readFileSync(`/proc/${name}/stat`, 'utf8').includes(') Z'))
        out.push(Number(name));
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}
