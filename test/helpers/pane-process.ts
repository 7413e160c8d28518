import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The pid of the process running in the pane of Aegis session `sessionId`, asked from tmux itself. */
export function panePid(socket: string, sessionId: string): number {
  const out = execFileSync('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{@aegis_id} #{pane_pid}'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.startsWith(`${sessionId} `));
  if (!line) throw new Error(`no pane of session ${sessionId} in:\n${out}`);
  return Number(line.split(' ')[1]);
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
