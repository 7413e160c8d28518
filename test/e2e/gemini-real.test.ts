import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini-api-server.js';
import { makeTestEnv, ROOT, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, callError, sendDelivered, readUntil, waitState, type TurnLike } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';
import { expectNoPromptRunsAsShell } from '../helpers/shell-mode.js';
import { expectUnicodePromptArrives } from '../helpers/unicode-prompt.js';
import { geminiProcessesOf } from '../helpers/pane-process.js';

const GEMINI = join(ROOT, 'node_modules', '@google', 'gemini-cli', 'bundle', 'gemini.js');
const hasGemini = existsSync(GEMINI);
const MODEL = 'gemini-2.5-flash';

/**
 * Aegis driving the REAL Gemini CLI 0.61.0 offline: a real MCP client and `ag mcp`, real tmux on a
 * private socket, and a fake Gemini API scripting the model.
 */
describe.skipIf(!hasGemini)('Aegis with the real Gemini CLI', () => {
  let fake: FakeGemini;
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let workDir: string;
  let home: string;
  let id: string;

  beforeAll(async () => {
    fake = await startFakeGemini({ apiKey: 'fake-gemini-key-e2e' });
    workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-gemini-work-')));
    home = mkdtempSync(join(tmpdir(), 'aegis-gemini-home-'));
    // The temp work folder is ours: trusted up front (untrusted-folder.test.ts covers the agent's trust dialog).
    t = makeTestEnv({ AEGIS_GEMINI_COMMAND: GEMINI, AEGIS_GEMINI_BASE_URL: fake.url, AEGIS_STALL_SECONDS: '600', AEGIS_TRUST_WORK_FOLDERS: 'true' });
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    // The CLI outlives its tmux server (it ignores SIGHUP, FINDINGS): end what a failed test left.
    for (const pid of t ? geminiProcessesOf(join(t.home, 'sessions')) : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
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
      agent: 'gemini',
      model: MODEL,
      env: { GEMINI_API_KEY: fake.apiKey, HOME: home },
    });
    id = s.id;
    expect(s.state).toBe('starting');
    await waitFor(async () => (await call<{ state: string }>(mcp.client, 'session_wait', { id, states: ['idle'], timeoutSeconds: 45 })).state === 'idle', {
      timeoutMs: 100_000,
      what: 'idle',
    });
    const pane = await call<{ text: string }>(mcp.client, 'session_pane', { id });
    expect(pane.text).toContain('Type your message');

    await sendDelivered(mcp.client, id, 'hello gemini');
    const turns = await readUntil(mcp.client, id, said('ECHO: hello gemini'), 'the echo');
    expect(turns.filter((x) => x.role === 'user').map((x) => x.text)).toEqual(['hello gemini']);
    expect(turns.some((x) => x.text?.includes('<session_context>'))).toBe(false);
    expect(turnsFor('hello gemini')).toHaveLength(1);
    // The CLI sent the key the fake demands, to the model asked for, and nothing was refused.
    expect(fake.requests.every((r) => r.outcome !== 'rejected')).toBe(true);
    expect(turnsFor('hello gemini')[0]!.model).toBe(MODEL);
    // The key rides in the pane's environment only, never in the files Aegis wrote.
    const settings = readFileSync(join(t.home, 'sessions', id, 'gemini-home', '.gemini', 'settings.json'), 'utf8');
    expect(settings).not.toContain(fake.apiKey);
    const got = await call<{ agentVersion?: string; screenRules?: { version: string; exact: boolean }; transcriptPath?: string }>(mcp.client, 'session_get', {
      id,
    });
    expect(got).toMatchObject({ agentVersion: '0.61.0', screenRules: { version: '0.61.0', exact: true } });
    expect(got.transcriptPath).toMatch(/gemini-home\/\.gemini\/tmp\/.*\/chats\/session-.*\.jsonl$/);
  });

  it('ag doctor shows the Gemini CLI version and its screen rules', async () => {
    const r = await runCli(['doctor'], t.env);
    expect(r.stdout).toMatch(/0\.61\.0; screen rules 0\.61\.0/);
  });

  it('a 3-line prompt arrives as one prompt', async () => {
    const text = 'first line\nsecond — ünïcödé ✓\nthird $(echo not-run)';
    await sendDelivered(mcp.client, id, text);
    await readUntil(mcp.client, id, said('third $(echo not-run)'), 'the multi-line echo');
    expect(turnsFor(text)).toHaveLength(1);
  });

  it('a 7-line prompt, drawn collapsed as "[Pasted Text: 7 lines]", arrives whole, once', async () => {
    // The last reply reaches Gemini's chat log a moment before its screen stops working; a send in that moment is
    // queued and delivered after the turn, which is not what this case is about.
    await waitState(mcp.client, id, ['idle']);
    const text = 'seven lines 1\n2\n3 ünïcödé\n4\n5\n6\nlast line of seven';
    await sendDelivered(mcp.client, id, text);
    await readUntil(mcp.client, id, said('last line of seven'), 'the 7-line echo');
    expect(turnsFor(text)).toHaveLength(1);
  });

  it('a prompt beginning with "!" reaches the model as a prompt and never runs as a shell command; a box a person left in shell mode is left first', async () => {
    const prompts = () => fake.requests.filter((r) => r.kind === 'turn').map((r) => r.prompt);
    await expectNoPromptRunsAsShell({ client: mcp.client, id, socket: t.socket, workDir, shellShown: 'shell mode enabled', prompts });
  });
  it('a prompt with a decomposed é, emoji sequences, zero-width, bidi and format characters and a tab arrives once, every visible character kept', async () => {
    await expectUnicodePromptArrives(mcp.client, id, () => fake.requests.filter((r) => r.kind === 'turn').map((r) => r.prompt ?? ''));
  });
  it('a 20 KB prompt of 300 lines, which Gemini takes in as keystrokes and scrolls in its box, arrives whole, once', async () => {
    // Its box shows the last 10 lines only; the send failed on that before ("the input box did not show the text as typed").
    const text = Array.from({ length: 300 }, (_, i) => `line ${i + 1}: ${'abcdefghij '.repeat(5).trim()}`).join('\n');
    await waitState(mcp.client, id, ['idle']);
    await sendDelivered(mcp.client, id, text);
    await readUntil(mcp.client, id, said('line 300: abcdefghij'), 'the long echo');
    expect(turnsFor(text)).toHaveLength(1);
  });

  it('a command too long for one line is shown whole in the dialog, as it will run', async () => {
    await waitState(mcp.client, id, ['idle']);
    const command = `echo ${Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')} > long-command.txt`;
    await call(mcp.client, 'session_send', { id, text: `RUN ${command}` });
    await waitState(mcp.client, id, ['permission_prompt']);
    const got = await call<{ dialog: { command?: string } }>(mcp.client, 'session_get', { id });
    await call(mcp.client, 'session_reject', { id });
    expect(got.dialog.command).toBe(command);
  });

  it('a multi-line command is shown with its line breaks, as it will run, not as one command line', async () => {
    await waitState(mcp.client, id, ['idle']);
    // Read as "echo one echo two > two.txt" before: one echo writing "one echo two".
    const command = 'echo one\necho two > two.txt';
    await call(mcp.client, 'session_send', { id, text: `RUN ${command}` });
    await waitState(mcp.client, id, ['permission_prompt']);
    const got = await call<{ dialog: { command?: string } }>(mcp.client, 'session_get', { id });
    await call(mcp.client, 'session_reject', { id });
    expect(got.dialog.command).toBe(command);
  });

  it('shell approval: approved → the command ran; rejected → it did not', async () => {
    await waitState(mcp.client, id, ['idle']);
    await call(mcp.client, 'session_send', { id, text: 'RUN echo gemini-ran > ran.txt' });
    await waitState(mcp.client, id, ['permission_prompt']);
    const got = await call<{ dialog: { tool?: string; command?: string } }>(mcp.client, 'session_get', { id });
    expect(got.dialog).toMatchObject({ tool: 'run_shell_command', command: 'echo gemini-ran > ran.txt' });
    const a = await call<{ chose: string }>(mcp.client, 'session_approve', { id });
    expect(a.chose).toBe('Allow once');
    await waitFor(() => existsSync(join(workDir, 'ran.txt')), { timeoutMs: 20_000, what: 'ran.txt' });
    expect(readFileSync(join(workDir, 'ran.txt'), 'utf8').trim()).toBe('gemini-ran');
    const turns = await readUntil(mcp.client, id, said('RAN:'), 'the result reached the model');
    expect(turns.some((x) => x.role === 'tool_call' && x.tool?.name === 'run_shell_command')).toBe(true);
    await waitState(mcp.client, id, ['idle']);

    await call(mcp.client, 'session_send', { id, text: 'RUN echo nope > rejected.txt' });
    await waitState(mcp.client, id, ['permission_prompt']);
    // A refused call ends the turn: session_reject reports the state after it, not a frame of the wind-down.
    expect((await call<{ state: string }>(mcp.client, 'session_reject', { id })).state).toBe('idle');
    expect(existsSync(join(workDir, 'rejected.txt'))).toBe(false);
    // A refused call ends the turn: the model is not asked again.
    expect(fake.requests.filter((r) => r.prompt === 'RUN echo nope > rejected.txt')).toHaveLength(1);
  });

  it('file edit approval: approved → the file is written', async () => {
    await call(mcp.client, 'session_send', { id, text: 'WRITE notes.md hello-from-the-fake-model' });
    await waitState(mcp.client, id, ['permission_prompt']);
    const got = await call<{ dialog: { tool?: string; file?: string } }>(mcp.client, 'session_get', { id });
    expect(got.dialog).toMatchObject({ tool: 'write_file', file: 'notes.md' });
    await call(mcp.client, 'session_approve', { id });
    // The file appears before its content is written: wait for the content.
    const notes = join(workDir, 'notes.md');
    await waitFor(() => existsSync(notes) && readFileSync(notes, 'utf8').includes('hello-from-the-fake-model'), {
      timeoutMs: 20_000,
      what: 'notes.md written',
    });
    await readUntil(mcp.client, id, said('WROTE:'), 'the write result reached the model');
    await waitState(mcp.client, id, ['idle']);
  });

  /** The answer the model got for its ask_user call: the functionResponse of the request after `prompt`. */
  async function answerReaching(prompt: string): Promise<unknown> {
    const req = await fake.waitForRequest((r) => r.kind === 'turn' && r.prompt === prompt && r.toolOutput !== undefined, 30_000);
    const contents = req.body.contents as { parts: { functionResponse?: { name: string; response: { output?: string } } }[] }[];
    const response = contents[contents.length - 1]!.parts.find((p) => p.functionResponse)!.functionResponse!;
    expect(response.name).toBe('ask_user');
    return JSON.parse(response.response.output!);
  }

  it('ask_user question: asking with the question and its options; an option by number or free text reaches the model', async () => {
    await waitState(mcp.client, id, ['idle']);
    const pick = 'ASK Which colour should the button be? | Red | Green | Blue';
    await call(mcp.client, 'session_send', { id, text: pick });
    const w = await waitState(mcp.client, id, ['asking']);
    expect(w.dialog).toMatchObject({ kind: 'question', question: 'Which colour should the button be?', tool: 'ask_user', freeText: true });
    expect((w.dialog!.options as { label: string }[]).map((o) => o.label)).toEqual(['Red', 'Green', 'Blue']);
    const a = await call<{ answeredWith: string }>(mcp.client, 'session_answer', { id, answer: 2 });
    expect(a.answeredWith).toBe('Green');
    expect(await answerReaching(pick)).toEqual({ answers: { '0': 'Green' } });
    await readUntil(mcp.client, id, said('ANSWERED:'), 'the answer acknowledged');
    await waitState(mcp.client, id, ['idle']);

    // Free text goes to the "Other" entry, scrolled out of view when the dialog opens.
    const other = 'ASK Pick a size? | Small | Medium | Large';
    await call(mcp.client, 'session_send', { id, text: other });
    await waitState(mcp.client, id, ['asking']);
    const b = await call<{ answeredWith: string; state: string }>(mcp.client, 'session_answer', { id, answer: 'Tiny, really? yes 5' });
    expect(b.answeredWith).toBe('Tiny, really? yes 5');
    expect(await answerReaching(other)).toEqual({ answers: { '0': 'Tiny, really? yes 5' } });
    await waitState(mcp.client, id, ['idle']);
    expect(fake.requests.filter((r) => r.prompt === other && r.kind === 'turn')).toHaveLength(2);
  });

  it('ask_user text question: the typed answer reaches the model; Esc dismisses a question and ends the turn', async () => {
    const ask = 'ASKTEXT What should the file be called?';
    await call(mcp.client, 'session_send', { id, text: ask });
    const w = await waitState(mcp.client, id, ['asking']);
    expect(w.dialog).toMatchObject({ kind: 'question', question: 'What should the file be called?', options: [] });
    await call(mcp.client, 'session_answer', { id, answer: 'notes v2.txt' });
    expect(await answerReaching(ask)).toEqual({ answers: { '0': 'notes v2.txt' } });
    await waitState(mcp.client, id, ['idle']);

    const dismissed = 'ASK Ship it now? | Yes | Later';
    await call(mcp.client, 'session_send', { id, text: dismissed });
    await waitState(mcp.client, id, ['asking']);
    await call(mcp.client, 'session_reject', { id });
    await waitState(mcp.client, id, ['idle']);
    expect(fake.requests.filter((r) => r.prompt === dismissed && r.kind === 'turn')).toHaveLength(1);
  });

  it('ask_user yes/no and multi-select: "no" picks No; "1,3" ticks Lint and Build and sends them from Done', async () => {
    await waitState(mcp.client, id, ['idle']);
    const yesno = 'ASKYESNO Delete the old logs now';
    await call(mcp.client, 'session_send', { id, text: yesno });
    const y = await waitState(mcp.client, id, ['asking']);
    expect((y.dialog!.options as { label: string }[]).map((o) => o.label)).toEqual(['Yes', 'No', 'Enter a custom value']);
    expect((await call<{ answeredWith: string }>(mcp.client, 'session_answer', { id, answer: 'no' })).answeredWith).toBe('No');
    expect(await answerReaching(yesno)).toEqual({ answers: { '0': 'No' } });
    await waitState(mcp.client, id, ['idle']);

    const multi = 'ASKMULTI Which checks should run | Lint | Tests | Build';
    await call(mcp.client, 'session_send', { id, text: multi });
    const m = await waitState(mcp.client, id, ['asking']);
    expect(m.dialog).toMatchObject({ kind: 'question', question: 'Which checks should run', multiSelect: true });
    // Typed text is refused (nothing pressed): the dialog is still open and unchanged afterwards.
    expect(await callError(mcp.client, 'session_answer', { id, answer: 'Lint, deploy' })).toMatch(/"deploy" is not one of the options/);
    const a = await call<{ answeredWith: string }>(mcp.client, 'session_answer', { id, answer: '1,3' });
    expect(a.answeredWith).toBe('Lint, Build');
    expect(await answerReaching(multi)).toEqual({ answers: { '0': 'Lint, Build' } });
    await readUntil(mcp.client, id, said('ANSWERED: {"answers":{"0":"Lint, Build"}}'), 'the ticks acknowledged');
    expect(fake.requests.filter((r) => r.prompt === multi && r.kind === 'turn')).toHaveLength(2);
  });

  it('ask_user with 4 options: option 4, never drawn, answered from the chat by number reaches the model, and the reply names it; a number naming the hidden "Other" entry answers nothing and leaves the list answerable; a multi-select "1,4" ticks the undrawn Deploy', async () => {
    await waitState(mcp.client, id, ['idle']);
    const four = 'ASK Which region should we deploy to? | Europe | America | Asia | Africa';
    await call(mcp.client, 'session_send', { id, text: four });
    const w = await waitState(mcp.client, id, ['asking']);
    expect(w.dialog).toMatchObject({ question: 'Which region should we deploy to?', moreOptions: true });
    expect((w.dialog!.options as { label: string }[]).map((o) => o.label)).toEqual(['Europe', 'America', 'Asia']);
    const chat = (text: string) => call<{ reply: string; failed: boolean }>(mcp.client, 'message_handle', { text });
    const pending = await chat('pending');
    const code = /•\s*`?([a-z0-9]+)`?\s/i.exec(pending.reply)?.[1];
    expect(code, pending.reply).toBeDefined();
    const r = await chat(`answer ${code} 4`);
    expect(r.failed, r.reply).toBe(false);
    expect(r.reply).toContain('Africa');
    expect(await answerReaching(four)).toEqual({ answers: { '0': 'Africa' } });
    await waitState(mcp.client, id, ['idle']);

    const three = 'ASK Pick a colour? | Red | Green | Blue';
    await call(mcp.client, 'session_send', { id, text: three });
    expect((await waitState(mcp.client, id, ['asking'])).dialog).toMatchObject({ moreOptions: true });
    expect(await callError(mcp.client, 'session_answer', { id, answer: 4 })).toMatch(
      /option 4 of .* is its entry for typed text: nothing was answered, the cursor is back on option 1/,
    );
    // The digit 2 is pressed, not typed into the "Other" field.
    expect((await call<{ answeredWith: string }>(mcp.client, 'session_answer', { id, answer: 2 })).answeredWith).toBe('Green');
    expect(await answerReaching(three)).toEqual({ answers: { '0': 'Green' } });
    await waitState(mcp.client, id, ['idle']);
    expect(fake.requests.filter((x) => (x.prompt === four || x.prompt === three) && x.kind === 'turn')).toHaveLength(4);

    // A multi-select list of 4: option 4 is visited (drawn), ticked, and sent with option 1.
    const multi = 'ASKMULTI Which checks should run | Lint | Tests | Build | Deploy';
    await call(mcp.client, 'session_send', { id, text: multi });
    expect((await waitState(mcp.client, id, ['asking'])).dialog).toMatchObject({ multiSelect: true, moreOptions: true });
    expect((await call<{ answeredWith: string }>(mcp.client, 'session_answer', { id, answer: '1,4' })).answeredWith).toBe('Lint, Deploy');
    expect(await answerReaching(multi)).toEqual({ answers: { '0': 'Lint, Deploy' } });
    await waitState(mcp.client, id, ['idle']);
  });

  it('several ask_user questions, answered from the chat: each reply shows the next question with its code, then the review page; all answers reach the model once', async () => {
    await waitState(mcp.client, id, ['idle']);
    const many = 'ASKMANY Which database | Postgres | SQLite || Name the service';
    await call(mcp.client, 'session_send', { id, text: many });
    const q1 = await waitState(mcp.client, id, ['asking']);
    expect(q1.dialog).toMatchObject({ question: 'Which database', questions: { count: 2, answered: 0, review: false } });
    const chat = (text: string) => call<{ reply: string; failed: boolean }>(mcp.client, 'message_handle', { text });
    const pending = await chat('pending');
    const code = /•\s*`?([a-z0-9]+)`?\s/i.exec(pending.reply)?.[1];
    expect(code, pending.reply).toBeDefined();

    const r1 = await chat(`answer ${code} sqlite`);
    expect(r1.failed).toBe(false);
    // The next question arrives without a change of state, so the reply carries it and its code.
    expect(r1.reply).toContain('Name the service');
    expect(r1.reply).toContain('(one of 2 questions, 1 answered)');
    const code2 = /Reply answer (\S+) <your answer>/.exec(r1.reply)?.[1];
    expect(code2, r1.reply).toBeDefined();

    const r2 = await chat(`answer ${code2} billing api`);
    expect(r2.reply).toContain('Review your answers:');
    const code3 = /Reply answer (\S+) submit/.exec(r2.reply)?.[1];
    expect(code3, r2.reply).toBeDefined();
    // Nothing is sent before the review page is submitted, and it takes nothing else.
    expect(fake.requests.some((r) => r.prompt === many && r.toolOutput !== undefined)).toBe(false);
    expect(await callError(mcp.client, 'session_answer', { id, answer: 'Postgres' })).toMatch(/takes no other answer[\s\S]*answer "submit"/);
    const r3 = await chat(`answer ${code3} submit`);
    expect(r3.failed).toBe(false);
    expect(await answerReaching(many)).toEqual({ answers: { '0': 'SQLite', '1': 'billing api' } });
    await waitState(mcp.client, id, ['idle']);
  });

  it('interrupt stops a running turn; a message sent while busy is delivered once, after', async () => {
    await call(mcp.client, 'session_send', { id, text: 'SLOW 60000 a long answer' });
    await waitState(mcp.client, id, ['working']);
    const req = await waitFor(() => fake.requests.find((x) => x.prompt === 'SLOW 60000 a long answer'), {
      timeoutMs: 20_000,
      what: 'the model to get the prompt',
    });
    // Mid-answer, with its first letters on screen, the turn still reads as running.
    await waitFor(async () => /ECHO/u.test((await call<{ text: string }>(mcp.client, 'session_pane', { id })).text.split('SLOW 60000 a long answer').at(-1)!), {
      timeoutMs: 30_000,
      what: 'the answer streaming',
    });
    expect((await call<{ state: string }>(mcp.client, 'session_get', { id })).state).toBe('working');
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
    const got = await call<{ state: string; agentVersion?: string }>(mcp.client, 'session_get', { id });
    expect(got.state).toBe('idle');
    await sendDelivered(mcp.client, id, 'after restart');
    await readUntil(mcp.client, id, said('ECHO: after restart'), 'the reply after a restart');
    expect(turnsFor('after restart')).toHaveLength(1);
  });

  it('kill ends the CLI and the child it relaunched itself as', async () => {
    const geminiHome = join(t.home, 'sessions', id, 'gemini-home');
    expect(geminiProcessesOf(`${geminiHome}\0`).length).toBeGreaterThan(0);
    const k = await call<{ state: string; killedProcesses: number }>(mcp.client, 'session_kill', { id });
    expect(k.state).toBe('exited');
    expect(k.killedProcesses).toBeGreaterThan(0);
    await waitFor(() => geminiProcessesOf(`${geminiHome}\0`).length === 0, { timeoutMs: 10_000, what: 'every Gemini CLI process gone' });
  });
});
