import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { connectMcp, serverLog } from '../helpers/mcp-client.js';
import { call, callError, FAKE_CLAUDE, readUntil, waitState } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The session engine end to end against real tmux (private socket) and a scripted fake agent that
 * draws Claude Code 2.1.197's screens, runs its hooks and writes its transcript.
 */
describe('sessions with a fake Claude Code in real tmux', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let workDir: string;
  let agentHome: string;

  beforeAll(async () => {
    agentHome = mkdtempSync(join(tmpdir(), 'aegis-agent-home-'));
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE, AEGIS_STALL_SECONDS: '600' });
    workDir = mkdtempSync(join(tmpdir(), 'aegis-work-'));
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  const create = (prompt?: string, extra: Record<string, unknown> = {}) =>
    call<{ id: string; state: string; prompt: string }>(mcp.client, 'session_create', { workDir, prompt, env: { HOME: agentHome }, ...extra });

  it('creates a session that becomes idle, delivers the brief once, and reads the reply back', async () => {
    const s = await create('hello there');
    expect(s.state).toBe('starting');
    expect(s.prompt).toBe('queued');
    await waitState(mcp.client, s.id, ['idle']);
    const turns = await readUntil(mcp.client, s.id, (ts) => ts.some((x) => x.role === 'assistant' && x.text === 'ECHO: hello there'), 'echo reply');
    expect(turns.filter((x) => x.role === 'user').map((x) => x.text)).toEqual(['hello there']);
  });

  it('delivers a 3-line prompt as ONE prompt, with unicode and shell-looking text intact', async () => {
    const s = await create();
    await waitState(mcp.client, s.id, ['idle']);
    const text = 'line one: $(rm -rf /tmp/x); `id`\nline two — ünïcödé ✓ 日本語\nline three: Enter C-c "quoted" \'single\'';
    const r = await call<{ status: string }>(mcp.client, 'session_send', { id: s.id, text });
    expect(r.status).toBe('delivered');
    const turns = await readUntil(mcp.client, s.id, (ts) => ts.some((x) => x.role === 'assistant'), 'reply');
    const users = turns.filter((x) => x.role === 'user');
    expect(users).toHaveLength(1);
    expect(users[0]!.text).toBe(text);
  });

  it('a paste the agent dropped is typed again, once, and the send answers delivered, not queued', async () => {
    // A loaded machine saw a send to an idle agent answer "queued": the first attempt's paste did not
    // show in the box, so it was cleared and retried a second later, and the retry delivered it.
    const s = await create();
    await waitState(mcp.client, s.id, ['idle']);
    const r = await call<{ status: string; error?: string }>(mcp.client, 'session_send', { id: s.id, text: 'DROPPASTE hello' });
    expect(r, JSON.stringify(r)).toMatchObject({ status: 'delivered' });
    expect(serverLog(mcp.client)).toContain('the input box does not show the text as typed');
    const turns = await readUntil(mcp.client, s.id, (ts) => ts.some((x) => x.role === 'assistant' && x.text === 'ECHO: DROPPASTE hello'), 'echo');
    expect(turns.filter((x) => x.role === 'user').map((x) => x.text)).toEqual(['DROPPASTE hello']);
  });

  it('strips terminal escape sequences from sent text', async () => {
    const s = await create();
    await waitState(mcp.client, s.id, ['idle']);
    await call(mcp.client, 'session_send', { id: s.id, text: 'red \u001b[31mtext\u001b[0m done' });
    const turns = await readUntil(mcp.client, s.id, (ts) => ts.some((x) => x.role === 'assistant'), 'reply');
    expect(turns.find((x) => x.role === 'user')?.text).toBe('red [31mtext[0m done');
  });

  it('shows a Bash permission prompt with its command, approves it, and the command ran', async () => {
    const s = await create(`RUN echo approved > ${join(workDir, 'approved.txt')}`);
    const w = await waitState(mcp.client, s.id, ['permission_prompt']);
    const got = await call<{ dialog: { kind: string; tool?: string; command?: string; options: { label: string }[] } }>(mcp.client, 'session_get', {
      id: s.id,
    });
    expect(got.dialog.kind).toBe('permission');
    expect(got.dialog.tool).toBe('Bash');
    expect(got.dialog.command).toContain('echo approved');
    expect(w.dialog).toBeDefined();
    const a = await call<{ chose: string }>(mcp.client, 'session_approve', { id: s.id });
    expect(a.chose).toMatch(/^Yes$|1/);
    await waitState(mcp.client, s.id, ['idle']);
    expect(readFileSync(join(workDir, 'approved.txt'), 'utf8').trim()).toBe('approved');
  });

  it('rejects a permission prompt and sends the reason as the next message', async () => {
    const s = await create('RUN touch should-not-exist');
    await waitState(mcp.client, s.id, ['permission_prompt']);
    const r = await call<{ followUp?: { status: string } }>(mcp.client, 'session_reject', { id: s.id, reason: 'do not touch files' });
    expect(r.followUp?.status).toBe('delivered');
    await readUntil(mcp.client, s.id, (ts) => ts.some((x) => x.role === 'assistant' && x.text === 'ECHO: do not touch files'), 'reason delivered');
    expect(() => readFileSync(join(workDir, 'should-not-exist'))).toThrow();
  });

  it('refuses to approve when no dialog is open', async () => {
    const s = await create();
    await waitState(mcp.client, s.id, ['idle']);
    const err = await callError(mcp.client, 'session_approve', { id: s.id });
    expect(err).toMatch(/no open dialog/);
  });

  it('answers the question picker by number and by label', async () => {
    const s = await create('ASK');
    await waitState(mcp.client, s.id, ['asking']);
    const got = await call<{ dialog: { kind: string; options: { number: number; label: string }[] } }>(mcp.client, 'session_get', { id: s.id });
    expect(got.dialog.kind).toBe('question');
    expect(got.dialog.options.map((o) => o.label)).toEqual(expect.arrayContaining(['Red', 'Blue']));
    await call(mcp.client, 'session_answer', { id: s.id, answer: 'blue' });
    await readUntil(
      mcp.client,
      s.id,
      (ts) => ts.some((x) => x.role === 'assistant' && x.text?.startsWith('ANSWER:') && x.text.includes('Blue')),
      'picker answer',
    );
  });

  it('sees a plain-text question at the end of a turn as asking', async () => {
    const s = await create('QUESTION');
    const w = await waitState(mcp.client, s.id, ['asking']);
    expect(w.dialog).toBeUndefined();
    const r = await call<{ answeredWith: string; viaMessage?: { status: string } }>(mcp.client, 'session_answer', { id: s.id, answer: 'src/app.ts' });
    expect(r.viaMessage?.status).toBe('delivered');
  });

  it('queues a message sent while busy and delivers it after the turn', async () => {
    const s = await create('SLOW 2500');
    await waitState(mcp.client, s.id, ['working']);
    const r = await call<{ status: string; position?: number }>(mcp.client, 'session_send', { id: s.id, text: 'after the slow one' });
    expect(r.status).toBe('queued');
    const got = await call<{ queuedMessages: unknown[] }>(mcp.client, 'session_get', { id: s.id });
    expect(got.queuedMessages.length).toBe(1);
    await readUntil(mcp.client, s.id, (ts) => ts.some((x) => x.role === 'assistant' && x.text === 'ECHO: after the slow one'), 'queued delivery');
    const after = await call<{ queuedMessages: unknown[] }>(mcp.client, 'session_get', { id: s.id });
    expect(after.queuedMessages).toEqual([]);
  });

  it('interrupts a turn before any output: the prompt is put back, and the next send replaces it', async () => {
    const s = await create('SLOW 20000');
    await waitState(mcp.client, s.id, ['working']);
    const r = await call<{ state: string; inputText: string }>(mcp.client, 'session_interrupt', { id: s.id });
    expect(r.state).toBe('idle');
    expect(r.inputText).toBe('SLOW 20000');
    await call(mcp.client, 'session_send', { id: s.id, text: 'fresh prompt' });
    const turns = await readUntil(mcp.client, s.id, (ts) => ts.some((x) => x.role === 'assistant' && x.text?.startsWith('ECHO: ')), 'reply after interrupt');
    expect(turns.filter((x) => x.role === 'assistant').at(-1)?.text).toBe('ECHO: fresh prompt');
  });

  it('kills a session: pane gone, record kept as exited, transcript readable', async () => {
    const s = await create('hi');
    await waitState(mcp.client, s.id, ['idle']);
    await readUntil(mcp.client, s.id, (ts) => ts.some((x) => x.role === 'assistant'), 'reply');
    const k = await call<{ state: string }>(mcp.client, 'session_kill', { id: s.id });
    expect(k.state).toBe('exited');
    const panes = execFileSync('tmux', ['-L', t.socket, 'list-panes', '-a', '-F', '#{@aegis_id}'], { encoding: 'utf8' });
    expect(panes).not.toContain(s.id);
    const r = await call<{ turns: unknown[] }>(mcp.client, 'session_read', { id: s.id });
    expect(r.turns.length).toBeGreaterThan(0);
  });

  it('marks a pane killed behind our back as dead', async () => {
    const s = await create();
    await waitState(mcp.client, s.id, ['idle']);
    const got = await call<{ pane: { id: string } }>(mcp.client, 'session_get', { id: s.id });
    execFileSync('tmux', ['-L', t.socket, 'kill-pane', '-t', got.pane.id]);
    await waitState(mcp.client, s.id, ['dead'], 10);
  });

  it('puts memoryKeys values in front of the prompt in a marked block', async () => {
    await call(mcp.client, 'memory_set', { key: 'deploy/url', value: 'https://staging.example' });
    const s = await call<{ id: string }>(mcp.client, 'session_create', {
      workDir,
      prompt: 'use the url',
      memoryKeys: ['deploy/url'],
      env: { HOME: agentHome },
    });
    const turns = await readUntil(mcp.client, s.id, (ts) => ts.some((x) => x.role === 'assistant'), 'reply');
    const prompt = turns.find((x) => x.role === 'user')!.text!;
    expect(prompt).toContain('BEGIN AEGIS MEMORY');
    expect(prompt).toContain('https://staging.example');
    expect(prompt.trim().endsWith('use the url')).toBe(true);
    expect(await callError(mcp.client, 'session_create', { workDir, prompt: 'x', memoryKeys: ['no-namespace'] })).toMatch(/memoryKeys/);
  });

  it('rejects bad input with the field and the fix', async () => {
    expect(await callError(mcp.client, 'session_create', { workDir: '/no/such/dir' })).toMatch(/workDir.*does not exist/);
    expect(await callError(mcp.client, 'session_get', { id: 'nonexistent-session' })).toMatch(/no such session.*session list/s);
    expect(await callError(mcp.client, 'session_create', { workDir, agent: 'custom' })).toMatch(/command/);
  });

  it('refuses an agent whose program is not installed, and creates nothing', async () => {
    // Before: the create answered `starting`, the pane printed "command not found" and closed, and the
    // session read as exited with its prompt queued forever.
    const before = await call<{ total: number }>(mcp.client, 'session_list', {});
    const folders = readdirSync(join(t.home, 'sessions')).length;
    const missing = await callError(mcp.client, 'session_create', { workDir, agent: 'custom', command: ['aegis-no-such-program', '--yes'], prompt: 'hi' });
    expect(missing).toMatch(/command.*"aegis-no-such-program" is not on PATH/);
    expect(missing).toMatch(/full path as command\[0\]/);
    const notExecutable = await callError(mcp.client, 'session_create', { workDir, agent: 'custom', command: [join(workDir, 'no-such-file')] });
    expect(notExecutable).toMatch(/is not an executable file/);
    expect((await call<{ total: number }>(mcp.client, 'session_list', {})).total).toBe(before.total);
    expect(readdirSync(join(t.home, 'sessions'))).toHaveLength(folders);
  });

  it('an agent that ends before its prompt was typed marks the prompt failed, not queued for ever', async () => {
    const s = await call<{ id: string }>(mcp.client, 'session_create', {
      workDir,
      agent: 'custom',
      command: ['sh', '-c', 'sleep 0.3; exit 3'],
      prompt: 'never typed',
    });
    await waitState(mcp.client, s.id, ['exited', 'dead']);
    const got = await call<{ queuedMessages: { text: string; status: string }[] }>(mcp.client, 'session_get', { id: s.id });
    expect(got.queuedMessages).toEqual([expect.objectContaining({ text: 'never typed', status: 'failed' })]);
  });

  it('a new server process adopts live sessions with their state, and agents outlive the server', async () => {
    const s = await create('QUESTION');
    await waitState(mcp.client, s.id, ['asking']);
    const idle = await create();
    await waitState(mcp.client, idle.id, ['idle']);
    await mcp.close();
    mcp = await connectMcp(t.env);
    const got = await call<{ state: string }>(mcp.client, 'session_get', { id: s.id });
    expect(got.state).toBe('asking');
    await call(mcp.client, 'session_send', { id: idle.id, text: 'still here?' });
    await readUntil(mcp.client, idle.id, (ts) => ts.some((x) => x.text === 'ECHO: still here?'), 'reply after restart');
  });

  it('serves sessions as resources and notifies subscribers of state changes', async () => {
    const s = await create();
    await waitState(mcp.client, s.id, ['idle']);
    const { resources } = await mcp.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(
      expect.arrayContaining(['aegis://sessions', `aegis://sessions/${s.id}/transcript`, `aegis://sessions/${s.id}/pane`]),
    );
    const pane = await mcp.client.readResource({ uri: `aegis://sessions/${s.id}/pane` });
    expect((pane.contents[0] as { text: string }).text).toContain('? for shortcuts');
    const updated: string[] = [];
    mcp.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri);
    });
    await mcp.client.subscribeResource({ uri: `aegis://sessions/${s.id}` });
    await call(mcp.client, 'session_send', { id: s.id, text: 'ping' });
    await waitFor(() => updated.includes(`aegis://sessions/${s.id}`), { what: 'resources/updated notification' });
    const list = JSON.parse(((await mcp.client.readResource({ uri: 'aegis://sessions' })).contents[0] as { text: string }).text) as {
      sessions: { id: string }[];
    };
    expect(list.sessions.some((x) => x.id === s.id)).toBe(true);
  });

  it('reuses an idle session in the same workDir when asked, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-reuse-'));
    const first = await call<{ id: string; reused: boolean }>(mcp.client, 'session_create', { workDir: dir, env: { HOME: agentHome } });
    await waitState(mcp.client, first.id, ['idle']);
    const again = await call<{ id: string; reused: boolean; prompt: string }>(mcp.client, 'session_create', {
      workDir: dir,
      prompt: 'reused?',
      reuse: true,
      env: { HOME: agentHome },
    });
    expect(again.reused).toBe(true);
    expect(again.id).toBe(first.id);
    await readUntil(mcp.client, first.id, (ts) => ts.some((x) => x.text === 'ECHO: reused?'), 'prompt to the reused session');
  });

  it('batch create: one bad entry does not sink the others', async () => {
    const r = await call<{ created: number; failed: number; results: { ok: boolean; error?: string; id?: string }[] }>(mcp.client, 'session_batch_create', {
      sessions: [{ workDir, env: { HOME: agentHome } }, { workDir: '/does/not/exist' }, { workDir, env: { HOME: agentHome }, name: 'batch-two' }],
    });
    expect(r).toMatchObject({ created: 2, failed: 1 });
    expect(r.results[1]).toMatchObject({ ok: false });
    expect(r.results[1]!.error).toContain('workDir');
    for (const x of r.results.filter((y) => y.ok)) await waitState(mcp.client, x.id!, ['idle']);
  });

  it('health and summary say what the session did and what to do next', async () => {
    const s = await create(`RUN echo summary > ${join(workDir, 'summary.txt')}`);
    await waitState(mcp.client, s.id, ['permission_prompt']);
    const h = await call<{ alive: boolean; state: string; hints: string[] }>(mcp.client, 'session_health', { id: s.id });
    expect(h).toMatchObject({ alive: true, state: 'permission_prompt' });
    expect(h.hints.join(' ')).toMatch(/session_approve/);
    const pending = await call<{ openQuestion?: string }>(mcp.client, 'session_summary', { id: s.id });
    expect(pending.openQuestion).toMatch(/Do you want to proceed\?/);
    await call(mcp.client, 'session_approve', { id: s.id });
    await waitState(mcp.client, s.id, ['idle']);
    const sum = await waitFor(
      async () => {
        const x = await call<{ brief?: string; tools: Record<string, number>; lastAssistantMessage?: string }>(mcp.client, 'session_summary', { id: s.id });
        return x.lastAssistantMessage?.startsWith('RAN') ? x : undefined;
      },
      { what: 'summary with the final message' },
    );
    expect(sum.brief).toContain('RUN echo summary');
    expect(sum.tools.Bash).toBe(1);
  });

  it('lists sessions with filters and honest pagination', async () => {
    const all = await call<{ sessions: { id: string }[]; total: number }>(mcp.client, 'session_list', { limit: 500 });
    expect(all.total).toBe(all.sessions.length);
    const page = await call<{ sessions: unknown[]; total: number; nextOffset?: number }>(mcp.client, 'session_list', { limit: 2 });
    expect(page.sessions).toHaveLength(2);
    expect(page.nextOffset).toBe(2);
    const dead = await call<{ sessions: { state: string }[] }>(mcp.client, 'session_list', { state: ['dead'] });
    expect(dead.sessions.every((x) => x.state === 'dead')).toBe(true);
  });
});

describe('a plain shell session', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  beforeAll(async () => {
    t = makeTestEnv();
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  it('runs commands typed literally and shows the output on the pane', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-shell-'));
    mkdirSync(join(dir, 'sub'));
    const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir: dir, agent: 'shell', env: { PS1: '$ ' } });
    await waitState(mcp.client, s.id, ['idle']);
    await call(mcp.client, 'session_send', { id: s.id, text: 'echo "sum=$((6*7))"' });
    await waitFor(async () => (await call<{ text: string }>(mcp.client, 'session_pane', { id: s.id })).text.includes('sum=42'), { what: 'shell output' });
  });
});
