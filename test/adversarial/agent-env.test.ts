import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config/settings.js';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeRepo } from '../helpers/git.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { panePid, processEnv, tmuxGlobalEnv } from '../helpers/pane-process.js';
import { call, FAKE_CLAUDE } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

/** A value for every setting marked secret (valid for its schema), plus a host secret Aegis knows nothing of. */
const SECRETS: Record<string, string> = {
  ...Object.fromEntries(
    SETTINGS.filter((s) => s.secret).map((s) => [
      s.env,
      s.env === 'AEGIS_SLACK_WEBHOOK_URL' ? 'https://hooks.example.invalid/SECRETslackhook0' : `SECRET${s.env.replace(/_/g, '')}0`,
    ]),
  ),
  DATABASE_PASSWORD: 'SECREThostdbpassword0',
};

/**
 * An agent runs commands a model chose, so whatever is in its environment the model can read. A live
 * pane's environment (read from /proc) and the tmux server's global environment must hold none of
 * Aegis's secrets, while the agent's own settings and the session's explicit env do arrive.
 */
describe('agents start with a scrubbed environment', () => {
  let t: TestEnv | undefined;
  let mcp: Awaited<ReturnType<typeof connectMcp>> | undefined;
  afterEach(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  const noSecretIn = (what: string, text: string) => {
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(text.includes(value), `${what} holds the value of ${name}`).toBe(false);
      expect(text.includes(name), `${what} names ${name}`).toBe(false);
    }
  };

  const startAgent = async () => {
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-envwork-')));
    const s = await call<{ id: string }>(mcp!.client, 'session_create', {
      workDir,
      agent: 'custom',
      command: ['sleep', '600'],
      env: { SESSION_EXPLICIT: 'given;#{x}' },
    });
    const env = processEnv(await panePid(t!.socket, s.id));
    noSecretIn('the agent environment', [...env].map(([k, v]) => `${k}=${v}`).join('\n'));
    expect(env.get('SESSION_EXPLICIT')).toBe('given;#{x}');
    expect(env.get('ANTHROPIC_BASE_URL')).toBe('http://127.0.0.1:9/anthropic');
    expect(env.get('DISABLE_AUTOUPDATER')).toBe('1');
    expect(env.get('PATH')).toBe(t!.env.PATH);
    expect(env.get('AEGIS_SESSION_ID')).toBe(s.id);
    noSecretIn('the tmux global environment', tmuxGlobalEnv(t!.socket));
  };

  const agentSettings = { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/anthropic', DISABLE_AUTOUPDATER: '1', AEGIS_NOTIFY: 'false' };

  it('on a tmux server Aegis starts', async () => {
    t = makeTestEnv({ ...SECRETS, ...agentSettings });
    mcp = await connectMcp(t.env);
    await startAgent();
  });

  /** What a login over SSH with agent forwarding, Kerberos and X11 puts in the environment of whoever starts Aegis. */
  const HOST = {
    SSH_AUTH_SOCK: '/tmp/SECRETssh-agent.sock',
    KRB5CCNAME: 'FILE:/tmp/SECRETkrb5cc',
    SSH_CONNECTION: '10.9.9.9 5555 10.0.0.1 22',
    XAUTHORITY: '/tmp/SECRETXauthority',
    DISPLAY: ':77',
  };
  /** The control-mode clients attached to the test's tmux server, by pid. */
  const controlClients = () =>
    execFileSync('tmux', ['-L', t!.socket, 'list-clients', '-F', '#{client_pid} #{client_control_mode}'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.endsWith(' 1'))
      .map((l) => Number(l.split(' ')[0]));
  let person: ChildProcess | undefined;
  afterEach(() => {
    person?.kill();
    person = undefined;
  });

  it("keeps the host's session credentials out of panes started after tmux clients attached", async () => {
    t = makeTestEnv({ ...HOST, ...agentSettings });
    mcp = await connectMcp(t.env);
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-envwork-')));
    const sleeper = { workDir, agent: 'custom', command: ['sleep', '600'] };
    const first = await call<{ id: string }>(mcp.client, 'session_create', sleeper);
    const aegisClient = await waitFor(() => controlClients()[0], { what: "the monitor's control client" });
    // A person attaching from their own login (ag watch's o, or tmux attach) brings the same variables.
    person = spawn('tmux', ['-L', t.socket, '-C', 'attach-session', '-t', 'aegis'], { env: t.env, stdio: 'pipe' });
    await waitFor(() => controlClients().includes(person!.pid!), { what: 'the attached client of a person' });
    const second = await call<{ id: string }>(mcp.client, 'session_create', sleeper);
    const seen = {
      "Aegis's control client": processEnv(aegisClient),
      'the first pane': processEnv(await panePid(t!.socket, first.id)),
      'the second pane': processEnv(await panePid(t!.socket, second.id)),
    };
    for (const [what, env] of Object.entries(seen)) for (const name of Object.keys(HOST)) expect(env.get(name), `${name} in ${what}`).toBeUndefined();
    const hubEnv = execFileSync('tmux', ['-L', t.socket, 'show-environment', '-t', 'aegis'], { encoding: 'utf8' });
    for (const value of Object.values(HOST)) expect(hubEnv).not.toContain(value);
  });

  it('on a hub session someone else started from a login with those credentials', async () => {
    t = makeTestEnv({ ...HOST, ...agentSettings });
    // tmux's default update-environment copies SSH_AUTH_SOCK, DISPLAY... of the starting client into the session.
    execFileSync('tmux', ['-L', t.socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'aegis', '--', 'sleep', '600'], { env: t.env });
    expect(execFileSync('tmux', ['-L', t.socket, 'show-environment', '-t', 'aegis'], { encoding: 'utf8' })).toContain(HOST.SSH_AUTH_SOCK);
    mcp = await connectMcp(t.env);
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-envwork-')));
    const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir, agent: 'custom', command: ['sleep', '600'] });
    const env = processEnv(await panePid(t!.socket, s.id));
    for (const name of Object.keys(HOST)) expect(env.get(name), name).toBeUndefined();
  });

  it('on a tmux server someone else started with the secrets in its environment', async () => {
    t = makeTestEnv({ ...SECRETS, ...agentSettings });
    execFileSync('tmux', ['-L', t.socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'other', '--', 'sleep', '600'], { env: t.env });
    expect(tmuxGlobalEnv(t.socket)).toContain(SECRETS.AEGIS_TELEGRAM_BOT_TOKEN);
    mcp = await connectMcp(t.env);
    await startAgent();
  });

  it('the agent binaries Aegis runs for --version (a session, ag doctor) get the same environment', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'aegis-envbin-'));
    // Each binary writes what it was given when asked its version, then behaves as the agent.
    const fake = (name: string, version: string) => {
      const path = join(bin, name);
      writeFileSync(
        path,
        `#!/bin/sh\nif [ "$1" = "--version" ]; then env > '${bin}/${name}.tmp'; mv '${bin}/${name}.tmp' '${bin}/${name}.env'; echo '${version}'; exit 0; fi\nexec '${process.execPath}' '${FAKE_CLAUDE}' "$@"\n`,
      );
      chmodSync(path, 0o755);
      return path;
    };
    t = makeTestEnv({
      ...SECRETS,
      ...agentSettings,
      AEGIS_CLAUDE_COMMAND: fake('claude', '2.1.332 (Claude Code)'),
      AEGIS_CODEX_COMMAND: fake('codex', 'codex-cli 0.171.0'),
      AEGIS_GEMINI_COMMAND: fake('gemini', '0.61.0'),
    });
    mcp = await connectMcp(t.env);
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-envwork-')));
    await call(mcp.client, 'session_create', { workDir, agent: 'claude' });
    const seen = (name: string) => readFileSync(join(bin, `${name}.env`), 'utf8');
    const bySession = await waitFor(() => (existsSync(join(bin, 'claude.env')) ? seen('claude') : undefined), { what: 'claude --version' });
    noSecretIn('claude --version run for a session', bySession);
    expect(bySession).toContain('ANTHROPIC_BASE_URL=http://127.0.0.1:9/anthropic');

    const doctor = await runCli(['doctor', '--json'], t.env);
    expect(doctor.stdout).toContain('codex-cli 0.171.0');
    for (const name of ['claude', 'codex', 'gemini']) noSecretIn(`${name} --version run by ag doctor`, seen(name));
  });

  it("git's hooks in a repository an agent wrote to (post-checkout on a session's worktree) get no secret setting", async () => {
    const repo = makeRepo('aegis-env-hooked-');
    const seen = join(repo, '..', `${repo.split('/').pop()}-hook.env`);
    writeFileSync(join(repo, '.git', 'hooks', 'post-checkout'), `#!/bin/sh\nenv > '${seen}.tmp' && mv '${seen}.tmp' '${seen}'\n`, { mode: 0o755 });
    t = makeTestEnv({ ...SECRETS, ...agentSettings });
    mcp = await connectMcp(t.env);
    try {
      await call(mcp.client, 'session_create', { workDir: repo, agent: 'shell', worktree: true });
      const hookEnv = await waitFor(() => (existsSync(seen) ? readFileSync(seen, 'utf8') : undefined), { what: 'the post-checkout hook' });
      for (const [name, value] of Object.entries(SECRETS)) {
        // A host variable Aegis knows nothing of is the user's, which git keeps (credentials helpers, SSH).
        if (name !== 'DATABASE_PASSWORD') expect(hookEnv, `${name} reached the hook`).not.toContain(value);
      }
      expect(hookEnv).toContain('DATABASE_PASSWORD=');
    } finally {
      rmSync(repo, { recursive: true, force: true });
      rmSync(seen, { force: true });
    }
  });
});
