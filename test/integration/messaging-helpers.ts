import { chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app.js';
import { ServeRuntime } from '../../src/messaging/index.js';
import { chatTools } from '../../src/tools/chat.js';
import { makeTestEnv, NO_BRIEFINGS, type TestEnv } from '../helpers/env.js';
import { FAKE_CLAUDE } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

export interface MessagingWorld {
  t: TestEnv;
  workDir: string;
  agentHome: string;
  cleanup(): Promise<void>;
}

/**
 * A private Aegis world for messaging tests: its own AEGIS_HOME and tmux socket, a project folder
 * for `task:`, and the fake Claude Code behind a tiny wrapper that gives it a private HOME (a session
 * started from a chat has no per-session env to carry HOME).
 */
export function makeMessagingWorld(env: Record<string, string> = {}): MessagingWorld {
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-msg-work-')));
  const agentHome = mkdtempSync(join(tmpdir(), 'aegis-msg-agent-home-'));
  const bin = mkdtempSync(join(tmpdir(), 'aegis-msg-bin-'));
  const wrapper = join(bin, 'claude');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(wrapper, `#!/bin/sh\nHOME=${q(agentHome)} FAKE_CLAUDE_SPEED=0.3 exec ${q(process.execPath)} ${q(FAKE_CLAUDE)} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const t = makeTestEnv({
    AEGIS_CLAUDE_COMMAND: wrapper,
    AEGIS_MESSAGING_WORKDIR: workDir,
    AEGIS_STALL_SECONDS: '600',
    AEGIS_SERVE_PORT: '0',
    ...NO_BRIEFINGS,
    ...env,
  });
  return {
    t,
    workDir,
    agentHome,
    async cleanup() {
      t.cleanup();
      // Agents killed with the tmux server run their exit hooks and may write files for a moment more.
      for (const dir of [workDir, agentHome, bin]) {
        await waitFor(
          () => {
            rmSync(dir, { recursive: true, force: true });
            return true;
          },
          { timeoutMs: 5_000, what: `${dir} to be removed` },
        );
      }
    },
  };
}

/** An App plus a started `ag serve` runtime in this process. */
export async function startServe(
  env: Record<string, string>,
  opts: { leaseMs?: number } = {},
): Promise<{ app: App; serve: ServeRuntime; stop(): Promise<void> }> {
  const app = new App({ env, chatTools: async (a) => chatTools(a) });
  const serve = new ServeRuntime(app, { leaseMs: opts.leaseMs });
  await serve.start();
  return {
    app,
    serve,
    async stop() {
      await serve.stop();
      await app.close();
    },
  };
}
