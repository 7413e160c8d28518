import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareClaudeHome, type ClaudeHome } from '../fakes/claude-home.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { makeTestEnv, ROOT, type TestEnv } from './env.js';
import { connectMcp } from './mcp-client.js';

/**
 * The real Claude Code CLIs installed as devDependencies: 2.1.197 under its own name, the newest tested
 * release (2.1.332) under the alias claude-code-next, and 2.1.300 under claude-code-between: a release
 * no rule set was verified on (no capture of it is in the fixtures), read as releases nobody has seen
 * are. Named by package, not node_modules/.bin/claude, which npm points at whichever it linked last.
 */
export const CLAUDE_RELEASES = {
  '2.1.197': join(ROOT, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe'),
  '2.1.300': join(ROOT, 'node_modules', 'claude-code-between', 'bin', 'claude.exe'),
  '2.1.332': join(ROOT, 'node_modules', 'claude-code-next', 'bin', 'claude.exe'),
} as const;
export type ClaudeRelease = keyof typeof CLAUDE_RELEASES;
export const CLAUDE = CLAUDE_RELEASES['2.1.197'];
export const hasClaude = existsSync(CLAUDE);
/** The installed releases, for `describe.each`: every real-Claude scenario runs on each. */
export const INSTALLED_RELEASES = (Object.keys(CLAUDE_RELEASES) as ClaudeRelease[]).filter((r) => existsSync(CLAUDE_RELEASES[r]));

export interface RealClaudeWorld {
  fake: FakeAnthropic;
  home: ClaudeHome;
  workDir: string;
  t: TestEnv;
  /** A live MCP connection to `ag mcp`; tests may replace it (to restart the server). */
  mcp: Awaited<ReturnType<typeof connectMcp>>;
  close(): Promise<void>;
}

/**
 * Everything a test needs to drive the real Claude Code offline through Aegis: a fake Messages API,
 * a private HOME that trusts a fresh work folder, a private Aegis home and tmux socket, and a real
 * MCP client connected to the built `ag mcp`, launching the given Claude Code release (`extraEnv`:
 * more Aegis settings, e.g. another agent's command). Pass `home.env` as session_create's env.
 */
export async function startRealClaudeWorld(
  prefix: string,
  release: ClaudeRelease = '2.1.197',
  extraEnv: Record<string, string> = {},
): Promise<RealClaudeWorld> {
  const fake = await startFakeAnthropic();
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), `aegis-${prefix}-`)));
  const home = await prepareClaudeHome({ workDirs: [workDir], apiKey: 'sk-ant-test-0123456789abcdefghijklmnop', baseUrl: fake.url });
  const t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: CLAUDE_RELEASES[release], AEGIS_STALL_SECONDS: '600', ...extraEnv });
  const world: RealClaudeWorld = {
    fake,
    home,
    workDir,
    t,
    mcp: await connectMcp(t.env),
    async close() {
      await world.mcp.close();
      t.cleanup();
      await fake.close();
      await home.cleanup();
    },
  };
  return world;
}
