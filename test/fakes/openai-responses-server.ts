/**
 * A fake OpenAI Responses API for running the real Codex CLI offline (fixtures/codex-0.171.0).
 * Codex with a custom model provider calls only `POST /v1/responses` with `stream: true`; the fake
 * answers with the documented Server-Sent Events (response.created, response.output_item.added,
 * response.output_text.delta, response.output_item.done, response.completed, each with its
 * sequence_number) and refuses malformed requests with the API's error body.
 *
 * What it answers is decided by directives in the user's last prompt, or by rules a test adds:
 *
 *   <anything else>          text `ECHO: <prompt>`
 *   RUN <command>            exec_command asking to leave the sandbox (a command approval);
 *                            then `RAN: <tool output>`
 *   PATCH <file> <text>      exec_command running `apply_patch` that adds <file> holding <text>
 *                            (a patch approval in a read-only sandbox); then `PATCHED: <output>`
 *   SLOW <ms> [rest]         the reply to `rest` (or the echo) streamed evenly over <ms>
 *
 * Codex 0.171 offers no separate apply_patch tool: its instructions tell the model to run
 * `apply_patch` through exec_command, which Codex intercepts and shows as an edit approval.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLoopback, pause, readBody } from './http.js';
import { waitFor } from '../helpers/wait.js';

export type ResponsesReply =
  | { type: 'text'; text: string; streamMs?: number }
  | { type: 'call'; name: string; arguments: Record<string, unknown>; text?: string }
  | { type: 'error'; status: number; message: string };

/** One request as the fake saw it. The Authorization header is never kept. */
export interface ResponsesRequest {
  n: number;
  at: number;
  path: string;
  body: Record<string, unknown>;
  /** `title`: Codex's hidden thread that names the session; `turn`: everything else. */
  kind: 'title' | 'turn';
  /** Text of the last user message (without Codex's own context blocks). */
  prompt: string;
  /** Output of the function call this request reports, when it reports one. */
  toolOutput?: string;
  /** Names of the function tools Codex offered. */
  tools: string[];
  reply?: ResponsesReply;
  outcome: 'pending' | 'completed' | 'rejected' | 'client-closed';
}

export type ResponsesRule = (req: ResponsesRequest) => ResponsesReply | undefined;

export interface FakeResponses {
  url: string;
  requests: ResponsesRequest[];
  script(rule: ResponsesRule): () => void;
  waitForRequest(match: (req: ResponsesRequest) => boolean, timeoutMs?: number): Promise<ResponsesRequest>;
  close(): Promise<void>;
}

export const TITLE = 'Fake session title';

class BadRequest extends Error {
  constructor(
    readonly param: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request shape of the Responses API as Codex uses it; anything else is refused like the API does. */
function checkRequest(body: unknown): asserts body is Record<string, unknown> {
  if (!isObject(body)) throw new BadRequest('', 'the body must be a JSON object');
  if (typeof body.model !== 'string' || !body.model) throw new BadRequest('model', 'model must be a non-empty string');
  if (body.stream !== true) throw new BadRequest('stream', 'this fake only streams: stream must be true');
  if (!Array.isArray(body.input) || body.input.length === 0) throw new BadRequest('input', 'input must be a non-empty array of items');
  const calls = new Set<string>();
  body.input.forEach((item, i) => {
    if (!isObject(item)) throw new BadRequest(`input[${i}]`, 'each input item must be an object');
    switch (item.type) {
      case 'message':
        if (!['user', 'assistant', 'system', 'developer'].includes(item.role as string))
          throw new BadRequest(`input[${i}].role`, `unknown role ${String(item.role)}`);
        if (!Array.isArray(item.content) || !item.content.every((c) => isObject(c) && typeof c.type === 'string'))
          throw new BadRequest(`input[${i}].content`, 'content must be an array of typed parts');
        break;
      case 'function_call':
        if (typeof item.call_id !== 'string' || typeof item.name !== 'string' || typeof item.arguments !== 'string')
          throw new BadRequest(`input[${i}]`, 'a function_call needs call_id, name and arguments (a JSON string)');
        calls.add(item.call_id);
        break;
      case 'function_call_output':
        if (typeof item.call_id !== 'string' || !calls.has(item.call_id))
          throw new BadRequest(`input[${i}].call_id`, `no function_call with call_id ${String(item.call_id)} precedes this output`);
        if (typeof item.output !== 'string' && !Array.isArray(item.output))
          throw new BadRequest(`input[${i}].output`, 'output must be a string or an array of parts');
        break;
      // Items Codex sends besides messages and function calls: kept opaque, as the API does.
      case 'reasoning':
      case 'additional_tools':
      case 'custom_tool_call':
      case 'custom_tool_call_output':
      case 'web_search_call':
      case 'compaction':
        break;
      default:
        throw new BadRequest(`input[${i}].type`, `unknown input item type ${String(item.type)}`);
    }
  });
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) throw new BadRequest('tools', 'tools must be an array');
    body.tools.forEach((t, i) => {
      if (!isObject(t) || typeof t.type !== 'string') throw new BadRequest(`tools[${i}]`, 'each tool needs a type');
      if (t.type === 'function' && (typeof t.name !== 'string' || !isObject(t.parameters)))
        throw new BadRequest(`tools[${i}]`, 'a function tool needs a name and a parameters schema');
    });
  }
}

