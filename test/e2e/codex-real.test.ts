import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopCodexDaemons } from '../../src/agents/codex/daemon.js';
import { NOTIFY_FILE, readCodexNotifications } from '../../src/agents/codex/launch.js';
import { runCli } from '../helpers/cli.js';
import { startFakeResponses, type FakeResponses } from '../fakes/openai-responses-server.js';
import { makeTestEnv, ROOT, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, sendDelivered, readUntil, waitState, type TurnLike } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';
import { expectNoPromptRunsAsShell } from '../helpers/shell-mode.js';
import { expectUnicodePromptArrives } from '../helpers/unicode-prompt.js';
import { stageOf, waitPipeline, type PipelineOut } from '../integration/pipeline-helpers.js';

const CODEX = join(ROOT, 'node_modules', '@openai', 'codex', 'bin', 'codex.js');
const hasCodex = existsSync(CODEX);

/** The pid a Codex background-server pid file names, if that process is still running. */
function daemonAlive(codexHome: string): boolean {
  try {
    const { pid } = JSON.parse(readFileSync(join(codexHome, 'app-server-daemon', 'daemon.pid'), 'utf8')) as { pid: number };
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Aegis driving the REAL Codex CLI 0.171.0 offline: a real MCP client and `ag mcp`, real tmux on a
 * private socket, and a fake OpenAI Responses API scripting the model.
 */
describe.skipIf(!hasCodex)('Aegis with the real Codex CLI', () => {
  let fake: FakeResponses;
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let workDir: string;
  let home: string;
  let id: string;

  beforeAll(async () => {
    fake = await startFakeResponses();
    workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-codex-work-')));
    home = mkdtempSync(join(tmpdir(), 'aegis-codex-home-'));
    // The temp work folder is ours: trusted up front (untrusted-folder.test.ts covers the agent's trust dialog).
    t = makeTestEnv({ AEGIS_CODEX_COMMAND: CODEX, AEGIS_CODEX_BASE_URL: `${fake.url}/v1`, AEGIS_STALL_SECONDS: '600', AEGIS_TRUST_WORK_FOLDERS: 'true' });
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    // Every session's background server, whatever a failed test left behind.
    const sessions = join(t.home, 'sessions');
    for (const dir of existsSync(sessions) ? readdirSync(sessions) : []) stopCodexDaemons(join(sessions, dir, 'codex-home'));
    await mcp?.close();
    t?.cleanup();
    await fake?.close();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const said = (text: string) => (ts: TurnLike[]) => ts.some((x) => x.role === 'assistant' && x.text?.includes(text));
  const turnsFor = (prompt: string) => fake.requests.filter((r) => r.kind === 'turn' && r.prompt === prompt && r.toolOutput === undefined);

  it('create → idle only once ready; a prompt is delivered once and read back through session_read', async () => {
    const s = await call<{ id: string; state: string }>(mcp.client, 'session_create', {
      workDir,
      agent: 'codex',
      env: { OPENAI_API_KEY: 'sk-fake-codex', HOME: home },
    });
    id = s.id;
    expect(s.state).toBe('starting');
    // The first start unpacks Codex's background server (~400 MB) into the shared folder: allow for it.
    await waitFor(async () => (await call<{ state: string }>(mcp.client, 'session_wait', { id, states: ['idle'], timeoutSeconds: 45 })).state === 'idle', {
      timeoutMs: 100_000,
      what: 'idle',
    });
    const pane = await call<{ text: string }>(mcp.client, 'session_pane', { id });
    expect(pane.text).toMatch(/default · \//);

    await sendDelivered(mcp.client, id, 'hello codex');
    const turns = await readUntil(mcp.client, id, said('ECHO: hello codex'), 'the echo');
    expect(turns.find((x) => x.role === 'user')?.text).toBe('hello codex');
    // Codex's own context blocks and the hidden title thread are not turns.
    expect(turns.some((x) => x.text?.startsWith('<') || x.text?.includes('Generate a concise'))).toBe(false);
    expect(turnsFor('hello codex')).toHaveLength(1);
    expect(fake.requests.every((r) => r.outcome !== 'rejected')).toBe(true);

    // Codex's notify program reported the turn end into the session's file (the title thread too).
    const notify = join(t.home, 'sessions', id, NOTIFY_FILE);
    await waitFor(() => readCodexNotifications(notify).some((e) => e.lastMessage === 'ECHO: hello codex'), { timeoutMs: 10_000, what: 'the notify event' });
    // session_get names the version the session runs and the rule set it is read with.
    const got = await call<{ agentVersion?: string; screenRules?: { version: string; exact: boolean }; transcriptPath?: string }>(mcp.client, 'session_get', {
      id,
    });
    expect(got).toMatchObject({ agentVersion: '0.171.0', screenRules: { version: '0.171.0', exact: true } });
    expect(got.transcriptPath).toMatch(/codex-home\/sessions\/.*rollout-.*\.jsonl$/);
  });

  it('ag doctor shows the Codex version and its screen rules', async () => {
    const r = await runCli(['doctor'], t.env);
    expect(r.stdout).toMatch(/codex-cli 0\.171\.0; screen rules 0\.171\.0/);
    const json = JSON.parse((await runCli(['doctor', '--json'], t.env)).stdout) as { checks: { name: string }[] };
    expect(json.checks.find((c) => c.name === 'agent codex')).toMatchObject({ ok: true, agentVersion: '0.171.0', rules: '0.171.0', rulesExact: true });
  });

  it('a 3-line prompt arrives as one prompt', async () => {
    const text = 'first line\nsecond — ünïcödé ✓\nthird $(echo not-run)';
    await sendDelivered(mcp.client, id, text);
    await readUntil(mcp.client, id, said('third $(echo not-run)'), 'the multi-line echo');
    expect(turnsFor(text)).toHaveLength(1);
  });

  it('a 6 KB prompt of 44 lines arrives whole, once', async () => {
    // Drawn collapsed (`[Pasted Content 6062 chars]`); the send failed on that before. No trailing blank: Codex trims it.
    const lines = Array.from({ length: 44 }, (_, i) => `line ${i + 1}: ${'long text with ünïcödé, $HOME and "quotes" '.repeat(3).trim()}`);
    const text = lines.join('\n');
    expect(Buffer.byteLength(text)).toBeGreaterThan(6000);
    await waitState(mcp.client, id, ['idle']);
    await sendDelivered(mcp.client, id, text);
    await readUntil(mcp.client, id, said('line 44: long text'), 'the long echo');
    expect(turnsFor(text)).toHaveLength(1);
  });

  it('a prompt beginning with "!" reaches the model as a prompt and never runs as a shell command; a box a person left in shell mode is left first', async () => {
    const prompts = () => fake.requests.filter((r) => r.kind === 'turn').map((r) => r.prompt);
    await expectNoPromptRunsAsShell({ client: mcp.client, id, socket: t.socket, workDir, shellShown: 'Shell mode', prompts });
  });
  it('a prompt with a decomposed é, emoji sequences, zero-width, bidi and format characters and a tab arrives once, every visible character kept', async () => {
    await expectUnicodePromptArrives(mcp.client, id, () => fake.requests.filter((r) => r.kind === 'turn').map((r) => r.prompt ?? ''));
  });
  it('command approval: approved → the command ran; rejected → it did not', async () => {
    await waitState(mcp.client, id, ['idle']);
    await call(mcp.client, 'session_send', { id, text: 'RUN echo codex-ran > ran.txt' });
    const w = await waitState(mcp.client, id, ['permission_prompt']);
    expect(w.state).toBe('permission_prompt');
    const got = await call<{ dialog: { tool?: string; command?: string } }>(mcp.client, 'session_get', { id });
    expect(got.dialog).toMatchObject({ tool: 'exec_command', command: 'echo codex-ran > ran.txt' });
    const a = await call<{ chose: string }>(mcp.client, 'session_approve', { id });
    expect(a.chose).toBe('Yes, proceed (y)');
    await waitFor(() => existsSync(join(workDir, 'ran.txt')), { timeoutMs: 20_000, what: 'ran.txt' });
    expect(readFileSync(join(workDir, 'ran.txt'), 'utf8').trim()).toBe('codex-ran');
    await readUntil(mcp.client, id, said('RAN:'), 'the result reached the model');
    await waitState(mcp.client, id, ['idle']);

    await call(mcp.client, 'session_send', { id, text: 'RUN echo nope > rejected.txt' });
    await waitState(mcp.client, id, ['permission_prompt']);
    const rejected = await call<{ state: string }>(mcp.client, 'session_reject', { id });
    expect(rejected.state).toBe('idle');
    expect(existsSync(join(workDir, 'rejected.txt'))).toBe(false);
    // After a rejection Codex ends the turn and does not ask the model again.
    expect(fake.requests.filter((r) => r.prompt === 'RUN echo nope > rejected.txt')).toHaveLength(1);
  });

  it("from a phone: the pending list names Codex's command and its code; approve runs it, reject does not", async () => {
    const chat = (text: string) => call<{ reply: string; failed: boolean }>(mcp.client, 'message_handle', { text });
    const codeFor = async (command: string) => {
      await waitState(mcp.client, id, ['idle']);
      await call(mcp.client, 'session_send', { id, text: `RUN ${command}` });
      await waitState(mcp.client, id, ['permission_prompt']);
      const pending = await chat('pending');
      expect(pending.reply).toContain(command);
      const code = /•\s*`?([a-z0-9]+)`?\s/i.exec(pending.reply)?.[1];
      expect(code, pending.reply).toBeDefined();
      return code!;
    };
    const approved = await chat(`approve ${await codeFor('echo from-phone > phone.txt')}`);
    expect(approved.failed, approved.reply).toBe(false);
    await waitFor(() => existsSync(join(workDir, 'phone.txt')), { timeoutMs: 20_000, what: 'phone.txt' });
    expect(readFileSync(join(workDir, 'phone.txt'), 'utf8').trim()).toBe('from-phone');
    await readUntil(mcp.client, id, said('RAN:'), 'the result reached the model');

    const rejected = await chat(`reject ${await codeFor('echo nope > phone-rejected.txt')}`);
    expect(rejected.failed, rejected.reply).toBe(false);
    // Codex ends the turn on a rejection: the reply says so, not a frame of the wind-down (it said "Now working").
    expect(rejected.reply).toMatch(/^🚫 Rejected .*echo nope > phone-rejected\.txt\. Now idle\.$/u);
    expect(existsSync(join(workDir, 'phone-rejected.txt'))).toBe(false);
  });

  it('a command too long for one line is shown whole in the dialog, as it will run', async () => {
    await waitState(mcp.client, id, ['idle']);
    const command = `echo ${Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ')} > long-command.txt`;
    await call(mcp.client, 'session_send', { id, text: `RUN ${command}` });
    await waitState(mcp.client, id, ['permission_prompt']);
    const got = await call<{ dialog: { command?: string } }>(mcp.client, 'session_get', { id });
    await call(mcp.client, 'session_reject', { id });
    expect(got.dialog.command).toBe(command);
  });

  it('a multi-line command with a bidi control is shown exactly as it will run: session_get from the log, the phone with the control revealed', async () => {
    await waitState(mcp.client, id, ['idle']);
    // Codex draws the second line after the first and does not draw U+202E: "echo one echo safe  > two.txt" before.
    const command = 'echo one\necho safe \u202e > two.txt';
    await call(mcp.client, 'session_send', { id, text: `RUN ${command}` });
    await waitState(mcp.client, id, ['permission_prompt']);
    const got = await call<{ dialog: { command?: string } }>(mcp.client, 'session_get', { id });
    const pending = await call<{ reply: string }>(mcp.client, 'message_handle', { text: 'pending' });
    await call(mcp.client, 'session_reject', { id });
    expect(got.dialog.command).toBe(command);
    expect(pending.reply).toContain('echo one\necho safe ⟨U+202E⟩ > two.txt');
    expect(existsSync(join(workDir, 'two.txt'))).toBe(false);
  });

  it('a patch that writes two files names both in its dialog; rejected, it writes neither', async () => {
    await waitState(mcp.client, id, ['idle']);
    const cmd = "apply_patch <<'PATCH'\n*** Begin Patch\n*** Add File: first.md\n+one\n*** Add File: second.md\n+two\n*** End Patch\nPATCH";
    const unscript = fake.script((r) =>
      r.prompt === 'TWO FILES' && r.toolOutput === undefined ? { type: 'call', name: 'exec_command', text: 'Two files.', arguments: { cmd } } : undefined,
    );
    await call(mcp.client, 'session_send', { id, text: 'TWO FILES' });
    await waitState(mcp.client, id, ['permission_prompt']);
    const got = await call<{ dialog: { file?: string } }>(mcp.client, 'session_get', { id });
    await call(mcp.client, 'session_reject', { id });
    unscript();
    expect(got.dialog.file).toBe(`${join(workDir, 'first.md')}, ${join(workDir, 'second.md')}`);
    expect([existsSync(join(workDir, 'first.md')), existsSync(join(workDir, 'second.md'))]).toEqual([false, false]);
  });

  it('patch approval: approved → the file is written', async () => {
    await call(mcp.client, 'session_send', { id, text: 'PATCH notes.md hello from the fake model' });
    await waitState(mcp.client, id, ['permission_prompt']);
    const got = await call<{ dialog: { tool?: string; file?: string } }>(mcp.client, 'session_get', { id });
    expect(got.dialog).toMatchObject({ tool: 'apply_patch', file: join(workDir, 'notes.md') });
    await call(mcp.client, 'session_approve', { id });
    await waitFor(() => existsSync(join(workDir, 'notes.md')), { timeoutMs: 20_000, what: 'notes.md' });
    expect(readFileSync(join(workDir, 'notes.md'), 'utf8')).toContain('hello from the fake model');
    // The turn goes on after the edit (the result goes back to the model): idle only once it answered.
    await readUntil(mcp.client, id, said('PATCHED:'), 'the patch result reached the model');
    await waitState(mcp.client, id, ['idle']);
  });

  it('an answer still streaming reads as working, and a message sent meanwhile waits for its turn to end', async () => {
    // Codex 0.171 draws no Working line while it streams an answer: the screen alone looks idle.
    // 16 pieces over 16 s; CI once read "• ECHO: a long a" as idle.
    const prompt = 'SLOW 16000 a long answer, streamed in sixteen pieces';
    const answer = `ECHO: ${prompt.slice('SLOW 16000 '.length)}`;
    await waitState(mcp.client, id, ['idle']);
    await sendDelivered(mcp.client, id, prompt);
    const shown = (text: string) => /^• (ECHO:.*)$/mu.exec(text)?.[1]?.trim();
    // Less than half the answer on screen: more than 8 s of it still to come.
    await waitFor(
      async () => {
        const part = shown((await call<{ text: string }>(mcp.client, 'session_pane', { id })).text);
        return part !== undefined && part.length < answer.length / 2;
      },
      { timeoutMs: 30_000, what: 'the first part of the answer on screen' },
    );
    const mid = await call<{ state: string }>(mcp.client, 'session_get', { id });
    expect(mid.state).toBe('working');
    // A message sent now is queued behind the turn, not typed into it (Codex would fold it into the running turn).
    const streamed = fake.requests.find((r) => r.prompt === prompt)!;
    let streamedWhenNextAsked: string | undefined;
    const unscript = fake.script((req) => {
      if (req.prompt === 'after the stream') streamedWhenNextAsked ??= streamed.outcome;
      return undefined;
    });
    const queued = await call<{ status: string }>(mcp.client, 'session_send', { id, text: 'after the stream' });
    expect(queued.status).toBe('queued');
    await readUntil(mcp.client, id, said('ECHO: after the stream'), 'the queued message answered');
    const turns = await readUntil(mcp.client, id, said(answer), 'the whole streamed answer');
    expect(turns.filter((x) => x.role === 'user' && x.text === 'after the stream')).toHaveLength(1);
    expect(turnsFor('after the stream')).toHaveLength(1);
    unscript();
    // The queued prompt reached the model only after the streamed answer had been sent whole.
    expect(streamedWhenNextAsked).toBe('completed');
  });

  it('interrupt stops a turn in mid-answer; a message sent while busy is delivered once, after', async () => {
    const prompt = 'SLOW 60000 cut off by an interrupt';
    await waitState(mcp.client, id, ['idle']);
    await sendDelivered(mcp.client, id, prompt);
    // The answer's first letters on screen, below its prompt (no Working line is drawn then): the turn is running.
    const answering = (pane: string) => pane.includes(`› ${prompt}`) && /^• E/mu.test(pane.split(`› ${prompt}`).at(-1)!);
    await waitFor(async () => answering((await call<{ text: string }>(mcp.client, 'session_pane', { id })).text), {
      timeoutMs: 30_000,
      what: 'the answer streaming',
    });
    await waitState(mcp.client, id, ['working']);
    const req = fake.requests.find((x) => x.prompt === prompt)!;
    expect(req.outcome).toBe('pending');
    const queued = await call<{ status: string }>(mcp.client, 'session_send', { id, text: 'sent while busy' });
    expect(queued.status).toBe('queued');
    const r = await call<{ state: string }>(mcp.client, 'session_interrupt', { id });
    expect(r.state).toBe('idle');
    await waitFor(() => req.outcome === 'client-closed', { timeoutMs: 10_000, what: 'the stream dropped' });
    await readUntil(mcp.client, id, said('ECHO: sent while busy'), 'the queued message answered');
    expect(turnsFor('sent while busy')).toHaveLength(1);
  });

  it('a restarted ag mcp adopts the running session and drives it', async () => {
    await mcp.close();
    mcp = await connectMcp(t.env);
    const got = await call<{ state: string; screenRules?: string }>(mcp.client, 'session_get', { id });
    expect(got.state).toBe('idle');
    await sendDelivered(mcp.client, id, 'after restart');
    await readUntil(mcp.client, id, said('ECHO: after restart'), 'the reply after a restart');
    expect(turnsFor('after restart')).toHaveLength(1);
  });

  it('a pipeline stage run by Codex finishes with its whole answer, not the part streamed so far', async () => {
    const created = await call<PipelineOut>(mcp.client, 'pipeline_create', {
      name: 'codex-stream',
      workDir,
      env: { OPENAI_API_KEY: 'sk-fake-codex', HOME: home },
      stages: [{ name: 'answer', prompt: 'SLOW 8000 every word of the stage answer, to its very end', agent: 'codex' }],
    });
    const p = await waitPipeline(mcp.client, created.id, { timeoutMs: 120_000 });
    expect(p.status, JSON.stringify(p.stages)).toBe('done');
    expect(stageOf(p, 'answer').output).toBe('ECHO: every word of the stage answer, to its very end');
  });

  it('kill ends the agent and its background server', async () => {
    const codexHome = join(t.home, 'sessions', id, 'codex-home');
    expect(daemonAlive(codexHome)).toBe(true);
    const k = await call<{ state: string; killedProcesses: number }>(mcp.client, 'session_kill', { id });
    expect(k.state).toBe('exited');
    expect(k.killedProcesses).toBeGreaterThan(0);
    await waitFor(() => !daemonAlive(codexHome), { timeoutMs: 10_000, what: 'the background server gone' });
  });
});
