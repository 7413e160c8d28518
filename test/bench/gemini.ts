import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app.js';
import { startFakeGemini } from '../fakes/gemini-api-server.js';
import { makeTestEnv, ROOT } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { benchAgentDelivery, benchAgentDetection } from './agent-turns.js';

const GEMINI = join(ROOT, 'node_modules', '@google', 'gemini-cli', 'bundle', 'gemini.js');

/**
 * Gemini CLI state detection and delivery (agent-turns.ts), on one real Gemini CLI 0.61.0 session in
 * tmux against the fake Gemini API, driven by an in-process Aegis.
 */
export async function benchGemini(turns = 10, sends = 20): Promise<void> {
  if (!existsSync(GEMINI)) {
    process.stdout.write('\n## Sessions (gemini): skipped, @google/gemini-cli is not installed\n');
    return;
  }
  const fake = await startFakeGemini({ apiKey: 'fake-gemini-key-bench' });
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-bench-gemini-')));
  const home = mkdtempSync(join(tmpdir(), 'aegis-bench-gemini-home-'));
  // The temp work folder is ours: trusted up front (untrusted-folder.test.ts covers the agent's trust dialog).
  const t = makeTestEnv({ AEGIS_GEMINI_COMMAND: GEMINI, AEGIS_GEMINI_BASE_URL: fake.url, AEGIS_STALL_SECONDS: '600', AEGIS_TRUST_WORK_FOLDERS: 'true' });
  const app = new App({ env: t.env });
  let id: string | undefined;
  try {
    await app.sessions.start();
    const { session } = await app.sessions.create({ workDir, agent: 'gemini', model: 'gemini-2.5-flash', env: { GEMINI_API_KEY: fake.apiKey, HOME: home } });
    id = session.id;
    await waitFor(() => app.sessions.monitor.observer(session.id)?.last?.state === 'idle', { timeoutMs: 120_000, what: 'gemini idle' });
    const agent = {
      app,
      socket: t.socket,
      pane: session.tmuxPane!,
      id: session.id,
      tag: 'gemini',
      release: 'Gemini CLI 0.61.0',
      busy: 'esc to cancel',
      slowTurn: (i: number) => ({ prompt: `SLOW 1500 turn ${i}`, reply: `ECHO: turn ${i}` }),
      prompts: () => fake.requests.filter((q) => q.kind === 'turn' && q.toolOutput === undefined).map((q) => q.prompt),
    };
    await benchAgentDetection(agent, turns);
    await benchAgentDelivery(agent, sends);
  } finally {
    // The CLI outlives its tmux server (it ignores SIGHUP, FINDINGS): Aegis's kill ends it and its child.
    if (id) await app.sessions.kill(id).catch(() => undefined);
    await app.close();
    t.cleanup();
    await fake.close();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}
