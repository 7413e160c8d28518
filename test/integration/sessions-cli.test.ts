import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { FAKE_CLAUDE } from '../helpers/sessions.js';

/** The CLI alone: one-shot commands, with the background engine delivering what they queue. */
describe('sessions from the ag CLI only', () => {
  let t: TestEnv;
  let workDir: string;
  let agentHome: string;
  beforeAll(() => {
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE });
    workDir = mkdtempSync(join(tmpdir(), 'aegis-cli-work-'));
    agentHome = mkdtempSync(join(tmpdir(), 'aegis-cli-home-'));
  });
  afterAll(() => t.cleanup());

  const json = async <T>(args: string[]) => {
    const r = await runCli([...args, '--json'], t.env);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };

  it('ag create delivers the brief after the command has exited, and ag wait returns when it is answered', async () => {
    const created = await json<{ id: string; prompt: string }>(['create', 'brief from the shell', '--work-dir', workDir, '--env', `HOME=${agentHome}`]);
    expect(created.prompt).toBe('queued');
    const waited = await json<{ state: string; matched: boolean }>(['wait', created.id, '--timeout-seconds', '30']);
    expect(waited).toMatchObject({ state: 'idle', matched: true });
    const read = await json<{ turns: { role: string; text?: string }[] }>(['read', created.id]);
    expect(read.turns.filter((x) => x.role === 'assistant').map((x) => x.text)).toEqual(['ECHO: brief from the shell']);
  });

  it('ag create and ag pipeline create work in the current directory when --work-dir is not given', async () => {
    // A person types `ag create "Fix the tests"` in the project; this failed with "--work-dir: expected string".
    const here = mkdtempSync(join(tmpdir(), 'aegis-cli-here-'));
    const r = await runCli(['create', '--agent', 'shell', '--json'], t.env, { cwd: here });
    expect(r.code, r.stderr).toBe(0);
    const created = JSON.parse(r.stdout) as { id: string; workDir: string };
    expect(created.workDir).toBe(realpathSync(here));
    await json(['kill', created.id]);
    // A field inside a JSON flag is named where it is (this said only "--stages: ... expected string").
    const unnamed = await runCli(['pipeline', 'create', '--name', 'here', '--stages', JSON.stringify([{ prompt: 'x' }])], t.env, { cwd: here });
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('--stages[0].name');
    const stages = JSON.stringify([{ name: 'only', agent: 'shell', prompt: 'echo stage' }]);
    const p = await runCli(['pipeline', 'create', '--name', 'here', '--stages', stages, '--json'], t.env, { cwd: here });
    expect(p.code, p.stderr).toBe(0);
    expect((JSON.parse(p.stdout) as { workDir: string }).workDir).toBe(realpathSync(here));
    await json(['pipeline', 'cancel', 'here']);
    // Claude Code not installed: a clear error at create (exit 1: the machine lacks it), not a session that exits at once.
    const noClaude = await runCli(['create', 'Fix the tests'], { ...t.env, AEGIS_CLAUDE_COMMAND: 'aegis-no-such-claude' }, { cwd: here });
    expect(noClaude.code).toBe(1);
    expect(noClaude.stderr).toContain('claude\'s executable "aegis-no-such-claude" is not on PATH');
    expect(noClaude.stderr).toContain('set agents.claude.command (AEGIS_CLAUDE_COMMAND) to its full path');
    const help = await runCli(['create', '--help'], t.env);
    expect(help.stdout).toMatch(/--work-dir <text>[\s\S]*\(default: the current directory\)/);
  });

  it("finds an agent's program on the PATH the pane gets: the running tmux server's, not the creating process's", async () => {
    // A terminal started the tmux server with its full PATH; an MCP host runs `ag` with a short one.
    const bin = mkdtempSync(join(tmpdir(), 'aegis-cli-bin-'));
    writeFileSync(join(bin, 'aegis-test-agent'), '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    const serverPath = execFileSync('tmux', ['-L', t.socket, 'show-environment', '-g', 'PATH'], { encoding: 'utf8' }).trim().slice('PATH='.length);
    execFileSync('tmux', ['-L', t.socket, 'set-environment', '-g', 'PATH', `${bin}:${serverPath}`]);
    try {
      const r = await runCli(['create', '--agent', 'custom', '--work-dir', workDir, '--command', 'aegis-test-agent', '--json'], t.env);
      expect(r.code, r.stderr).toBe(0);
      const { id } = JSON.parse(r.stdout) as { id: string };
      expect((await json<{ state: string }>(['session', 'get', id])).state).not.toBe('exited');
      await json(['kill', id]);
    } finally {
      execFileSync('tmux', ['-L', t.socket, 'set-environment', '-g', 'PATH', serverPath]);
    }
  });

  it('ag create --command takes the JSON array its help shows, or one word per flag', async () => {
    // The help's example ["aider","--yes"] arrived as one word (a program named `["aider","--yes"]`), and
    // `--command sh -c ...` is read as ag's own flags: a custom agent could only be given by repeating --command.
    for (const command of [['["sh","-c","sleep 30"]'], ['sh', '--command', '-c', '--command', 'sleep 30']]) {
      const r = await runCli(['create', '--agent', 'custom', '--work-dir', workDir, '--command', ...command, '--json'], t.env);
      expect(r.code, r.stderr).toBe(0);
      const { id } = JSON.parse(r.stdout) as { id: string };
      expect((await json<{ state: string }>(['session', 'get', id])).state).not.toBe('exited');
      await json(['kill', id]);
    }
    const bad = await runCli(['create', '--agent', 'custom', '--work-dir', workDir, '--command', '["sh",'], t.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'--command <value...>' argument '[\"sh\",' is invalid. expected a JSON array of strings");
  });

  it('ag send, approve and kill; bad usage exits 2 naming the flag', async () => {
    const created = await json<{ id: string }>(['create', '--work-dir', workDir, '--env', `HOME=${agentHome}`]);
    await json(['wait', created.id, '--states', 'idle']);
    const sent = await json<{ status: string }>(['send', created.id, `RUN echo cli > ${join(workDir, 'cli.txt')}`]);
    expect(sent.status).toBe('delivered');
    expect((await json<{ state: string }>(['wait', created.id, '--states', 'permission_prompt'])).state).toBe('permission_prompt');
    await json(['approve', created.id]);
    expect((await json<{ state: string }>(['wait', created.id, '--states', 'idle'])).state).toBe('idle');
    expect((await json<{ state: string }>(['kill', created.id])).state).toBe('exited');

    const bad = await runCli(['create', '--work-dir', '/no/such/dir'], t.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--work-dir');
    // A model is one argv word after --model: one starting with - would be read as an option of the agent's.
    const before = (await json<{ total: number }>(['list'])).total;
    const flagModel = await runCli(['create', '--work-dir', workDir, '--model=--dangerously-skip-permissions'], t.env);
    expect(flagModel.code).toBe(2);
    expect(flagModel.stderr).toContain('--model');
    expect(flagModel.stderr).toContain('not starting with -');
    expect((await json<{ total: number }>(['list'])).total).toBe(before);
    const missing = await runCli(['send', 'nope-nope', 'hi'], t.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such session.*ag session list/s);
  });

  it('ag read shows what a tool printed without its escape sequences; --json keeps them exact', async () => {
    // Tabs separate the piped columns. A file in the project carrying an OSC 52 clipboard write, a window title, an erase-line with \r, a C1 CSI.
    const project = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-cli-esc-')));
    const hostile = 'harmless\n\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\x07\x1b]0;TITLE\x07\x1b[2K\rall tests passed\x9b31m\n';
    writeFileSync(join(project, 'README'), hostile);
    const created = await json<{ id: string }>(['create', 'RUN cat README', '--work-dir', project, '--env', `HOME=${agentHome}`]);
    expect((await json<{ state: string }>(['wait', created.id, '--states', 'permission_prompt'])).state).toBe('permission_prompt');
    await json(['approve', created.id]);
    expect((await json<{ state: string }>(['wait', created.id, '--states', 'idle'])).state).toBe('idle');

    const exact = await json<{ turns: { result?: { content: string } }[] }>(['read', created.id]);
    expect(exact.turns.some((x) => x.result?.content.includes('\x1b]52;c;'))).toBe(true);
    for (const args of [['read', created.id], ['session', 'get', created.id], ['list']]) {
      const r = await runCli(args, t.env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, args.join(' ')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      if (args[0] === 'read') expect(r.stdout).toContain('all tests passed');
    }
    await json(['kill', created.id]);
  });
});
