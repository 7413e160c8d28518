import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaudeHome } from '../fakes/claude-home.js';
import { toolReply, type FakeAnthropic } from '../fakes/anthropic-server.js';
import type { TestEnv } from '../helpers/env.js';
import { INSTALLED_RELEASES, startRealClaudeWorld, type RealClaudeWorld } from '../helpers/real-claude.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, callError, sendDelivered, readUntil, waitState, type TurnLike } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';
import { expectNoPromptRunsAsShell } from '../helpers/shell-mode.js';
import { expectUnicodePromptArrives } from '../helpers/unicode-prompt.js';

/**
 * Aegis driving the REAL Claude Code offline, every installed release (2.1.197 and 2.1.332): a real
 * MCP client, the real `ag mcp` server, real tmux on a private socket, and a fake Messages API that
 * scripts the model's answers.
 */
describe.each(INSTALLED_RELEASES)('Aegis with the real Claude Code %s', (release) => {
  let world: RealClaudeWorld;
  let t: TestEnv;
  let fake: FakeAnthropic;
  let home: ClaudeHome;
  let workDir: string;
  let mcp: RealClaudeWorld['mcp'];

  beforeAll(async () => {
    world = await startRealClaudeWorld('e2e-work', release);
    ({ t, fake, home, workDir, mcp } = world);
  });
  afterAll(async () => {
    if (world) world.mcp = mcp;
    await world?.close();
  });

  /** What an approved tool did is there once session_wait reports idle: the turn cannot end before the tool ran. */
  const toolDid = (check: () => boolean, what: string) => expect(check(), what).toBe(true);
  const create = (prompt?: string) => call<{ id: string; state: string }>(mcp.client, 'session_create', { workDir, prompt, env: home.env });
  const assistantSaid = (text: string) => (ts: TurnLike[]) => ts.some((x) => x.role === 'assistant' && x.text?.includes(text));

  it('create → idle; the brief is delivered once and the reply reads back through session_read', async () => {
    const s = await create('hello from aegis');
    await waitState(mcp.client, s.id, ['idle']);
    await readUntil(mcp.client, s.id, assistantSaid('ECHO: hello from aegis'), 'echo');
    // The fourth source: Claude Code's own status file, found by the agent's pid and checked to be its.
    const got = await call<{ agentVersion?: string }>(mcp.client, 'session_get', { id: s.id });
    expect(got.agentVersion).toBe(release);
    expect(fake.requests.filter((r) => r.kind === 'main' && r.prompt === 'hello from aegis')).toHaveLength(1);

    // A 3-line prompt arrives as one prompt.
    const text = 'first line\nsecond — ünïcödé ✓\nthird $(echo not-run)';
    // Under load the transcript holds the echo while Claude Code still runs its Stop hooks (working):
    // then the prompt is queued and goes in once they are done. Either way it must arrive once.
    const sent = await call<{ status: string }>(mcp.client, 'session_send', { id: s.id, text });
    expect(['delivered', 'queued']).toContain(sent.status);
    await readUntil(mcp.client, s.id, assistantSaid('third $(echo not-run)'), 'multi-line echo');
    const main = fake.requests.filter((r) => r.kind === 'main' && r.prompt?.startsWith('first line'));
    expect(main).toHaveLength(1);
    expect(main[0]!.prompt).toBe(text);
  });

  it('Bash permission → approve → the command ran; another → reject with a reason', async () => {
    const s = await create(`RUN echo approved > ${join(workDir, 'bash-approved.txt')}`);
    await waitState(mcp.client, s.id, ['permission_prompt']);
    // Dialog details are right at their first report (screen rules per release), never a misreading.
    const got = await call<{ dialog: { tool?: string; command?: string } }>(mcp.client, 'session_get', { id: s.id });
    expect(got.dialog.tool).toBe('Bash');
    expect(got.dialog.command).toContain('echo approved');
    await call(mcp.client, 'session_approve', { id: s.id });
    await waitState(mcp.client, s.id, ['idle']);
    toolDid(() => existsSync(join(workDir, 'bash-approved.txt')), 'the approved command ran');
    expect(readFileSync(join(workDir, 'bash-approved.txt'), 'utf8').trim()).toBe('approved');

    await call(mcp.client, 'session_send', { id: s.id, text: `RUN touch ${join(workDir, 'rejected.txt')}` });
    await waitState(mcp.client, s.id, ['permission_prompt']);
    const r = await call<{ state: string; followUp?: { status: string } }>(mcp.client, 'session_reject', { id: s.id, reason: 'no, leave the files alone' });
    expect(r.followUp?.status).toBe('delivered');
    await readUntil(mcp.client, s.id, assistantSaid('leave the files alone'), 'reason reached the model');
    expect(existsSync(join(workDir, 'rejected.txt'))).toBe(false);
  });

  it('file create and file edit prompts are recognised and approved', async () => {
    const s = await create(`WRITE ${join(workDir, 'notes.md')} hello-world`);
    await waitState(mcp.client, s.id, ['permission_prompt']);
    const w = await call<{ dialog: { tool?: string; file?: string } }>(mcp.client, 'session_get', { id: s.id });
    expect(w.dialog.tool).toBe('Write');
    expect(w.dialog.file).toContain('notes.md');
    await call(mcp.client, 'session_approve', { id: s.id });
    await waitState(mcp.client, s.id, ['idle']);
    toolDid(() => existsSync(join(workDir, 'notes.md')), 'the approved file written');
    expect(readFileSync(join(workDir, 'notes.md'), 'utf8')).toContain('hello-world');

    await call(mcp.client, 'session_send', { id: s.id, text: `EDIT ${join(workDir, 'notes.md')} hello-world goodbye-world` });
    await waitState(mcp.client, s.id, ['permission_prompt']);
    const e = await call<{ dialog: { tool?: string; file?: string } }>(mcp.client, 'session_get', { id: s.id });
    expect(e.dialog.tool).toBe('Edit');
    await call(mcp.client, 'session_approve', { id: s.id });
    await waitState(mcp.client, s.id, ['idle']);
    await waitFor(() => readFileSync(join(workDir, 'notes.md'), 'utf8').includes('goodbye-world'), { what: 'edit applied' });
  });

  it('an approval sent the moment a dialog appears is not lost: Write, then Bash', async () => {
    // session_wait returns at the first observation of the dialog: the earliest a client can answer.
    const file = join(workDir, 'at-once.md');
    const s = await create(`WRITE ${file} at-once`);
    await waitState(mcp.client, s.id, ['permission_prompt']);
    const w = await call<{ state: string }>(mcp.client, 'session_approve', { id: s.id });
    expect(w.state).not.toBe('permission_prompt');
    await waitState(mcp.client, s.id, ['idle']);
    toolDid(() => existsSync(file), 'the approved file written');
    expect(readFileSync(file, 'utf8')).toContain('at-once');

    await call(mcp.client, 'session_send', { id: s.id, text: `RUN echo at-once > ${join(workDir, 'at-once.txt')}` });
    await waitState(mcp.client, s.id, ['permission_prompt']);
    const b = await call<{ state: string }>(mcp.client, 'session_approve', { id: s.id });
    expect(b.state).not.toBe('permission_prompt');
    await waitState(mcp.client, s.id, ['idle']);
    toolDid(() => existsSync(join(workDir, 'at-once.txt')), 'the approved command ran');
    expect(readFileSync(join(workDir, 'at-once.txt'), 'utf8').trim()).toBe('at-once');
  });

  it('the question picker is answered; a plain-text question is seen as asking', async () => {
    const s = await create('ASK');
    await waitState(mcp.client, s.id, ['asking']);
    const got = await call<{ dialog: { kind: string; options: { label: string }[] } }>(mcp.client, 'session_get', { id: s.id });
    expect(got.dialog.kind).toBe('question');
    await call(mcp.client, 'session_answer', { id: s.id, answer: 2 });
    await readUntil(mcp.client, s.id, assistantSaid('Blue'), 'picked Blue');

    await call(mcp.client, 'session_send', { id: s.id, text: 'QUESTION' });
    const w = await waitState(mcp.client, s.id, ['asking']);
    expect(w.dialog).toBeUndefined();
  });

  it('interrupt before any output puts the prompt back; the next send still arrives alone', async () => {
    const s = await create();
    await waitState(mcp.client, s.id, ['idle']);
    await call(mcp.client, 'session_send', { id: s.id, text: 'DELAY 30000 never answered' });
    await waitState(mcp.client, s.id, ['working']);
    const r = await call<{ state: string; inputText: string }>(mcp.client, 'session_interrupt', { id: s.id });
    expect(r.state).toBe('idle');
    expect(r.inputText).toBe('DELAY 30000 never answered');
    await call(mcp.client, 'session_send', { id: s.id, text: 'after the interrupt' });
    await readUntil(mcp.client, s.id, assistantSaid('ECHO:'), 'reply after interrupt');
    const last = fake.requests.filter((r) => r.kind === 'main').at(-1)!;
    expect(last.prompt).toContain('after the interrupt');
    expect(last.prompt).not.toMatch(/DELAY 30000 never answeredafter/);
  });

  it('a prompt beginning with "!" reaches the model as a prompt and never runs as a shell command; a box a person left in shell mode is left first', async () => {
    const s = await create();
    const prompts = () => fake.requests.filter((r) => r.kind === 'main').map((r) => r.prompt ?? '');
    await expectNoPromptRunsAsShell({ client: mcp.client, id: s.id, socket: t.socket, workDir, shellShown: 'for shell mode', prompts });
  });
  it('a "!" prompt whose keys the pane never shows fails, naming the step, with no Enter; the next one arrives exact', async () => {
    const s = await create();
    await waitState(mcp.client, s.id, ['idle']);
    const prompts = () => fake.requests.filter((r) => r.kind === 'main').map((r) => r.prompt ?? '');
    const witness = join(workDir, `unseen-${s.id.slice(0, 8)}`);
    const { pane } = await call<{ pane: { id: string } }>(mcp.client, 'session_get', { id: s.id });
    // tmux drops the keys and pastes sent to a pane whose input is off: the space typed first is never seen.
    execFileSync('tmux', ['-L', t.socket, 'select-pane', '-d', '-t', pane.id]);
    const sent = await call<{ status: string; error?: string }>(mcp.client, 'session_send', { id: s.id, text: `!touch ${witness}` });
    expect(sent).toMatchObject({ status: 'failed', error: expect.stringContaining('the space typed was not seen on screen') });
    execFileSync('tmux', ['-L', t.socket, 'select-pane', '-e', '-t', pane.id]);
    const text = `!echo after > ${witness}`;
    await sendDelivered(mcp.client, s.id, text);
    await readUntil(mcp.client, s.id, assistantSaid(text), 'the echo');
    expect(prompts().filter((p) => p.includes(witness))).toEqual([text]);
    expect(existsSync(witness)).toBe(false);
  });
  it('a plain-text question stops counting once a later prompt replaced it, even one interrupted before any output', async () => {
    const s = await create('QUESTION');
    await waitState(mcp.client, s.id, ['asking']);
    await call(mcp.client, 'session_send', { id: s.id, text: 'DELAY 30000 never answered' });
    await waitState(mcp.client, s.id, ['working']);
    const r = await call<{ inputText: string }>(mcp.client, 'session_interrupt', { id: s.id });
    expect(r.inputText).toBe('DELAY 30000 never answered');
    // The user empties the input box by hand: the screen is now as it was when the question was asked.
    const { pane } = await call<{ pane: { id: string } }>(mcp.client, 'session_get', { id: s.id });
    execFileSync('tmux', ['-L', t.socket, 'send-keys', '-t', pane.id, 'C-u']);
    const after = await waitFor(
      async () => {
        const g = await call<{ state: string; inputText?: string; lastAssistantMessage?: string }>(mcp.client, 'session_get', { id: s.id });
        return g.inputText === undefined && g.state !== 'working' ? g : undefined;
      },
      { what: 'the input box emptied' },
    );
    expect(after.lastAssistantMessage).toContain('Which file should I change?');
    expect(after.state).toBe('idle');
  });

  it('a prompt ending in part of a slash command is sent as typed; a completion drawn inline is not read as typed', async () => {
    const s = await create();
    await waitState(mcp.client, s.id, ['idle']);
    const prompts = () => fake.requests.filter((r) => r.kind === 'main').map((r) => r.prompt ?? '');
    // 2.1.197 draws `run /comp` as `run /comp` + an inline `act`; 2.1.332 lists /compact above the box.
    await sendDelivered(mcp.client, s.id, 'run /comp');
    await waitFor(() => prompts().includes('run /comp'), { what: 'the prompt at the model, as typed' });
    await waitState(mcp.client, s.id, ['idle']);
    // A person typing the same in the pane: session_get shows what was typed, not the completion.
    const { pane } = await call<{ pane: { id: string } }>(mcp.client, 'session_get', { id: s.id });
    execFileSync('tmux', ['-L', t.socket, 'send-keys', '-t', pane.id, '-l', 'then /comp']);
    await waitFor(async () => (await call<{ inputText?: string }>(mcp.client, 'session_get', { id: s.id })).inputText === 'then /comp', {
      what: 'the typed text in session_get',
    });
    expect(prompts().filter((p) => p.includes('/compact'))).toEqual([]);
    execFileSync('tmux', ['-L', t.socket, 'send-keys', '-t', pane.id, 'C-u']);
    await waitFor(async () => (await call<{ inputText?: string }>(mcp.client, 'session_get', { id: s.id })).inputText === undefined, {
      what: 'the box cleared',
    });

    // Other partial commands (2.1.197 draws `/stat` as `/status`, `/he` as `/help`), on a second line too,
    // even at its start, and a whole command name: Enter sends each as typed, never the completion. Each
    // reaches the model byte for byte, once, and no command runs (it would never reach the model).
    for (const text of ['please check /stat', 'first line\nthen ask for /he', 'please check\n/stat', 'see /compact']) {
      await sendDelivered(mcp.client, s.id, text);
      await waitFor(() => prompts().includes(text), { what: `${JSON.stringify(text)} at the model, as typed` });
      await waitState(mcp.client, s.id, ['idle']);
      expect(prompts().filter((p) => p === text)).toHaveLength(1);
    }
    expect(prompts().filter((p) => /\/(compact|status|statusline|help)\b/.test(p) && p !== 'see /compact')).toEqual([]);
  });

  it('a prompt with a decomposed é, emoji sequences, zero-width, bidi and format characters and a tab arrives once, every visible character kept', async () => {
    const s = await create();
    await expectUnicodePromptArrives(mcp.client, s.id, () => fake.requests.filter((r) => r.kind === 'main').map((r) => r.prompt ?? ''));
  });
  it('a command holding a bidi control is shown on the phone with the control revealed, and exact in session_get', async () => {
    // The model asks for it (2.1.332 drops such characters from a prompt, not from the model's tool call).
    // U+202E draws what follows right to left: shown raw, a phone would not show the command that runs.
    const command = `echo safe \u202e > ${join(workDir, 'bidi.txt')}`;
    const unscript = fake.script((r) => (r.kind === 'main' && r.prompt === 'BIDI' && !r.toolResults.length ? toolReply('Bash', { command }) : undefined));
    try {
      const s = await create('BIDI');
      await waitState(mcp.client, s.id, ['permission_prompt']);
      // The PermissionRequest hook brings the exact input; the screen draws the control as U+FFFD or not at all.
      await waitFor(async () => (await call<{ dialog?: { command?: string } }>(mcp.client, 'session_get', { id: s.id })).dialog?.command === command, {
        what: 'the exact command in session_get',
      });
      const pending = await call<{ reply: string }>(mcp.client, 'message_handle', { text: 'pending' });
      await call(mcp.client, 'session_reject', { id: s.id });
      expect(pending.reply).toContain(`echo safe ⟨U+202E⟩ > ${join(workDir, 'bidi.txt')}`);
      expect(pending.reply).not.toContain('\u202e');
    } finally {
      unscript();
    }
  });

  it('a message sent while busy is queued and delivered after the turn', async () => {
    const s = await create('SLOW 3000 slow reply');
    await waitState(mcp.client, s.id, ['working']);
    const q = await call<{ status: string }>(mcp.client, 'session_send', { id: s.id, text: 'queued while busy' });
    expect(q.status).toBe('queued');
    await readUntil(mcp.client, s.id, assistantSaid('ECHO: queued while busy'), 'queued message answered');
  });

  it('restart: a new server adopts the live session with the right state; kill stops it', async () => {
    const s = await create(`RUN echo adopt > ${join(workDir, 'adopt.txt')}`);
    await waitState(mcp.client, s.id, ['permission_prompt']);
    await mcp.close();
    mcp = await connectMcp(t.env);
    const got = await call<{ state: string; dialog?: { tool?: string } }>(mcp.client, 'session_get', { id: s.id });
    expect(got.state).toBe('permission_prompt');
    expect(got.dialog?.tool).toBe('Bash');
    await call(mcp.client, 'session_approve', { id: s.id });
    await waitState(mcp.client, s.id, ['idle']);
    toolDid(() => existsSync(join(workDir, 'adopt.txt')), 'the approved command ran');

    const k = await call<{ state: string }>(mcp.client, 'session_kill', { id: s.id });
    expect(k.state).toBe('exited');
    const panes = execFileSync('tmux', ['-L', t.socket, 'list-panes', '-a', '-F', '#{@aegis_id}'], { encoding: 'utf8' });
    expect(panes).not.toContain(s.id);
    expect(await callError(mcp.client, 'session_send', { id: s.id, text: 'x' })).toMatch(/exited/);
  });

  it('writes nothing of ours into the user settings', () => {
    expect(existsSync(join(home.home, '.claude', 'settings.json'))).toBe(false);
    writeFileSync(join(workDir, 'marker'), '');
  });
});