/** The text of an input message's parts. */
const textOf = (item: Record<string, unknown>): string =>
  (item.content as Record<string, unknown>[]).map((c) => (typeof c.text === 'string' ? c.text : '')).join('');

function analyse(body: Record<string, unknown>): Pick<ResponsesRequest, 'kind' | 'prompt' | 'toolOutput' | 'tools'> {
  const input = body.input as Record<string, unknown>[];
  const format = isObject(body.text) && isObject(body.text.format) ? body.text.format : undefined;
  const kind = format?.name === 'codex_output_schema' && isObject(format.schema) && JSON.stringify(format.schema).includes('"title"') ? 'title' : 'turn';
  // Codex sends its own context (<environment_context>, AGENTS.md) as user messages too.
  const users = input
    .filter((i) => i.type === 'message' && i.role === 'user')
    .map(textOf)
    .filter((t) => !t.startsWith('<'));
  const last = input[input.length - 1]!;
  const toolOutput = last.type === 'function_call_output' ? (typeof last.output === 'string' ? last.output : JSON.stringify(last.output)) : undefined;
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]).filter((t) => t.type === 'function').map((t) => String(t.name)) : [];
  return { kind, prompt: users[users.length - 1] ?? '', toolOutput, tools };
}

/** An apply_patch heredoc that adds one file: the form Codex recognises and turns into an edit. */
export function addFilePatch(file: string, text: string): string {
  const body = text
    .split('\n')
    .map((l) => `+${l}`)
    .join('\n');
  return `apply_patch <<'PATCH'\n*** Begin Patch\n*** Add File: ${file}\n${body}\n*** End Patch\nPATCH`;
}

/** The built-in behaviour: directives in the prompt (see the header). */
export function builtInReply(req: ResponsesRequest): ResponsesReply {
  if (req.kind === 'title') return { type: 'text', text: JSON.stringify({ title: TITLE }) };
  const p = req.prompt.trim();
  if (req.toolOutput !== undefined) {
    const word = p.startsWith('PATCH ') ? 'PATCHED' : 'RAN';
    return { type: 'text', text: `${word}: ${req.toolOutput.replace(/\s+/g, ' ').trim()}` };
  }
  const slow = /^SLOW (\d+)(?: ([\s\S]*))?$/.exec(p);
  if (slow) {
    const inner = builtInReply({ ...req, prompt: slow[2] ?? '' });
    return inner.type === 'text' ? { ...inner, text: slow[2] ? inner.text : 'ECHO: slow', streamMs: Number(slow[1]) } : inner;
  }
  const run = /^RUN ([\s\S]+)$/.exec(p);
  if (run) {
    return {
      type: 'call',
      name: 'exec_command',
      text: 'I will run the command.',
      arguments: { cmd: run[1], sandbox_permissions: 'require_escalated', justification: 'Do you want to allow this command?' },
    };
  }
  const patch = /^PATCH (\S+) ([\s\S]+)$/.exec(p);
  if (patch) return { type: 'call', name: 'exec_command', text: `Creating ${patch[1]}.`, arguments: { cmd: addFilePatch(patch[1]!, patch[2]!) } };
  return { type: 'text', text: `ECHO: ${req.prompt}` };
}

