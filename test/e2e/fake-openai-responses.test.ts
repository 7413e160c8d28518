/** The test rig itself: the fake OpenAI Responses API on the wire (what the real Codex CLI talks to). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeResponses, TITLE, type FakeResponses } from '../fakes/openai-responses-server.js';

function parseSse(body: string): [string, Record<string, unknown>][] {
  return body
    .split('\n\n')
    .filter((c) => c.trim() !== '')
    .map((c) => [/^event: (.+)$/m.exec(c)?.[1] ?? '', JSON.parse(/^data: (.+)$/m.exec(c)?.[1] ?? 'null') as Record<string, unknown>]);
}

const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const body = (input: unknown[], extra: Record<string, unknown> = {}) => ({
  model: 'gpt-fake',
  stream: true,
  input,
  tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }],
  ...extra,
});

describe('fake OpenAI Responses API on the wire', () => {
  let fake: FakeResponses;
  beforeAll(async () => {
    fake = await startFakeResponses();
  });
  afterAll(() => fake.close());

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    fetch(`${fake.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
      body: JSON.stringify(payload),
    });

  it('streams a text reply as the documented events, numbered in order', async () => {
    const res = await post(body([user('<environment_context>x</environment_context>'), user('hi there')]));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await res.text());
    expect(events.map(([e]) => e).filter((e, i, a) => a.indexOf(e) === i)).toEqual([
      'response.created',
      'response.output_item.added',
      'response.output_text.delta',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.every(([e, d], i) => d.type === e && d.sequence_number === i)).toBe(true);
    const text = events
      .filter(([e]) => e === 'response.output_text.delta')
      .map(([, d]) => d.delta)
      .join('');
    expect(text).toBe('ECHO: hi there');
    const done = events.at(-1)![1].response as { status: string; output: { content: { text: string }[] }[] };
    expect(done.status).toBe('completed');
    expect(done.output[0]!.content[0]!.text).toBe('ECHO: hi there');
  });

  it('RUN and PATCH answer with exec_command calls; their output comes back as the next reply', async () => {
    const events = parseSse(await (await post(body([user('RUN touch x')]))).text());
    const call = events.find(([e, d]) => e === 'response.output_item.done' && (d.item as { type: string }).type === 'function_call')![1].item as {
      call_id: string;
      name: string;
      arguments: string;
    };
    expect(call.name).toBe('exec_command');
    expect(JSON.parse(call.arguments)).toMatchObject({ cmd: 'touch x', sandbox_permissions: 'require_escalated' });
    const patch = parseSse(await (await post(body([user('PATCH a.md hello')]))).text());
    const patchCall = patch.find(([e, d]) => e === 'response.output_item.done' && (d.item as { type: string }).type === 'function_call')![1].item as {
      arguments: string;
    };
    expect(JSON.parse(patchCall.arguments).cmd).toContain('*** Add File: a.md\n+hello');
    const next = parseSse(
      await (
        await post(
          body([
            user('RUN touch x'),
            { type: 'function_call', call_id: call.call_id, name: 'exec_command', arguments: call.arguments },
            { type: 'function_call_output', call_id: call.call_id, output: 'exit 0' },
          ]),
        )
      ).text(),
    );
    expect(
      next
        .filter(([e]) => e === 'response.output_text.delta')
        .map(([, d]) => d.delta)
        .join(''),
    ).toBe('RAN: exit 0');
  });

  it('the title thread gets a JSON title', async () => {
    const res = await post(
      body([user('Generate a title')], {
        tools: [],
        text: { format: { type: 'json_schema', name: 'codex_output_schema', schema: { type: 'object', properties: { title: { type: 'string' } } } } },
      }),
    );
    const text = parseSse(await res.text())
      .filter(([e]) => e === 'response.output_text.delta')
      .map(([, d]) => d.delta)
      .join('');
    expect(JSON.parse(text)).toEqual({ title: TITLE });
  });

  it('refuses malformed requests with the API error body, naming the field', async () => {
    const cases: [unknown, Record<string, string>, number, string | null][] = [
      [body([user('x')]), { authorization: '' }, 401, null],
      [{ ...body([user('x')]), stream: false }, {}, 400, 'stream'],
      [{ ...body([user('x')]), model: '' }, {}, 400, 'model'],
      [body([]), {}, 400, 'input'],
      [body([{ type: 'message', role: 'robot', content: [] }]), {}, 400, 'input[0].role'],
      [body([user('x'), { type: 'function_call_output', call_id: 'call_nowhere', output: 'x' }]), {}, 400, 'input[1].call_id'],
      [body([{ type: 'mystery' }]), {}, 400, 'input[0].type'],
      [{ ...body([user('x')]), tools: [{ type: 'function', name: 'f' }] }, {}, 400, 'tools[0]'],
    ];
    for (const [payload, headers, status, param] of cases) {
      const res = await post(payload, headers);
      expect(res.status, JSON.stringify(payload).slice(0, 80)).toBe(status);
      const err = (await res.json()) as { error: { message: string; type: string; param: string | null } };
      expect(err.error.message).toBeTruthy();
      expect(err.error.param).toBe(param);
    }
    const wrongPath = await fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(wrongPath.status).toBe(404);
  });
});
