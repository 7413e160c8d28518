import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopCodexDaemons } from '../../src/agents/codex/daemon.js';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini-api-server.js';
import { startFakeResponses, type FakeResponses } from '../fakes/openai-responses-server.js';
import { makeTestEnv, ROOT, type TestEnv } from '../helpers/env.js';
import { initRepo } from '../helpers/git.js';
import { runCli } from '../helpers/cli.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { geminiProcessesOf } from '../helpers/pane-process.js';
import { call, readUntil, waitState, whatHappened, type TurnLike } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

const CODEX = join(ROOT, 'node_modules', '@openai', 'codex', 'bin', 'codex.js');
const GEMINI = join(ROOT, 'node_modules', '@google', 'gemini-cli', 'bundle', 'gemini.js');

/**
 * A freshly cloned repository must not get to run its own code because Aegis started Codex or Gemini CLI
 * in it. Both CLIs load a folder's own configuration (MCP servers with a start command, hooks, settings)
 * only when the folder is trusted, and ask before trusting it. Each repository here declares an MCP server
 * whose command appends a line to a marker file: the agent must show its trust dialog as a `setup` dialog
 * with no line written and the create's prompt still queued; once the user approves, the prompt is
 * delivered once, and a later session in the same folder starts without asking again, with the
 * repository's configuration live (its line appears: the check before approval meant something).
 * Codex loads the folder's config as soon as it is trusted; Gemini CLI from its next start.
 */
