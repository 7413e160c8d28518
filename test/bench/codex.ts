import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopCodexDaemons } from '../../src/agents/codex/daemon.js';
import { App } from '../../src/app.js';
import { startFakeResponses, type FakeResponses } from '../fakes/openai-responses-server.js';
import { makeTestEnv, ROOT, type TestEnv } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { benchAgentDelivery, benchAgentDetection, type BenchedAgent } from './agent-turns.js';

const CODEX = join(ROOT, 'node_modules', '@openai', 'codex', 'bin', 'codex.js');

interface CodexWorld {
  app: App;
  t: TestEnv;
  fake: FakeResponses;
  id: string;
  pane: string;
  close(): Promise<void>;
}

/** The real Codex CLI 0.171.0 in tmux against the fake Responses API, driven by an in-process Aegis. */
async function startCodex(): Promise<CodexWorld> {
  const fake = await startFakeResponses();
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-bench-codex-')));
  const home = mkdtempSync(join(tmpdir(), 'aegis-bench-codex-home-'));
  // The temp work folder is ours: trusted up front (untrusted-folder.test.ts covers the agent's trust dialog).
  const t = makeTestEnv({ AEGIS_CODEX_COMMAND: CODEX, AEGIS_CODEX_BASE_URL: `${fake.url}/v1`, AEGIS_STALL_SECONDS: '600', AEGIS_TRUST_WORK_FOLDERS: 'true' });
  const app = new App({ env: t.env });
  await app.sessions.start();
  const { session } = await app.sessions.create({ workDir, agent: 'codex', env: { OPENAI_API_KEY: 'sk-fake-codex', HOME: home } });
  // The first start unpacks Codex's background server into the Aegis home.
  await waitFor(() => app.sessions.monitor.observer(session.id)?.last?.state === 'idle', { timeoutMs: 120_000, what: 'codex idle' });
  return {
    app,
    t,
    fake,
    id: session.id,
    pane: session.tmuxPane!,
    async close() {
      const sessions = join(t.home, 'sessions');
      for (const dir of existsSync(sessions) ? readdirSync(sessions) : []) stopCodexDaemons(join(sessions, dir, 'codex-home'));
      await app.close();
      t.cleanup();
      await fake.close();
      rmSync(workDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Codex state detection and delivery, on one real Codex session. */
export async function benchCodex(turns = 10, sends = 20): Promise<void> {
  if (!existsSync(CODEX)) {
    process.stdout.write('\n## Sessions (codex): skipped, @openai/codex is not installed\n');
    return;
  }
  const w = await startCodex();
  const agent: BenchedAgent = {
    app: w.app,
    socket: w.t.socket,
    pane: w.pane,
    id: w.id,
    tag: 'codex',
    release: 'Codex 0.171.0',
    busy: 'esc to interrupt',
    slowTurn: (i) => ({ prompt: `SLOW 1500 turn ${i}`, reply: `ECHO: turn ${i}` }),
    prompts: () => w.fake.requests.filter((q) => q.kind === 'turn' && q.toolOutput === undefined).map((q) => q.prompt),
  };
  try {
    await benchAgentDetection(agent, turns);
    await benchAgentDelivery(agent, sends);
  } finally {
    await w.close();
  }
}
