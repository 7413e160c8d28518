import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'ag');

export interface TestEnv {
  home: string;
  socket: string;
  env: Record<string, string>;
  cleanup(): void;
}

/**
 * Scheduled briefings off: `ag serve` sends the evening one from 18:00 local time, and a test must not
 * change with the hour it runs at (a briefing took the send a test had told the fake to fail).
 */
export const NO_BRIEFINGS = { AEGIS_MORNING_BRIEFING: 'off', AEGIS_EVENING_BRIEFING: 'off' } as const;

/** bash without the user's start-up files (see the script): the SHELL of every test world. */
export const QUIET_SHELL = fileURLToPath(new URL('../fixtures/quiet-shell/bash', import.meta.url));

/**
 * A private Aegis world for one test file: its own AEGIS_HOME and tmux socket, so tests never touch
 * the user's data or agents. cleanup() kills that tmux server and removes the folder.
 */
export function makeTestEnv(extra: Record<string, string> = {}): TestEnv {
  const home = mkdtempSync(join(tmpdir(), 'aegis-test-'));
  const socket = `aegis-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const env: Record<string, string> = {
    ...(Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('AEGIS_'))) as Record<string, string>),
    AEGIS_HOME: home,
    AEGIS_TMUX_SOCKET: socket,
    AEGIS_LOG_LEVEL: 'warn',
    SHELL: QUIET_SHELL,
    ...extra,
  };
  return {
    home,
    socket,
    env,
    cleanup() {
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      } catch {
        /* no server was started */
      }
      stopEngines(home);
      rmSync(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 }); // agents killed with the server may still be writing
      removeSocketFile(socket);
    },
  };
}

/** tmux 3.3a leaves the socket file of a `-L` server behind after kill-server: remove it. */
export function removeSocketFile(socket: string): void {
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
}

/** Stops background `ag engine` processes of this test home (they run with their cwd there). */
function stopEngines(home: string): void {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) !== home) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('engine')) continue;
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      /* gone, or not ours to read */
    }
  }
}