describe('a Codex or Gemini session in a folder nobody trusted', () => {
  let scratch: string;
  let home: string;
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let codexApi: FakeResponses;
  let geminiApi: FakeGemini;

  beforeAll(async () => {
    scratch = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-untrusted-')));
    home = join(scratch, 'home');
    mkdirSync(home);
    codexApi = await startFakeResponses();
    geminiApi = await startFakeGemini({ apiKey: 'fake-gemini-key-trust' });
    t = makeTestEnv({
      AEGIS_CODEX_COMMAND: CODEX,
      AEGIS_CODEX_BASE_URL: `${codexApi.url}/v1`,
      AEGIS_GEMINI_COMMAND: GEMINI,
      AEGIS_GEMINI_BASE_URL: geminiApi.url,
      AEGIS_STALL_SECONDS: '600',
    });
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    const sessions = join(t.home, 'sessions');
    for (const dir of existsSync(sessions) ? readdirSync(sessions) : []) stopCodexDaemons(join(sessions, dir, 'codex-home'));
    for (const pid of t ? geminiProcessesOf(sessions) : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    t?.cleanup();
    await codexApi?.close();
    await geminiApi?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A repository whose own agent configuration starts `node mark.cjs`, which appends a line to `marker` each time. */
  function hostileRepo(name: string, configFile: string, config: (script: string) => string): { repo: string; marker: string } {
    const repo = join(scratch, name);
    const marker = join(scratch, `${name}-ran`);
    const script = join(repo, 'mark.cjs');
    mkdirSync(join(repo, configFile, '..'), { recursive: true });
    writeFileSync(script, `require('node:fs').appendFileSync(${JSON.stringify(marker)}, 'the repository ran code\\n');\n`);
    writeFileSync(join(repo, configFile), config(script));
    return { repo, marker };
  }

  const runs = (marker: string): number => (existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').length - 1 : 0);
  const said = (text: string) => (ts: TurnLike[]) => ts.some((x) => x.role === 'assistant' && x.text?.includes(text));

  const cases = [
    {
      agent: 'codex',
      installed: existsSync(CODEX),
      // Codex 0.171.0 reads `.codex/config.toml` of a trusted project (its trust screen: "Folder settings can run code automatically").
      repo: () =>
        hostileRepo(
          'codex-repo',
          '.codex/config.toml',
          (script) => `[mcp_servers.repo]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(script)}]\n`,
        ),
      env: () => ({ OPENAI_API_KEY: 'sk-fake-codex', HOME: home }),
      turns: (prompt: string) => codexApi.requests.filter((r) => r.kind === 'turn' && r.prompt === prompt),
    },
    {
      agent: 'gemini',
      installed: existsSync(GEMINI),
      // Gemini CLI 0.61.0 merges the workspace `.gemini/settings.json` (mcpServers, hooks, tools) of a trusted folder.
      repo: () =>
        hostileRepo('gemini-repo', '.gemini/settings.json', (script) =>
          JSON.stringify({ mcpServers: { repo: { command: process.execPath, args: [script] } } }),
        ),
      env: () => ({ GEMINI_API_KEY: geminiApi.apiKey, HOME: home }),
      turns: (prompt: string) => geminiApi.requests.filter((r) => r.kind === 'turn' && r.prompt === prompt),
    },
  ];

  for (const c of cases) {
    it.skipIf(!c.installed)(
      `${c.agent}: the trust dialog is a setup dialog, nothing of the folder runs before it is approved, the prompt waits, and the folder is trusted from then on`,
      async () => {
        const { repo, marker } = c.repo();
        const prompt = `hello ${c.agent} after trust`;
        const s = await call<{ id: string; prompt: string }>(mcp.client, 'session_create', { workDir: repo, agent: c.agent, prompt, env: c.env() });
        expect(s.prompt).toBe('queued');
        // The first Codex start unpacks its background server (~400 MB): allow for it.
        const shown = await waitFor(
          async () => {
            const r = await call<{ state: string; dialog?: { kind: string; title?: string } }>(mcp.client, 'session_wait', {
              id: s.id,
              states: ['permission_prompt', 'idle', 'working'],
              timeoutSeconds: 45,
            });
            return r.state === 'starting' ? undefined : r;
          },
          { timeoutMs: 100_000, what: 'the session past starting' },
        );
        if (shown.state !== 'permission_prompt') {
          const ran = await waitFor(() => runs(marker) || undefined, { timeoutMs: 20_000 }).catch(() => 0);
          expect.fail(
            `the agent started without asking (state ${shown.state}); the repository's MCP server ran ${ran} time(s)\n${await whatHappened(mcp.client, s.id)}`,
          );
        }
        expect(shown.dialog).toMatchObject({ kind: 'setup', title: 'Folder trust' });
        expect(runs(marker), "the repository's own MCP server ran before anyone trusted the folder").toBe(0);
        expect(c.turns(prompt)).toHaveLength(0);

        const approved = await call<{ chose: string }>(mcp.client, 'session_approve', { id: s.id });
        expect(approved.chose).toMatch(/^Trust (folder|and continue)/);
        // The queued prompt reaches the model once.
        await readUntil(mcp.client, s.id, said(`ECHO: ${prompt}`), 'the queued prompt answered').catch(async (e: Error) =>
          expect.fail(`${e.message}\n${await whatHappened(mcp.client, s.id)}`),
        );
        expect(c.turns(prompt)).toHaveLength(1);

        // Aegis remembers the user's answer: the next session in this folder starts without the dialog.
        const before = runs(marker);
        const again = await call<{ id: string }>(mcp.client, 'session_create', { workDir: repo, agent: c.agent, env: c.env() });
        const next = await waitFor(
          async () => {
            const r = await call<{ state: string }>(mcp.client, 'session_wait', { id: again.id, states: ['permission_prompt', 'idle'], timeoutSeconds: 45 });
            return r.state === 'starting' ? undefined : r;
          },
          { timeoutMs: 100_000, what: 'the second session past starting' },
        );
        expect(next.state).toBe('idle');
        await waitFor(() => runs(marker) > before, { timeoutMs: 30_000, what: "the repository's MCP server in the trusted folder" }).catch(async (err: Error) =>
          expect.fail(`${err.message}\n${await whatHappened(mcp.client, again.id)}`),
        );
        const ids = [s.id, again.id];

        // The user can see what Aegis remembered and take it back: the next session asks again.
        const listed = await runCli(['trust', 'list'], t.env);
        expect(listed.code, listed.stderr).toBe(0);
        expect(listed.stdout.split('\n').map((l) => l.split('\t')[0])).toContain(repo);
        const forgot = await runCli(['trust', 'forget', repo], t.env);
        expect(forgot.code, forgot.stderr).toBe(0);
        expect(forgot.stdout).toContain(`Forgot ${repo}. The next Codex or Gemini session there asks again`);
        expect((await runCli(['trust', 'list'], t.env)).stdout).not.toContain(repo);
        const asked = await call<{ id: string }>(mcp.client, 'session_create', { workDir: repo, agent: c.agent, env: c.env() });
        ids.push(asked.id);
        // The agent asks again (Gemini too, though it draws its input box a moment before the dialog).
        const askedAgain = await waitState(mcp.client, asked.id, ['permission_prompt'], 45);
        expect(askedAgain.dialog).toMatchObject({ kind: 'setup', title: 'Folder trust' });
        // Approved again from a terminal, so the worktree case below starts from a trusted repository;
        // `ag approve` says the folder is remembered and how to forget it.
        const approvedAgain = await runCli(['approve', asked.id], t.env);
        expect(approvedAgain.code, `${approvedAgain.stderr}\n${await whatHappened(mcp.client, asked.id)}`).toBe(0);
        expect(approvedAgain.stdout).toMatch(/remembered: .*ag trust forget/);
        // Measured on Gemini CLI 0.61.0: the trust is saved, but the running CLI keeps what it loaded (the
        // repository's MCP server first runs in the next session), and the answer says so.
        expect(approvedAgain.stdout).toContain("Gemini CLI applies the folder's own config from its next session there");

        if (c.agent === 'codex') {
          // A worktree Aegis makes of the trusted folder holds the same repository's files: it starts trusted too.
          initRepo(repo);
          const inWorktree = await call<{ id: string }>(mcp.client, 'session_create', { workDir: repo, agent: c.agent, env: c.env(), worktree: true });
          ids.push(inWorktree.id);
          const started = await waitFor(
            async () => {
              const r = await call<{ state: string }>(mcp.client, 'session_wait', {
                id: inWorktree.id,
                states: ['permission_prompt', 'idle'],
                timeoutSeconds: 45,
              });
              return r.state === 'starting' ? undefined : r;
            },
            { timeoutMs: 100_000, what: 'the worktree session past starting' },
          );
          expect(started.state, await whatHappened(mcp.client, inWorktree.id)).toBe('idle');
        }
        for (const id of ids) await call(mcp.client, 'session_kill', { id });
        await waitState(mcp.client, again.id, ['exited']);
      },
      300_000,
    );
  }

  it('ag trust forget names the argument and the fix for a relative path or a folder never trusted', async () => {
    const relative = await runCli(['trust', 'forget', 'some/repo'], t.env);
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('folder "some/repo" is a relative path');
    expect(relative.stderr).toMatch(/fix: .*ag trust list/);
    const never = join(scratch, 'never-trusted');
    const unknown = await runCli(['trust', 'forget', never], t.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`folder ${never} is not one Aegis remembers as trusted`);
    expect(unknown.stderr).toMatch(/fix: .*ag trust list/);
  });

  it.skipIf(!existsSync(CODEX))(
    'codex: a refused trust dialog ends the session, saying why, and delivers nothing to the agent list it left for',
    async () => {
      const codex = cases.find((c) => c.agent === 'codex')!;
      const { repo, marker } = hostileRepo(
        'codex-refused',
        '.codex/config.toml',
        (script) => `[mcp_servers.repo]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(script)}]\n`,
      );
      const prompt = 'hello codex refused';
      const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir: repo, agent: 'codex', prompt, env: codex.env() });
      const shown = await waitState(mcp.client, s.id, ['permission_prompt'], 45);
      expect(shown.dialog).toMatchObject({ kind: 'setup', title: 'Folder trust' });
      const rejected = await call<{ state: string }>(mcp.client, 'session_reject', { id: s.id, reason: 'do something else' });
      // Codex's only other choice is its agent list: a session there can do nothing, and keys typed act on
      // the list. The session is ended, and says why; the queued prompt is not typed anywhere.
      expect(rejected.state, await whatHappened(mcp.client, s.id)).toBe('exited');
      const after = await call<{ state: string; stopReason?: string; queuedMessages: { status: string }[] }>(mcp.client, 'session_get', { id: s.id });
      expect(after.state).toBe('exited');
      expect(after.stopReason).toMatch(/work folder was not trusted.*Codex works only in a folder it trusts/);
      expect(after.queuedMessages.map((m) => m.status)).toEqual(['failed']);
      expect(codex.turns(prompt)).toHaveLength(0);
      expect(runs(marker), "the repository's MCP server ran in a folder the user refused to trust").toBe(0);
    },
    200_000,
  );

  it.skipIf(!existsSync(GEMINI))(
    'gemini: a session created without a prompt is not ready before its trust dialog, so a prompt sent at once answers nothing',
    async () => {
      const gemini = cases.find((c) => c.agent === 'gemini')!;
      const { repo, marker } = hostileRepo('gemini-early', '.gemini/settings.json', (script) =>
        JSON.stringify({ mcpServers: { repo: { command: process.execPath, args: [script] } } }),
      );
      const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir: repo, agent: 'gemini', env: gemini.env() });
      // Gemini CLI draws its input box a moment before the trust dialog: read then, it looked idle, and a
      // prompt's digits typed into the dialog picked an option (measured: "hello 1 2 3" chose Don't trust).
      const first = await waitFor(
        async () => {
          const r = await call<{ state: string; dialog?: unknown }>(mcp.client, 'session_wait', {
            id: s.id,
            states: ['permission_prompt', 'idle'],
            timeoutSeconds: 45,
          });
          return r.state === 'starting' ? undefined : r;
        },
        { timeoutMs: 100_000, what: 'the session past starting' },
      );
      expect(first, await whatHappened(mcp.client, s.id)).toMatchObject({ state: 'permission_prompt', dialog: { kind: 'setup', title: 'Folder trust' } });
      const sent = await call<{ status: string }>(mcp.client, 'session_send', { id: s.id, text: 'hello 1' });
      expect(sent.status).toBe('queued');
      const answers = join(t.home, 'sessions', s.id, 'gemini-home', '.gemini', 'trustedFolders.json');
      expect(existsSync(answers), 'the trust dialog was answered without anyone approving').toBe(false);
      await call(mcp.client, 'session_reject', { id: s.id });
      await readUntil(mcp.client, s.id, said('ECHO: hello 1'), 'the queued prompt, after the refusal');
      expect(JSON.parse(readFileSync(answers, 'utf8'))).toEqual({ [repo]: 'DO_NOT_TRUST' });
      expect(runs(marker)).toBe(0);
      await call(mcp.client, 'session_kill', { id: s.id });
    },
    200_000,
  );

  it.skipIf(!existsSync(GEMINI))(
    'gemini: a refused trust dialog leaves a working session that loaded nothing of the folder, and the refusal is not remembered as trust',
    async () => {
      const gemini = cases.find((c) => c.agent === 'gemini')!;
      const { repo, marker } = hostileRepo('gemini-refused', '.gemini/settings.json', (script) =>
        JSON.stringify({ mcpServers: { repo: { command: process.execPath, args: [script] } } }),
      );
      const waitDialog = async (id: string) => {
        const r = await waitState(mcp.client, id, ['permission_prompt'], 45);
        expect(r.dialog).toMatchObject({ kind: 'setup', title: 'Folder trust' });
      };
      const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir: repo, agent: 'gemini', env: gemini.env() });
      await waitDialog(s.id);
      const rejected = await call<{ state: string }>(mcp.client, 'session_reject', { id: s.id });
      expect(rejected.state).not.toBe('permission_prompt');
      await waitState(mcp.client, s.id, ['idle']);
      await call(mcp.client, 'session_send', { id: s.id, text: 'hello untrusted' });
      await readUntil(mcp.client, s.id, said('ECHO: hello untrusted'), 'the reply in the untrusted folder');
      expect(runs(marker), "the repository's MCP server ran in a folder the user refused to trust").toBe(0);
      const again = await call<{ id: string }>(mcp.client, 'session_create', { workDir: repo, agent: 'gemini', env: gemini.env() });
      await waitDialog(again.id);
      expect(runs(marker)).toBe(0);
      for (const id of [s.id, again.id]) await call(mcp.client, 'session_kill', { id });
    },
    200_000,
  );
});
