/** The test rig itself: the fake Gemini API on the wire (what the real Gemini CLI talks to). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini-api-server.js';

const KEY = 'fake-key-on-the-wire';

/** The `data:` events of an SSE body, parsed. */
const events = (body: string) =>
  body
    .split('\r\n\r\n')
    .filter((c) => c.trim() !== '')
    .map(
      (c) =>
        JSON.parse(/^data: (.+)$/m.exec(c)![1]!) as {
          candidates: { content: { role: string; parts: Record<string, unknown>[] }; finishReason?: string }[];
          usageMetadata: { totalTokenCount: number };
        },
    );

const user = (text: string) => ({ role: 'user', parts: [{ text }] });
const tools = [{ functionDeclarations: [{ name: 'run_shell_command', parameters: { type: 'OBJECT' } }] }];

describe('fake Gemini API on the wire', () => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini({ apiKey: KEY });
  });
  afterAll(() => fake.close());

  const post = (method: string, payload: unknown, headers: Record<string, string> = { 'x-goog-api-key': KEY }) =>
    fetch(`${fake.url}/v1beta/models/gemini-2.5-flash:${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(payload),
    });

  it('streams a text reply as GenerateContentResponse events; the last one finishes with usage', async () => {
    const res = await post('streamGenerateContent?alt=sse', {
      contents: [{ role: 'user', parts: [{ text: '<session_context>ctx</session_context>' }, { text: 'hi there' }] }],
      tools,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const all = events(await res.text());
    expect(all.map((e) => e.candidates[0]!.content.parts.map((p) => p.text).join('')).join('')).toBe('ECHO: hi there');
    expect(all.at(-1)!.candidates[0]!.finishReason).toBe('STOP');
    expect(all.slice(0, -1).every((e) => e.candidates[0]!.finishReason === undefined)).toBe(true);
    expect(all.every((e) => e.candidates[0]!.content.role === 'model' && e.usageMetadata.totalTokenCount > 0)).toBe(true);
    expect(fake.requests.at(-1)).toMatchObject({ prompt: 'hi there', kind: 'turn', tools: ['run_shell_command'], outcome: 'completed' });
  });

  it('RUN answers with a functionCall part; its functionResponse comes back as the next reply', async () => {
    const call = events(await (await post('streamGenerateContent?alt=sse', { contents: [user('RUN touch x')], tools })).text());
    const fc = call.flatMap((e) => e.candidates[0]!.content.parts).find((p) => p.functionCall)!.functionCall;
    expect(fc).toEqual({ name: 'run_shell_command', args: { command: 'touch x', description: 'Runs the command the user asked for.' } });
    const back = [
      user('RUN touch x'),
      { role: 'model', parts: [{ functionCall: fc }] },
      { role: 'user', parts: [{ functionResponse: { name: 'run_shell_command', response: { output: 'done\n' } } }] },
    ];
    const reply = events(await (await post('streamGenerateContent?alt=sse', { contents: back, tools })).text());
    expect(reply.map((e) => e.candidates[0]!.content.parts.map((p) => p.text).join('')).join('')).toBe('RAN: done');
  });

  it('refuses a missing or wrong API key, a bad body and an unknown route with the API error body', async () => {
    const missing = await post('generateContent', { contents: [user('x')] }, {});
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { error: { status: string } }).error.status).toBe('PERMISSION_DENIED');
    const wrong = await post('generateContent', { contents: [user('x')] }, { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } });
    const empty = await post('streamGenerateContent?alt=sse', { contents: [] });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(/'contents'/);
    const role = await post('streamGenerateContent?alt=sse', { contents: [{ role: 'system', parts: [{ text: 'x' }] }] });
    expect(((await role.json()) as { error: { message: string } }).error.message).toMatch(/contents\[0\]\.role/);
    const noSse = await post('streamGenerateContent', { contents: [user('x')] });
    expect(noSse.status).toBe(400);
    const route = await fetch(`${fake.url}/v1/models`, { headers: { 'x-goog-api-key': KEY } });
    expect(route.status).toBe(404);
    expect(fake.requests.filter((r) => r.outcome === 'rejected').length).toBe(2);
  });

  it('side questions get a fixed answer; FAIL400 is an API error; countTokens counts', async () => {
    const summary = (await (await post('generateContent', { contents: [user('RUN rm -rf /')] })).json()) as {
      candidates: { content: { parts: { text: string }[] } }[];
    };
    expect(summary.candidates[0]!.content.parts[0]!.text).toBe('A fake session summary.');
    const fail = await post('streamGenerateContent?alt=sse', { contents: [user('FAIL400')] });
    expect(fail.status).toBe(400);
    const count = (await (await post('countTokens', { contents: [user('count me')] })).json()) as { totalTokens: number };
    expect(count.totalTokens).toBeGreaterThan(0);
  });
});
