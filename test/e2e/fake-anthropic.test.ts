/**
 * The test rig itself: the fake Anthropic API on the wire, and the REAL Claude Code 2.1.197
 * driven through it in a private tmux server.
 */
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, textReply, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { prepareClaudeHome, type ClaudeHome } from '../fakes/claude-home.js';
import { IDLE_FOOTER, startClaudePane, type ClaudePane } from '../fakes/claude-pane.js';

/** The events of an SSE body as [event name, parsed data]. */
function parseSse(body: string): [string, Record<string, unknown>][] {
  return body
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const event = /^event: (.+)$/m.exec(chunk)?.[1] ?? '';
      const data = JSON.parse(/^data: (.+)$/m.exec(chunk)?.[1] ?? 'null') as Record<string, unknown>;
      return [event, data];
    });
}

function messagesBody(prompt: string, stream = true): string {
  return JSON.stringify({
    model: 'claude-opus-4-8',
    stream,
    max_tokens: 1000,
    system: [{ type: 'text', text: 'Primary working directory: /tmp/proj' }],
    tools: ['Bash', 'Read', 'Write'].map((name) => ({ name, input_schema: { type: 'object' } })),
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: '<system-reminder>context</system-reminder>' },
          { type: 'text', text: prompt },
        ],
      },
    ],
  });
}

describe('fake Anthropic API on the wire', () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(async () => {
    await fake.close();
  });

  const post = (body: string) => fetch(`${fake.url}/v1/messages?beta=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('streams text and tool_use in the event order of the real API', async () => {
    const echo = parseSse(await (await post(messagesBody('héllo ✓\nzwei'))).text());
    const names = echo.map(([e]) => e).filter((e, i, all) => e !== all[i - 1]);
    expect(names).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    for (const [event, data] of echo) expect(data.type).toBe(event);
    const deltas = echo.filter(([e]) => e === 'content_block_delta').map(([, d]) => d.delta as { type: string; text: string });
    expect(deltas.every((d) => d.type === 'text_delta')).toBe(true);
    expect(deltas.map((d) => d.text).join('')).toBe('ECHO: héllo ✓\nzwei');
    expect(echo.find(([e]) => e === 'message_delta')?.[1]).toMatchObject({ delta: { stop_reason: 'end_turn' } });

    const run = parseSse(await (await post(messagesBody('RUN touch x'))).text());
    const start = run.find(([e]) => e === 'content_block_start')?.[1].content_block as Record<string, unknown>;
    expect(start).toMatchObject({ type: 'tool_use', name: 'Bash', input: {} });
    expect(start.id).toMatch(/^toolu_01[0-9A-Za-z]{22}$/);
    const json = run
      .filter(([e]) => e === 'content_block_delta')
      .map(([, d]) => (d.delta as { partial_json: string }).partial_json)
      .join('');
    expect(JSON.parse(json)).toMatchObject({ command: 'touch x' });
    expect(run.find(([e]) => e === 'message_delta')?.[1]).toMatchObject({ delta: { stop_reason: 'tool_use' } });
    expect(fake.requests.at(-1)).toMatchObject({ kind: 'main', prompt: 'RUN touch x', cwd: '/tmp/proj', outcome: 'completed' });
  });

  it('finds the working directory in a role:"system" message too (where 2.1.33x puts the environment)', async () => {
    const body = JSON.parse(messagesBody('hi')) as { system: unknown; messages: unknown[] };
    body.system = [{ type: 'text', text: 'You are Claude Code.' }];
    body.messages.push({ role: 'system', content: [{ type: 'text', text: '# Environment\n - Primary working directory: /tmp/proj-332\n - Platform: linux' }] });
    await (await post(JSON.stringify(body))).text();
    expect(fake.requests.at(-1)).toMatchObject({ kind: 'main', prompt: 'hi', cwd: '/tmp/proj-332' });
  });

  it('answers FAIL400 with an error body, non-streamed calls with JSON, and lets a rule override', async () => {
    const failed = await post(messagesBody('FAIL400'));
    expect(failed.status).toBe(400);
    expect(await failed.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'fake bad request' } });

    const plain = (await (await post(messagesBody('hi', false))).json()) as Record<string, unknown>;
    expect(plain).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'ECHO: hi' }], stop_reason: 'end_turn' });
    expect(plain.id).toMatch(/^msg_01/);

    const remove = fake.script((req) => (req.prompt === 'override me' ? textReply('from the rule') : undefined));
    expect(await (await post(messagesBody('override me', false))).json()).toMatchObject({ content: [{ text: 'from the rule' }] });
    remove();
    expect(await (await post(messagesBody('override me', false))).json()).toMatchObject({ content: [{ text: 'ECHO: override me' }] });

    expect((await fetch(fake.url, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('the real Claude Code 2.1.197 against the fake', () => {
  let fake: FakeAnthropic | undefined;
  let home: ClaudeHome | undefined;
  let pane: ClaudePane | undefined;
  let work = '';

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    work = await realpath(await mkdtemp(join(tmpdir(), 'aegis-rig-work-')));
    home = await prepareClaudeHome({ workDirs: [work], apiKey: 'sk-ant-api03-rig-test-key-0123456789', baseUrl: fake.url });
    pane = await startClaudePane({ cwd: work, env: home.env });
    await pane.waitFor(IDLE_FOOTER, 30_000);
  }, 40_000);

  afterAll(async () => {
    await pane?.kill();
    await fake?.close();
    await home?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const idleWith = (text: string) => (screen: string) => screen.includes(text) && screen.includes(IDLE_FOOTER);

  it('delivers a typed prompt intact and shows the echo', async () => {
    const p = pane as ClaudePane;
    const f = fake as FakeAnthropic;
    await p.submit('héllo wörld ✓ 你好\nsecond line');
    await p.waitFor(idleWith('ECHO: héllo wörld ✓ 你好'));
    const req = await f.waitForRequest((r) => r.kind === 'main' && r.prompt.startsWith('héllo'));
    expect(req.prompt).toBe('héllo wörld ✓ 你好\nsecond line');
    expect(req.cwd).toBe(work);
    expect(req.headers.sessionId).toBe(p.sessionId);
    expect(req.headers.userAgent).toMatch(/^claude-cli\/2\.1\.197 /);
    expect(req.path + req.query).toBe('/v1/messages?beta=true');
  }, 30_000);

  it('RUN brings up the Bash permission prompt; 1 approves and the result comes back', async () => {
    const p = pane as ClaudePane;
    const f = fake as FakeAnthropic;
    await p.submit('RUN echo rig > rig.txt && cat rig.txt');
    const prompt = await p.waitFor('Do you want to proceed?');
    expect(prompt).toContain(' Bash command');
    expect(prompt).toContain('echo rig > rig.txt && cat rig.txt');
    await p.press('1');
    await p.waitFor(idleWith('RAN: rig'));
    expect(await readFile(join(work, 'rig.txt'), 'utf8')).toBe('rig\n');
    const followUp = await f.waitForRequest((r) => r.toolResults.some((t) => t.toolName === 'Bash'));
    expect(followUp.toolResults[0]).toMatchObject({ content: 'rig', isError: false });
    expect(followUp.turnPrompt).toBe('RUN echo rig > rig.txt && cat rig.txt');
  }, 30_000);
});
