import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, FAKE_CLAUDE, waitState } from '../helpers/sessions.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

interface Got {
  state: string;
  agentVersion?: string;
  screenRules?: { version: string; exact: boolean; note: string };
}

/**
 * The screen rules follow the running Claude Code's version (`claude --version` at launch): the
 * fake agent says 2.1.197, a copy of it that says 2.1.400 is newer than every rule set.
 */
describe('screen rules chosen by the agent version', () => {
  const worlds: { t: TestEnv; mcp: Awaited<ReturnType<typeof connectMcp>> }[] = [];
  afterAll(async () => {
    for (const w of worlds) {
      await w.mcp.close();
      w.t.cleanup();
    }
  });

  async function sessionWith(command: string): Promise<Got & { id: string }> {
    const t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: command, AEGIS_STALL_SECONDS: '600' });
    const mcp = await connectMcp(t.env);
    worlds.push({ t, mcp });
    const workDir = mkdtempSync(join(tmpdir(), 'aegis-work-'));
    const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir, env: { HOME: mkdtempSync(join(tmpdir(), 'aegis-agent-home-')) } });
    await waitState(mcp.client, s.id, ['idle']);
    return waitFor(
      async () => {
        const got = await call<Got>(mcp.client, 'session_get', { id: s.id });
        return got.screenRules ? { ...got, id: s.id } : undefined;
      },
      { timeoutMs: 15_000, what: 'session_get to name the screen rules' },
    );
  }

  /** The `agent <name>` check of `ag doctor --json`. */
  async function doctorCheck(env: Record<string, string>, agent: string): Promise<Record<string, unknown> | undefined> {
    const doctor = await runCli(['doctor', '--json'], env);
    return (JSON.parse(doctor.stdout) as { checks: Record<string, unknown>[] }).checks.find((c) => c.name === `agent ${agent}`);
  }

  it('session_get and ag doctor name the version and its verified rule set', async () => {
    const got = await sessionWith(FAKE_CLAUDE);
    expect(got.agentVersion).toBe('2.1.197');
    expect(got.screenRules).toEqual({ version: '2.1.197', exact: true, note: 'rules 2.1.197 (verified on 2.1.197)' });
    expect(got.id).toBeTruthy();
    expect(await doctorCheck(worlds[worlds.length - 1]!.t.env, 'claude')).toMatchObject({
      ok: true,
      agentVersion: '2.1.197',
      rules: '2.1.197',
      rulesExact: true,
    });
  });

  it('an agent without screen rules says in session_get that it is read by activity', async () => {
    const t = makeTestEnv();
    const mcp = await connectMcp(t.env);
    worlds.push({ t, mcp });
    const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir: mkdtempSync(join(tmpdir(), 'aegis-work-')), agent: 'shell' });
    const got = await call<Got>(mcp.client, 'session_get', { id: s.id });
    expect(got.agentVersion).toBeUndefined();
    expect(got.screenRules).toMatchObject({ version: 'activity', exact: true });
    expect(got.screenRules?.note).toMatch(/^no screen rules: working while output flows, idle after 1\.5 s of quiet$/);
  });

  it('a version newer than every rule set gets the newest set and says so, in session_get and ag doctor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-claude-400-'));
    const newer = join(dir, 'claude.mjs');
    writeFileSync(newer, readFileSync(FAKE_CLAUDE, 'utf8').replace("const VERSION = '2.1.197';", "const VERSION = '2.1.400';"), { mode: 0o755 });
    const got = await sessionWith(newer);
    expect(got.agentVersion).toBe('2.1.400');
    expect(got.screenRules).toEqual({ version: '2.1.332', exact: false, note: 'rules 2.1.332, running 2.1.400 (newer than every rule set)' });

    const t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: newer });
    worlds.push({ t, mcp: { close: async () => undefined } as Awaited<ReturnType<typeof connectMcp>> });
    const doctor = await runCli(['doctor', '--json'], t.env);
    expect(doctor.stdout).toContain('screen rules 2.1.332, running 2.1.400 (newer than every rule set)');
    expect(await doctorCheck(t.env, 'claude')).toMatchObject({ agentVersion: '2.1.400', rules: '2.1.332', rulesExact: false });
  });

  it('a running agent keeps the version it was first seen with: a later ag process reads it with those rules, though the binary was updated in place', async () => {
    // Claude Code updates itself in place; the agent already running is still the old release. Each
    // new `ag` process asked the binary again and read the old agent's screen with the new rules.
    const dir = mkdtempSync(join(tmpdir(), 'aegis-claude-update-'));
    const binary = join(dir, 'claude.mjs');
    writeFileSync(binary, readFileSync(FAKE_CLAUDE, 'utf8'), { mode: 0o755 });
    const got = await sessionWith(binary);
    expect(got.agentVersion).toBe('2.1.197');
    writeFileSync(binary, readFileSync(FAKE_CLAUDE, 'utf8').replace("const VERSION = '2.1.197';", "const VERSION = '2.1.400';"), { mode: 0o755 });
    const env = worlds[worlds.length - 1]!.t.env;
    const later = await runCli(['session', 'get', got.id, '--json'], env);
    expect(later.code, later.stderr).toBe(0);
    expect(JSON.parse(later.stdout)).toMatchObject({
      agentVersion: '2.1.197',
      screenRules: { version: '2.1.197', exact: true },
    });
  });
});
