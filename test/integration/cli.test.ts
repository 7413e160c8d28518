import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';

describe('ag CLI', () => {
  let t: TestEnv;
  beforeAll(() => {
    t = makeTestEnv();
  });
  afterAll(() => t.cleanup());

  it('prints its version', async () => {
    const r = await runCli(['--version'], t.env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('gives the same structured result as MCP for the same tool', async () => {
    const cli = await runCli(['system', 'health', '--json'], t.env);
    expect(cli.code).toBe(0);
    const fromCli = JSON.parse(cli.stdout) as Record<string, unknown>;
    const mcp = await connectMcp(t.env);
    try {
      const r = await mcp.client.callTool({ name: 'system_health', arguments: {} });
      const fromMcp = r.structuredContent as Record<string, unknown>;
      // Uptime and file size legitimately differ between two processes; everything else must match.
      const stable = (o: Record<string, unknown>) => ({ ...o, uptimeSeconds: 0, database: { ...(o.database as object), sizeBytes: 0 } });
      expect(stable(fromCli)).toEqual(stable(fromMcp));
    } finally {
      await mcp.close();
    }
  });

  it('renders human output without --json', async () => {
    const r = await runCli(['health'], t.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('database.schemaVersion:');
  });

  it('exits 2 on bad usage and names what is wrong', async () => {
    const unknown = await runCli(['system', 'helth'], t.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/health/);
    const badFlag = await runCli(['system', 'health', '--bogus'], t.env);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--bogus');
  });

  it('exits 2 with the key, value and what is allowed when config is bad', async () => {
    const r = await runCli(['health'], { ...t.env, AEGIS_STALL_SECONDS: 'soon' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sessions.stallSeconds');
    expect(r.stderr).toContain('AEGIS_STALL_SECONDS');
  });

  it('doctor reports each check and exits 0 when required checks pass', async () => {
    const r = await runCli(['doctor', '--json'], t.env);
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(r.code).toBe(out.ok ? 0 : 1);
    const names = out.checks.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['node', 'tmux', 'agent claude', 'database', 'config', 'channel telegram', 'mcp self-test']));
    expect(out.checks.find((c) => c.name === 'mcp self-test')?.ok).toBe(true);
    expect(out.checks.find((c) => c.name === 'database')?.detail).toContain('schema version');
  });

  it('doctor says which work folders are trusted, and where the list is', async () => {
    const trust = async (env: Record<string, string>) => {
      const r = await runCli(['doctor', '--json'], env);
      return (JSON.parse(r.stdout) as { checks: { name: string; detail: string }[] }).checks.find((c) => c.name === 'folder trust')?.detail;
    };
    expect(await trust(t.env)).toMatch(/^no work folder remembered as trusted/);
    const db = new Database(join(t.home, 'aegis.db'));
    try {
      db.prepare('INSERT INTO trusted_folders (path, trusted_at) VALUES (?, ?)').run('/srv/repo', Date.now());
    } finally {
      db.close();
    }
    expect(await trust(t.env)).toBe('1 work folder remembered as trusted (ag trust list; ag trust forget <folder> takes one back)');
    expect(await trust({ ...t.env, AEGIS_TRUST_WORK_FOLDERS: 'true' })).toMatch(/^agents.trustWorkFolders is on/);
  });

  it('doctor masks secrets and exits 1 when a required check fails', async () => {
    const r = await runCli(['doctor', '--json'], { ...t.env, AEGIS_TELEGRAM_BOT_TOKEN: '123456:ABCDEFsecretTOKENvalue', AEGIS_TMUX: '/nonexistent/tmux' });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('secretTOKEN');
    const out = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; fix?: string; detail: string }[] };
    const tmux = out.checks.find((c) => c.name === 'tmux')!;
    expect(tmux.ok).toBe(false);
    expect(tmux.fix).toMatch(/install tmux/);
    expect(out.checks.find((c) => c.name === 'channel telegram')?.detail).toBe('configured');
  });

  it('init writes config and .mcp.json, never overwrites without --force, merges other servers', async () => {
    const project = mkdtempSync(join(tmpdir(), 'aegis-proj-'));
    writeFileSync(join(project, '.mcp.json'), JSON.stringify({ mcpServers: { other: { command: 'x' } } }));
    const first = await runCli(['init', '--dir', project], t.env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('claude mcp add aegis -- npx ag mcp');
    const mcpJson = JSON.parse(readFileSync(join(project, '.mcp.json'), 'utf8')) as { mcpServers: Record<string, unknown> };
    expect(Object.keys(mcpJson.mcpServers).sort()).toEqual(['aegis', 'other']);
    writeFileSync(join(t.home, 'config.json'), '{"tmux":{"socket":"' + t.socket + '"},"mine":true}');
    const again = await runCli(['init', '--dir', project], t.env);
    expect(again.stdout).toContain('kept');
    expect(readFileSync(join(t.home, 'config.json'), 'utf8')).toContain('"mine":true');
  });

  it('init scaffolds Claude Code templates', async () => {
    const project = mkdtempSync(join(tmpdir(), 'aegis-proj-'));
    const list = await runCli(['init', '--list-templates'], t.env);
    for (const name of ['code-reviewer', 'ci-runner', 'pr-reviewer', 'docs-writer']) expect(list.stdout).toContain(name);
    const r = await runCli(['init', '--from-template', 'code-reviewer', '--dir', project], t.env);
    expect(r.code).toBe(0);
    expect(existsSync(join(project, '.claude', 'agents', 'code-reviewer.md'))).toBe(true);
    const bad = await runCli(['init', '--from-template', 'nope', '--dir', project], t.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--list-templates');
  });

  it('prints a rendered prompt', async () => {
    const r = await runCli(['prompt', 'debug_session', '--arg', 'sessionId=abc123'], t.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('abc123');
  });
});
