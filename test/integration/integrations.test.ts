import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { BIN, makeTestEnv, NO_BRIEFINGS, ROOT, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { call, callError, FAKE_CLAUDE, waitState } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'integrations');
const TOKEN = 'sekret-token-value-9876';

interface Logged {
  hook: string;
  event: Record<string, unknown>;
  pid: number;
}

interface Record_ {
  name: string;
  dir: string;
  status: 'loaded' | 'failed' | 'refused';
  error?: string;
  fix?: string;
  tools: string[];
  commands: string[];
  channel?: string;
  hooks: string[];
  skills: string[];
  settings: { key: string; source: string; shown?: string; secret: boolean; env: string }[];
}

/**
 * Integrations end to end: the example folder next to broken and clashing ones, loaded by the real
 * `ag mcp` and `ag` CLI (built in dist/), with real tmux on a private socket for session events.
 */
describe('integrations', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let stderr = '';
  let extra: string;
  let logFile: string;
  let agentHome: string;

  const logged = (): Logged[] =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Logged)
      : [];
  const list = async () => (await call<{ integrations: Record_[]; problems: string[] }>(mcp.client, 'integrations_list', {})).integrations;
  const byName = async (name: string, dirPart: string) => (await list()).find((r) => r.name === name && r.dir.includes(dirPart))!;
  const chat = (text: string, from = 'tester') =>
    call<{ intent: string; reply: string; failed: boolean }>(mcp.client, 'message_handle', { text, channel: 'cli', from });

  beforeAll(async () => {
    // A TypeScript syntax error lives in a temp folder: as a fixture it would break `npm run lint`.
    extra = mkdtempSync(join(tmpdir(), 'aegis-integrations-'));
    mkdirSync(join(extra, 'badts', 'tools'), { recursive: true });
    writeFileSync(join(extra, 'badts', 'tools', 'typo.ts'), "import { z } from 'aegis-agents';\nconst n: number = = 3;\nexport default n;\n");
    mkdirSync(join(extra, 'My-CI'));
    writeFileSync(join(extra, 'My-CI', 'hooks.js'), "throw new Error('must never be imported');\n");
    mkdirSync(join(extra, 'emptyone'));
    writeFileSync(join(extra, 'emptyone', 'README.md'), 'nothing to load here\n');
    logFile = join(extra, 'events.jsonl');
    agentHome = mkdtempSync(join(tmpdir(), 'aegis-agent-home-'));
    t = makeTestEnv({
      ...NO_BRIEFINGS,
      AEGIS_INTEGRATION_DIRS: [join(FIXTURES, 'example'), join(FIXTURES, 'polling'), join(FIXTURES, 'broken'), join(FIXTURES, 'clash'), extra].join(':'),
      AEGIS_FILECHAT_INBOX_FILE: join(extra, 'filechat-in.jsonl'),
      AEGIS_FILECHAT_OUTBOX_FILE: join(extra, 'filechat-out.jsonl'),
      AEGIS_EXAMPLE_LOG_FILE: logFile,
      AEGIS_EXAMPLE_TOKEN: TOKEN,
      AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE,
      FAKE_CLAUDE_SPEED: '0.3',
    });
    mcp = await connectMcp(t.env);
    mcp.transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
    rmSync(extra, { recursive: true, force: true });
    rmSync(agentHome, { recursive: true, force: true });
  });

  it('lists the example integration loaded with all its parts and its settings, the secret masked', async () => {
    const ex = await byName('example', 'fixtures/integrations/example');
    expect(ex.status, ex.error).toBe('loaded');
    expect(ex.tools.sort()).toEqual(['example_fail', 'example_hello', 'example_whoami']);
    expect(ex.commands).toEqual(['hello', 'ticket']);
    expect(ex.channel).toBe('example');
    expect(ex.hooks.sort()).toEqual(['after_tool_call', 'before_tool_call', 'message_received', 'session_created', 'session_state_changed']);
    expect(ex.skills).toEqual(['guide (prompt example_guide)', 'notes']);
    const token = ex.settings.find((s) => s.key === 'token')!;
    expect(token).toMatchObject({ source: 'env', secret: true, shown: '****9876', env: 'AEGIS_EXAMPLE_TOKEN' });
    expect(ex.settings.find((s) => s.key === 'greeting')).toMatchObject({ source: 'default', shown: 'Hello' });
    expect(JSON.stringify(await list())).not.toContain(TOKEN);
  });

  it('serves the example tools over MCP, TypeScript and JavaScript, with the integration settings in ctx', async () => {
    const { tools } = await mcp.client.listTools();
    const names = tools.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['example_hello', 'example_whoami', 'example_fail', 'integrations_list', 'session_create']));
    expect(names.filter((n) => /^(syntaxerror|throwsatimport|needssetting|badts|chatty|copycat|telegram)_/.test(n))).toEqual([]);
    expect(tools.find((x) => x.name === 'example_hello')!.inputSchema.properties).toHaveProperty('name');

    expect(await call(mcp.client, 'example_hello', { name: 'Ada' })).toEqual({ greeting: 'Hello, Ada!' });
    expect(await call(mcp.client, 'example_whoami', {})).toEqual({
      integration: 'example',
      caller: 'mcp',
      tokenLength: TOKEN.length,
      settingKeys: ['greeting', 'logFile', 'token'],
    });
  });

  it('runs the hook for every tool call with its name, arguments, duration and ok/error', async () => {
    await call(mcp.client, 'example_hello', { name: 'Grace' });
    await callError(mcp.client, 'example_fail', {});
    const after = await waitFor(
      () => {
        const a = logged().filter((l) => l.hook === 'after_tool_call');
        const ok = a.find((l) => l.event.tool === 'example_hello' && (l.event.input as { name: string }).name === 'Grace');
        const failed = a.find((l) => l.event.tool === 'example_fail');
        return ok && failed && { ok, failed };
      },
      { what: 'after_tool_call for example_hello and example_fail' },
    );
    expect(after.ok.event).toMatchObject({ tool: 'example_hello', input: { name: 'Grace' }, caller: 'mcp', ok: true });
    expect(typeof after.ok.event.durationMs).toBe('number');
    expect(after.failed.event).toMatchObject({ ok: false, error: 'failing on purpose' });
    // Built-in tools go through the same hooks.
    await call(mcp.client, 'system_health', {});
    await waitFor(() => logged().some((l) => l.hook === 'after_tool_call' && l.event.tool === 'system_health'), { what: 'hook on a built-in tool' });
  });

  it('logs a hook that throws and leaves the call alone', async () => {
    const r = await call<{ integration: string }>(mcp.client, 'example_whoami', {});
    expect(r.integration).toBe('example');
    await waitFor(() => stderr.includes('after_tool_call hook failing on purpose'), { what: 'the hook failure in the server log' });
    expect(stderr).toContain('integration hook failed');
  });

  it('stops a call that before_tool_call vetoes, built-in tools included, with the reason', async () => {
    const text = await callError(mcp.client, 'example_hello', { name: 'veto-me' });
    expect(text).toContain('vetoed');
    expect(text).toContain('veto-me may not be greeted (integration example)');
    const memory = await callError(mcp.client, 'memory_set', { key: 'test/vetoed', value: 'forbidden' });
    expect(memory).toContain('no forbidden memories');
    // Neither handler ran: no after_tool_call, and the memory was not written.
    await call(mcp.client, 'example_hello', { name: 'after-the-veto' });
    await waitFor(() => logged().some((l) => l.hook === 'after_tool_call' && (l.event.input as { name?: string }).name === 'after-the-veto'), {
      what: 'a later call logged',
    });
    expect(
      logged().filter((l) => l.hook === 'after_tool_call' && ((l.event.input as { name?: string }).name === 'veto-me' || l.event.tool === 'memory_set')),
    ).toEqual([]);
    expect(await call(mcp.client, 'memory_get', { key: 'test/vetoed' })).toMatchObject({ found: false });
  });

  it("lets before_tool_call override the arguments, held to the tool's schema", async () => {
    expect(await call(mcp.client, 'example_hello', { name: 'nickname' })).toEqual({ greeting: 'Hello, Nicholas!' });
    await waitFor(() => logged().some((l) => l.hook === 'after_tool_call' && (l.event.input as { name?: string }).name === 'Nicholas'), {
      what: 'after_tool_call with the overridden input',
    });
    const broken = await callError(mcp.client, 'example_hello', { name: 'break-me' });
    expect(broken).toContain('the arguments before_tool_call of integration example put in place are invalid');
    expect(broken).toContain('name');
  });

  it('answers its chat commands through message_handle: by name, by pattern, usage, help and did-you-mean', async () => {
    expect(await chat('hello World')).toMatchObject({ intent: 'command', reply: 'Hello, World!', failed: false });
    const ticket = await chat('/ticket #42');
    expect(ticket.reply).toBe('Ticket 42 is open (token ****) for cli:tester');
    expect((await chat('ticket')).reply).toBe('Usage: ticket #<number> — look a ticket up');
    const help = await chat('help');
    expect(help.reply).toContain('From integrations');
    expect(help.reply).toContain('hello <name> — greet someone');
    expect((await chat('tickt 4')).reply).toContain('did you mean: ticket');
    // Built-in commands keep their meaning.
    expect((await chat('status')).intent).toBe('status');
    // The chat command's tool call ran as caller chat, through the hooks.
    await waitFor(
      () => logged().some((l) => l.hook === 'after_tool_call' && l.event.caller === 'chat' && (l.event.input as { name?: string }).name === 'World'),
      { what: 'chat tool call hooked' },
    );
  });

  it('adds its channel: listed by channel_list, used by message_send; an unknown channel is refused naming the configured ones', async () => {
    const { channels } = await call<{
      channels: { channel: string; integration?: string; configured: boolean; modes: string[]; allowedSenders: number; problems: string[] }[];
    }>(mcp.client, 'channel_list', {});
    expect(channels.map((c) => c.channel)).toEqual(['telegram', 'whatsapp', 'discord', 'slack', 'webhooks', 'example', 'filechat']);
    expect(channels.find((c) => c.channel === 'example')).toMatchObject({
      integration: 'example',
      configured: true,
      modes: ['webhook'],
      allowedSenders: 1,
      problems: [],
    });
    expect(channels.find((c) => c.channel === 'telegram')).toMatchObject({ configured: false });
    expect(channels.find((c) => c.channel === 'telegram')!.integration).toBeUndefined();

    const sent = await call<{ id: number; status: string }>(mcp.client, 'message_send', { channel: 'example', to: 'bob', text: 'build is green' });
    expect(sent.status).toBe('sent');
    const out = logged().filter((l) => l.hook === 'channel_send' && l.event.to === 'bob');
    expect(out.map((l) => l.event.text)).toEqual(['build is green']);

    const unknown = await callError(mcp.client, 'message_send', { channel: 'pigeon', to: 'x', text: 'coo' });
    expect(unknown).toContain('channel pigeon is not configured');
    expect(unknown).toContain('configured: example, filechat');
  });

  it('receives on its channel under ag serve: signed webhook, allowlist, its chat command, the reply through its send, a replay run once', async () => {
    let serve: ChildProcess | undefined;
    try {
      serve = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: t.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      serve.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      const url = await waitFor(() => /webhooks at (http:\/\/127\.0\.0\.1:\d+)/.exec(err)?.[1], { timeoutMs: 20_000, what: 'ag serve to start' });
      await waitFor(() => err.includes('channels: ') && err, { what: 'the channel summary' });
      expect(err).toContain('example (webhook)');
      const post = (body: object, secret: string | undefined = TOKEN) => {
        const raw = JSON.stringify(body);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (secret) headers['x-example-signature'] = createHmac('sha256', secret).update(raw).digest('hex');
        return fetch(`${url}/api/example/inbound`, { method: 'POST', headers, body: raw });
      };

      expect((await post({ id: 'm0', from: 'alice', text: 'hello Forger' }, 'wrong-secret')).status).toBe(401);
      expect((await post({ id: 'm1', from: 'mallory', text: 'hello Mallory' })).status).toBe(200);
      expect((await post({ id: 'm2', from: 'alice', text: 'hello Serve' })).status).toBe(200);
      expect((await post({ id: 'm2', from: 'alice', text: 'hello Serve' })).status).toBe(200);

      const reply = await waitFor(() => logged().find((l) => l.hook === 'channel_send' && l.event.to === 'alice'), {
        timeoutMs: 20_000,
        what: "the reply through the example channel's send",
      });
      expect(reply.event.text).toBe('Hello, Serve!');
      expect(reply.pid).toBe(serve.pid);
      await waitFor(() => logged().some((l) => l.hook === 'message_received' && l.event.channel === 'example'), { what: 'the message_received hook' });
      const messages = (
        await call<{ messages: { peer: string; status: string; direction: string; text: string }[] }>(mcp.client, 'message_list', {
          channel: 'example',
          direction: 'in',
        })
      ).messages;
      expect(messages.map((m) => `${m.peer} ${m.status}`).sort()).toEqual(['alice handled', 'mallory ignored']);
      expect(logged().filter((l) => l.hook === 'channel_send' && (l.event.to === 'alice' || l.event.to === 'mallory'))).toHaveLength(1);

      // A route that throws costs its request a 500, not the listener; a message claiming another
      // channel is taken as the receiving channel's (its allowlist, its send).
      expect((await post({ id: 'm3', from: 'alice', text: 'hello Crash', crash: true })).status).toBe(500);
      await waitFor(() => err.includes('webhook route failed') && err.includes('route failing on purpose'), { what: 'the route failure logged' });
      expect((await post({ id: 'm4', from: 'alice', text: 'hello Spoof', as: 'telegram' })).status).toBe(200);
      await waitFor(() => logged().find((l) => l.hook === 'channel_send' && l.event.text === 'Hello, Spoof!'), {
        what: 'the reply to the message that claimed telegram',
      });
      const telegramIn = (await call<{ messages: unknown[] }>(mcp.client, 'message_list', { channel: 'telegram', direction: 'in' })).messages;
      expect(telegramIn).toEqual([]);
      expect(err).not.toContain(TOKEN);
    } finally {
      serve?.kill('SIGTERM');
      if (serve && serve.exitCode === null) await new Promise((r) => serve!.once('exit', r));
    }
  });

  it('receives on a polling channel under ag serve, and a restarted ag serve never runs a message twice', async () => {
    const inbox = join(extra, 'filechat-in.jsonl');
    const outbox = join(extra, 'filechat-out.jsonl');
    const replies = () =>
      existsSync(outbox)
        ? readFileSync(outbox, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { to: string; text: string })
        : [];
    const startServe = async () => {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: t.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      await waitFor(() => err.includes('channels: ') && err, { timeoutMs: 20_000, what: 'ag serve to start' });
      expect(err).toContain('filechat (polling)');
      return async () => {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      };
    };
    writeFileSync(inbox, `${JSON.stringify({ from: 'alice', text: 'hello Poll' })}\n${JSON.stringify({ from: 'eve', text: 'hello Eve' })}\n`);
    let stop = await startServe();
    try {
      await waitFor(() => replies().find((r) => r.to === 'alice' && r.text === 'Hello, Poll!'), { timeoutMs: 20_000, what: 'the reply to the polled message' });
    } finally {
      await stop();
    }
    // A second serve starts where the first stopped: only the new line runs.
    writeFileSync(inbox, `${JSON.stringify({ from: 'alice', text: 'hello Again' })}\n`, { flag: 'a' });
    stop = await startServe();
    try {
      await waitFor(() => replies().find((r) => r.text === 'Hello, Again!'), { timeoutMs: 20_000, what: 'the reply after the restart' });
    } finally {
      await stop();
    }
    expect(replies().map((r) => r.text)).toEqual(['Hello, Poll!', 'Hello, Again!']);
    const polled = (await call<{ messages: { peer: string; status: string }[] }>(mcp.client, 'message_list', { channel: 'filechat', direction: 'in' }))
      .messages;
    expect(polled.map((m) => `${m.peer} ${m.status}`).sort()).toEqual(['alice handled', 'alice handled', 'eve ignored']);
  });

  it('sees session events', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'aegis-work-'));
    const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir, prompt: 'hello hooks', env: { HOME: agentHome } });
    await waitState(mcp.client, s.id, ['idle']);
    const created = await waitFor(() => logged().find((l) => l.hook === 'session_created' && l.event.sessionId === s.id), { what: 'session_created hook' });
    expect(created.event).toMatchObject({ agent: 'claude', workDir });
    const toIdle = await waitFor(() => logged().find((l) => l.hook === 'session_state_changed' && l.event.sessionId === s.id && l.event.to === 'idle'), {
      what: 'session_state_changed to idle',
    });
    expect(typeof toIdle.event.from).toBe('string');
    await call(mcp.client, 'session_kill', { id: s.id });
    rmSync(workDir, { recursive: true, force: true });
  });

  it('serves skills as resources, and as prompts when they have front matter', async () => {
    const { resources } = await mcp.client.listResources();
    const guide = resources.find((r) => r.uri === 'aegis://integrations/example/skills/guide');
    const notes = resources.find((r) => r.uri === 'aegis://integrations/example/skills/notes');
    expect(guide).toMatchObject({ title: 'Example guide', description: 'How to use the example integration for a topic', mimeType: 'text/markdown' });
    expect(notes).toMatchObject({ title: 'Example notes' });
    const read = await mcp.client.readResource({ uri: 'aegis://integrations/example/skills/notes' });
    expect((read.contents[0] as { text: string }).text).toContain('Plain notes without front matter');

    const { prompts } = await mcp.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(expect.arrayContaining(['implement_issue', 'example_guide']));
    expect(prompts.map((p) => p.name)).not.toContain('notes');
    const prompt = await mcp.client.getPrompt({ name: 'example_guide', arguments: { topic: 'greetings' } });
    expect((prompt.messages[0]!.content as { text: string }).text).toBe('Explain greetings using the example_hello tool.');
  });

  it('reports each broken integration with its file and fix, and skips it', async () => {
    const syntax = await byName('syntaxerror', 'broken');
    expect(syntax).toMatchObject({ status: 'failed', tools: [] });
    expect(syntax.error).toContain(join('syntaxerror', 'tools', 'bad.js'));
    expect(syntax.error).toContain('has a syntax error');
    expect(syntax.fix).toContain('node --check');

    const throws = await byName('throwsatimport', 'broken');
    expect(throws.status).toBe('failed');
    expect(throws.error).toContain('hooks.js threw while importing (line 1)');
    expect(throws.error).toContain('cannot reach the ticket tracker at import time');

    const needs = await byName('needssetting', 'broken');
    expect(needs.status).toBe('failed');
    expect(needs.error).toContain("needs setting apiKey (the service's API key)");
    expect(needs.fix).toContain('AEGIS_NEEDSSETTING_API_KEY');
    expect(needs.fix).toContain('integrations.needssetting.apiKey');
    expect(needs.settings).toMatchObject([{ key: 'apiKey', source: 'unset', secret: true }]);

    const ts = await byName('badts', extra);
    expect(ts.status).toBe('failed');
    expect(ts.error).toContain('typo.ts has a syntax error');
    expect(ts.error).toContain(':2:');
    const badName = await byName('My-CI', extra);
    expect(badName.status).toBe('failed');
    expect(badName.fix).toContain('lowercase letters and digits');
    const empty = await byName('emptyone', extra);
    expect(empty.error).toContain('contributes nothing');
    expect(empty.fix).toContain('tools/*.js|ts');
    // The server kept working: the example tool still answers.
    expect(await call(mcp.client, 'example_hello', { name: 'still here' })).toEqual({ greeting: 'Hello, still here!' });
  });

  it('refuses every name clash with an error naming both sources', async () => {
    const dup = await byName('example', 'clash');
    expect(dup.status).toBe('refused');
    expect(dup.error).toContain(join(FIXTURES, 'clash', 'example'));
    expect(dup.error).toContain(join(FIXTURES, 'example'));

    const telegram = await byName('telegram', 'clash');
    expect(telegram.status).toBe('refused');
    expect(telegram.channel).toBeUndefined();
    expect(telegram.error).toContain('the built-in telegram channel');

    const session = await byName('session', 'clash');
    expect(session.status).toBe('refused');
    expect(session.error).toContain('the built-in session_* tools');

    const chatty = await byName('chatty', 'clash');
    expect(chatty.status).toBe('refused');
    expect(chatty.error).toContain('chat command "status"');
    expect(chatty.error).toContain('the built-in chat command "status"');

    const copycat = await byName('copycat', 'clash');
    expect(copycat.status).toBe('refused');
    expect(copycat.error).toContain(join('clash', 'copycat', 'commands.js'));
    expect(copycat.error).toContain(join('example', 'commands.ts'));

    // The refused ones contribute nothing: session_list is still the built-in, hello still answers for example.
    const sessions = await call<{ sessions: unknown[] }>(mcp.client, 'session_list', {});
    expect(Array.isArray(sessions.sessions)).toBe(true);
    expect((await chat('copycat')).intent).toBe('unknown');
  });

  it('exposes the tools as `ag example <verb>` commands, with hooks and vetoes on the CLI too', async () => {
    const help = await runCli(['--help'], t.env);
    expect(help.stdout).toMatch(/^\s+example\b/m);
    expect(help.stdout).not.toMatch(/^\s+syntaxerror\b/m);

    const r = await runCli(['example', 'hello', 'Lin', '--json'], t.env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ greeting: 'Hello, Lin!' });
    // A one-shot command waits for its fire-and-forget hooks before it exits.
    expect(logged().some((l) => l.hook === 'after_tool_call' && l.event.caller === 'cli' && (l.event.input as { name?: string }).name === 'Lin')).toBe(true);

    const vetoed = await runCli(['example', 'hello', 'veto-me'], t.env);
    expect(vetoed.code).toBe(1);
    expect(vetoed.stderr).toContain('vetoed: veto-me may not be greeted');

    const listed = await runCli(['integrations', 'list'], t.env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^example\s+loaded$/m);
    expect(listed.stdout).toMatch(/^syntaxerror\s+failed$/m);
    expect(listed.stdout).toContain('token=****9876 (env)');
    expect(listed.stdout).not.toContain(TOKEN);
  });

  it('shows each integration in ag doctor, set/unset settings with secrets masked', async () => {
    const r = await runCli(['doctor', '--json'], t.env);
    const { checks } = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; required: boolean; detail: string; fix?: string }[] };
    const ex = checks.find((c) => c.name === 'integration example' && c.detail.includes('fixtures/integrations/example'))!;
    expect(ex).toMatchObject({ ok: true, required: false });
    expect(ex.detail).toContain('token=****9876 (env)');
    expect(checks.find((c) => c.name === 'channel example')).toMatchObject({ ok: true, detail: 'configured (integration example)' });
    const needs = checks.find((c) => c.name === 'integration needssetting')!;
    expect(needs).toMatchObject({ ok: false, required: false });
    expect(needs.detail).toContain('apiKey unset (required)');
    expect(needs.fix).toContain('AEGIS_NEEDSSETTING_API_KEY');
    expect(r.stdout).not.toContain(TOKEN);
  });
});