function sendError(res: ServerResponse, status: number, message: string, param: string | null): void {
  const text = JSON.stringify({ error: { message, type: status === 401 ? 'invalid_authentication' : 'invalid_request_error', param, code: null } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const USAGE = {
  input_tokens: 10,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 5,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: 15,
};

/** Streams one reply as Responses API events. */
async function stream(res: ServerResponse, n: number, model: string, reply: Exclude<ResponsesReply, { type: 'error' }>): Promise<void> {
  let seq = 0;
  const send = (type: string, fields: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`);
  const id = `resp_fake${n}`;
  const response = (status: string, output: unknown[]) => ({
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model,
    output,
    usage: status === 'completed' ? USAGE : null,
  });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': `req_fake${n}` });
  send('response.created', { response: response('in_progress', []) });
  const output: unknown[] = [];
  const text = reply.text;
  if (text) {
    const itemId = `msg_fake${n}`;
    send('response.output_item.added', { output_index: 0, item: { type: 'message', id: itemId, role: 'assistant', status: 'in_progress', content: [] } });
    const pieces = Math.max(1, Math.min(16, text.length));
    const size = Math.ceil(text.length / pieces);
    const delay = reply.type === 'text' && reply.streamMs ? reply.streamMs / pieces : 0;
    for (let i = 0; i < text.length; i += size) {
      if (delay) await pause(delay, res);
      if (res.destroyed) return;
      send('response.output_text.delta', { output_index: 0, item_id: itemId, content_index: 0, delta: text.slice(i, i + size) });
    }
    const item = { type: 'message', id: itemId, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
    send('response.output_item.done', { output_index: 0, item });
    output.push(item);
  }
  if (reply.type === 'call') {
    const index = output.length;
    const item = {
      type: 'function_call',
      id: `fc_fake${n}`,
      call_id: `call_fake${n}`,
      name: reply.name,
      arguments: JSON.stringify(reply.arguments),
      status: 'completed',
    };
    send('response.output_item.added', { output_index: index, item: { ...item, arguments: '', status: 'in_progress' } });
    send('response.output_item.done', { output_index: index, item });
    output.push(item);
  }
  send('response.completed', { response: response('completed', output) });
  res.end();
}

export async function startFakeResponses(opts: { log?: (line: string) => void } = {}): Promise<FakeResponses> {
  const requests: ResponsesRequest[] = [];
  const rules: ResponsesRule[] = [];
  const log = opts.log ?? (() => {});

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method !== 'POST' || path !== '/v1/responses') return sendError(res, 404, `no route ${req.method} ${path}: only POST /v1/responses`, null);
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) return sendError(res, 401, 'missing bearer API key in the Authorization header', null);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendError(res, 400, 'content-type must be application/json', null);
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
      checkRequest(body);
    } catch (err) {
      const e = err instanceof BadRequest ? err : new BadRequest('', `invalid JSON body: ${(err as Error).message}`);
      log(`rejected: ${e.param} ${e.message}`);
      requests.push({
        n: requests.length + 1,
        at: Date.now(),
        path,
        body: isObject(body) ? body : {},
        kind: 'turn',
        prompt: '',
        tools: [],
        outcome: 'rejected',
      });
      return sendError(res, e.status, e.message, e.param || null);
    }
    const rec: ResponsesRequest = { n: requests.length + 1, at: Date.now(), path, body, ...analyse(body), outcome: 'pending' };
    requests.push(rec);
    let reply: ResponsesReply | undefined;
    for (const rule of [...rules].reverse()) if ((reply = rule(rec))) break;
    reply ??= builtInReply(rec);
    rec.reply = reply;
    log(`#${rec.n} ${rec.kind} ${JSON.stringify(rec.prompt.slice(0, 60))} -> ${reply.type}`);
    res.once('close', () => {
      if (rec.outcome === 'pending') rec.outcome = 'client-closed';
    });
    if (reply.type === 'error') {
      rec.outcome = 'completed';
      return sendError(res, reply.status, reply.message, null);
    }
    await stream(res, rec.n, body.model as string, reply);
    if (!res.destroyed || res.writableFinished) rec.outcome = res.writableFinished ? 'completed' : rec.outcome;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      log(`fake error: ${err.message}`);
      if (!res.headersSent) sendError(res, 500, err.message, null);
      else res.destroy();
    });
  });
  const listening = await listenLoopback(server);
  return {
    url: listening.url,
    requests,
    script(rule) {
      rules.push(rule);
      return () => {
        const i = rules.indexOf(rule);
        if (i >= 0) rules.splice(i, 1);
      };
    },
    waitForRequest: (match, timeoutMs = 30_000) => waitFor(() => requests.find(match), { timeoutMs, what: 'a matching Responses request' }),
    close: listening.close,
  };
}
