/**
 * A fake Gemini API (generativelanguage v1beta) for running the real Gemini CLI offline
 * (fixtures/gemini-cli-0.61.0). The CLI, pointed at it with GOOGLE_GEMINI_BASE_URL and an API key,
 * calls `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` for turns and
 * `:generateContent` / `:countTokens` for its side questions. Replies are the documented
 * GenerateContentResponse objects (candidates[].content.parts with text or functionCall parts,
 * finishReason, usageMetadata), streamed as `data:` events; a missing or wrong `x-goog-api-key`
 * and malformed bodies are refused with the API's error body ({error: {code, message, status}}).
 *
 * What it answers is decided by directives in the user's last prompt, or by rules a test adds:
 *
 *   <anything else>          text `ECHO: <prompt>`
 *   RUN <command>            run_shell_command; then `RAN: <tool output>`
 *   WRITE <file> <text>      write_file; then `WROTE: <tool output>`
 *   EDIT <file> <old> <new>  replace (single words); then `EDITED: <tool output>`
 *   ASK <question> | <a> | <b>...  ask_user, one `choice` question with those options;
 *                            then `ANSWERED: <tool output>` (the answers as the CLI reports them)
 *   ASKTEXT <question>       ask_user, one free-text (`text`) question; then `ANSWERED: ...`
 *   ASKYESNO <question>      ask_user, one `yesno` question; then `ANSWERED: ...`
 *   ASKMULTI <question> | <a> | <b>...  ask_user, one `choice` question with `multiSelect: true`
 *   ASKMANY <q1> | <a> | <b> || <q2> || ...  ask_user with several questions (1-4), split by `||`:
 *                            one with options is a `choice` question, one without is `text`;
 *                            headers are `Q1`, `Q2`...; then `ANSWERED: ...`
 *   SLOW <ms> [rest]         the reply to `rest` (or the echo) streamed evenly over <ms>
 *   FAIL400                  HTTP 400 with the API's error body
 *
 * Side requests (non-streamed generateContent: the CLI's session summary; or a JSON response
 * schema: its next-speaker check) get a short fixed answer, never a directive's.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLoopback, pause, readBody } from './http.js';
import { waitFor } from '../helpers/wait.js';

export type GeminiReply =
  | { type: 'text'; text: string; streamMs?: number }
  | { type: 'call'; name: string; args: Record<string, unknown>; text?: string }
  | { type: 'error'; status: number; message: string };

/** One request as the fake saw it. The API key is never kept. */
export interface GeminiRequest {
  n: number;
  at: number;
  model: string;
  method: 'streamGenerateContent' | 'generateContent' | 'countTokens';
  body: Record<string, unknown>;
  /** `side`: the CLI's own questions (non-streamed, or a JSON response schema); `turn`: a conversation turn. */
  kind: 'turn' | 'side';
  /** Text of the last user prompt (not a function response). */
  prompt: string;
  /** Output of the function call this request reports, when its last content reports one. */
  toolOutput?: string;
  /** Names of the function declarations the CLI offered. */
  tools: string[];
  reply?: GeminiReply;
  outcome: 'pending' | 'completed' | 'rejected' | 'client-closed';
}

export type GeminiRule = (req: GeminiRequest) => GeminiReply | undefined;

export interface FakeGemini {
  /** Base URL for GOOGLE_GEMINI_BASE_URL. */
  url: string;
  apiKey: string;
  requests: GeminiRequest[];
  script(rule: GeminiRule): () => void;
  waitForRequest(match: (req: GeminiRequest) => boolean, timeoutMs?: number): Promise<GeminiRequest>;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}
const invalid = (field: string, message: string) => new ApiError(400, 'INVALID_ARGUMENT', `Invalid value at '${field}': ${message}`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const PART_KINDS = ['text', 'functionCall', 'functionResponse', 'inlineData', 'fileData', 'executableCode', 'codeExecutionResult'];

/** The GenerateContentRequest shape; anything else is refused as the API does (400 INVALID_ARGUMENT). */
function checkRequest(body: unknown, method: GeminiRequest['method']): asserts body is Record<string, unknown> {
  if (!isObject(body)) throw invalid('', 'the body must be a JSON object');
  // countTokens takes either contents or a whole generateContentRequest.
  const contents = method === 'countTokens' && isObject(body.generateContentRequest) ? body.generateContentRequest.contents : body.contents;
  if (!Array.isArray(contents) || contents.length === 0) throw invalid('contents', 'contents must be a non-empty array');
  contents.forEach((c, i) => {
    if (!isObject(c)) throw invalid(`contents[${i}]`, 'each content must be an object');
    if (c.role !== undefined && c.role !== 'user' && c.role !== 'model')
      throw invalid(`contents[${i}].role`, `role must be "user" or "model", not ${JSON.stringify(c.role)}`);
    if (!Array.isArray(c.parts) || c.parts.length === 0) throw invalid(`contents[${i}].parts`, 'parts must be a non-empty array');
    c.parts.forEach((p, j) => {
      if (!isObject(p) || !PART_KINDS.some((k) => k in p)) throw invalid(`contents[${i}].parts[${j}]`, `a part needs one of ${PART_KINDS.join(', ')}`);
      if (isObject(p.functionResponse) && (typeof p.functionResponse.name !== 'string' || !isObject(p.functionResponse.response))) {
        throw invalid(`contents[${i}].parts[${j}].functionResponse`, 'a function response needs a name and a response object');
      }
    });
  });
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) throw invalid('tools', 'tools must be an array');
    body.tools.forEach((t, i) => {
      if (!isObject(t)) throw invalid(`tools[${i}]`, 'each tool must be an object');
      if (
        t.functionDeclarations !== undefined &&
        (!Array.isArray(t.functionDeclarations) || !t.functionDeclarations.every((d) => isObject(d) && typeof d.name === 'string'))
      ) {
        throw invalid(`tools[${i}].functionDeclarations`, 'each function declaration needs a name');
      }
    });
  }
}

const partsOf = (c: unknown): Record<string, unknown>[] => (isObject(c) && Array.isArray(c.parts) ? (c.parts as Record<string, unknown>[]) : []);
/** The user's own text: the CLI sends its <session_context> block as an extra text part of the first prompt. */
const textOfParts = (parts: Record<string, unknown>[]): string =>
  parts.map((p) => (typeof p.text === 'string' && !p.text.startsWith('<session_context>') ? p.text : '')).join('');

function analyse(body: Record<string, unknown>, method: GeminiRequest['method']): Pick<GeminiRequest, 'kind' | 'prompt' | 'toolOutput' | 'tools'> {
  const contents = (isObject(body.generateContentRequest) ? body.generateContentRequest.contents : body.contents) as Record<string, unknown>[];
  const config = isObject(body.generationConfig) ? body.generationConfig : isObject(body.config) ? body.config : {};
  const kind =
    method !== 'streamGenerateContent' || config.responseMimeType === 'application/json' || config.responseSchema || config.responseJsonSchema
      ? 'side'
      : 'turn';
  const prompts = contents.filter(
    (c) => c.role !== 'model' && partsOf(c).some((p) => typeof p.text === 'string') && !partsOf(c).some((p) => p.functionResponse),
  );
  const last = contents[contents.length - 1]!;
  const response = partsOf(last).find((p) => isObject(p.functionResponse))?.functionResponse as Record<string, unknown> | undefined;
  const out = response && isObject(response.response) ? response.response : undefined;
  const toolOutput = out
    ? typeof out.output === 'string'
      ? out.output
      : typeof out.error === 'string'
        ? `error: ${out.error}`
        : JSON.stringify(out)
    : undefined;
  const tools = Array.isArray(body.tools)
    ? (body.tools as Record<string, unknown>[]).flatMap((t) =>
        Array.isArray(t.functionDeclarations) ? (t.functionDeclarations as { name: string }[]).map((d) => d.name) : [],
      )
    : [];
  return { kind, prompt: prompts.length ? textOfParts(partsOf(prompts[prompts.length - 1])) : '', toolOutput, tools };
}

const RESULT_WORD: Record<string, string> = {
  RUN: 'RAN',
  WRITE: 'WROTE',
  EDIT: 'EDITED',
  ASK: 'ANSWERED',
  ASKTEXT: 'ANSWERED',
  ASKYESNO: 'ANSWERED',
  ASKMULTI: 'ANSWERED',
  ASKMANY: 'ANSWERED',
};

/** `question | a | b` → an ask_user question: `choice` with those options, or `text` without any. */
function askedQuestion(spec: string, header: string, multiSelect = false): Record<string, unknown> {
  const [question, ...labels] = spec.split('|').map((x) => x.trim());
  if (!labels.length) return { question, header, type: 'text', placeholder: 'Type your answer' };
  const options = labels.map((label) => ({ label, description: `Choose ${label}.` }));
  return { question, header, type: 'choice', options, ...(multiSelect ? { multiSelect: true } : {}) };
}

/** The built-in behaviour: directives in the prompt (see the header). */
export function builtInReply(req: GeminiRequest): GeminiReply {
  const p = req.prompt.trim();
  if (req.kind === 'side') {
    const json = isObject(req.body.generationConfig) && req.body.generationConfig.responseMimeType === 'application/json';
    return {
      type: 'text',
      text: json ? JSON.stringify({ reasoning: 'The model answered; the user speaks next.', next_speaker: 'user' }) : 'A fake session summary.',
    };
  }
  if (p === 'FAIL400') return { type: 'error', status: 400, message: 'Request contains an invalid argument.' };
  if (req.toolOutput !== undefined) {
    const word = RESULT_WORD[p.split(' ', 1)[0]!] ?? 'RESULT';
    return { type: 'text', text: `${word}: ${req.toolOutput.replace(/\s+/g, ' ').trim()}` };
  }
  const slow = /^SLOW (\d+)(?: ([\s\S]*))?$/.exec(p);
  if (slow) {
    const inner = builtInReply({ ...req, prompt: slow[2] ?? '' });
    return inner.type === 'text' ? { ...inner, text: slow[2] ? inner.text : 'ECHO: slow', streamMs: Number(slow[1]) } : inner;
  }
  const run = /^RUN ([\s\S]+)$/.exec(p);
  if (run)
    return {
      type: 'call',
      name: 'run_shell_command',
      text: 'I will run the command.',
      args: { command: run[1], description: 'Runs the command the user asked for.' },
    };
  const write = /^WRITE (\S+) ([\s\S]+)$/.exec(p);
  if (write) return { type: 'call', name: 'write_file', text: `Writing ${write[1]}.`, args: { file_path: write[1], content: write[2] } };
  const edit = /^EDIT (\S+) (\S+) (\S+)$/.exec(p);
  if (edit)
    return {
      type: 'call',
      name: 'replace',
      text: `Editing ${edit[1]}.`,
      args: { file_path: edit[1], instruction: 'Replace the word the user named.', old_string: edit[2], new_string: edit[3] },
    };
  const ask = /^ASK ([^|]+?)\s*((?:\|[^|]+)+)$/.exec(p);
  if (ask) {
    const options = ask[2]!
      .split('|')
      .slice(1)
      .map((label) => ({ label: label.trim(), description: `Choose ${label.trim()}.` }));
    return { type: 'call', name: 'ask_user', args: { questions: [{ question: ask[1], header: 'Choice', type: 'choice', options }] } };
  }
  const askYesNo = /^ASKYESNO ([\s\S]+)$/.exec(p);
  if (askYesNo) return { type: 'call', name: 'ask_user', args: { questions: [{ question: askYesNo[1], header: 'Confirm', type: 'yesno' }] } };
  const askMulti = /^ASKMULTI ([^|]+?(?:\|[^|]+)+)$/.exec(p);
  if (askMulti) return { type: 'call', name: 'ask_user', args: { questions: [askedQuestion(askMulti[1]!, 'Pick', true)] } };
  const askMany = /^ASKMANY ([\s\S]+)$/.exec(p);
  if (askMany) return { type: 'call', name: 'ask_user', args: { questions: askMany[1]!.split('||').map((spec, i) => askedQuestion(spec, `Q${i + 1}`)) } };
  const askText = /^ASKTEXT ([\s\S]+)$/.exec(p);
  if (askText)
    return {
      type: 'call',
      name: 'ask_user',
      args: { questions: [{ question: askText[1], header: 'Details', type: 'text', placeholder: 'Type your answer' }] },
    };
  return { type: 'text', text: `ECHO: ${req.prompt}` };
}

const STATUS_NAME: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

function sendError(res: ServerResponse, code: number, message: string, status = STATUS_NAME[code] ?? 'UNKNOWN'): void {
  const text = JSON.stringify({ error: { code, message, status } });
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const usage = (n: number) => ({ promptTokenCount: 100 + n, candidatesTokenCount: 5, totalTokenCount: 105 + n });

/** One GenerateContentResponse chunk. */
function chunk(model: string, n: number, parts: unknown[], finish: boolean): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts }, index: 0, ...(finish ? { finishReason: 'STOP' } : {}) }],
    usageMetadata: usage(n),
    modelVersion: model,
    responseId: `fake-response-${n}`,
  };
}

/** The reply's chunks: its text in up to 16 pieces, then the function call (if any) with the finish reason. */
function* pieces(reply: Exclude<GeminiReply, { type: 'error' }>): Generator<unknown[]> {
  const text = reply.text ?? '';
  const size = Math.ceil(text.length / Math.max(1, Math.min(16, text.length)));
  for (let i = 0; i < text.length; i += size) yield [{ text: text.slice(i, i + size) }];
  if (reply.type === 'call') yield [{ functionCall: { name: reply.name, args: reply.args } }];
}

async function streamReply(res: ServerResponse, n: number, model: string, reply: Exclude<GeminiReply, { type: 'error' }>): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const all = [...pieces(reply)];
  const delay = reply.type === 'text' && reply.streamMs ? reply.streamMs / all.length : 0;
  for (let i = 0; i < all.length; i++) {
    if (delay) await pause(delay, res);
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(chunk(model, n, all[i]!, i === all.length - 1))}\r\n\r\n`);
  }
  res.end();
}

function sendJson(res: ServerResponse, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const ROUTE = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/;

export async function startFakeGemini(opts: { apiKey?: string; log?: (line: string) => void } = {}): Promise<FakeGemini> {
  const apiKey = opts.apiKey ?? 'fake-gemini-key';
  const requests: GeminiRequest[] = [];
  const rules: GeminiRule[] = [];
  const log = opts.log ?? (() => {});

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = ROUTE.exec(url.pathname);
    log(`${req.method} ${url.pathname}${url.search}`);
    if (req.method !== 'POST' || !route) return sendError(res, 404, `Method not found: ${req.method} ${url.pathname}`);
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key');
    if (!key)
      return sendError(
        res,
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    if (key !== apiKey) return sendError(res, 400, 'API key not valid. Please pass a valid API key.');
    const method = route[2] as GeminiRequest['method'];
    if (method === 'streamGenerateContent' && url.searchParams.get('alt') !== 'sse')
      return sendError(res, 400, 'this fake streams only Server-Sent Events: add ?alt=sse');
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
      checkRequest(body, method);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. ${(err as Error).message}`);
      log(`rejected: ${e.message}`);
      requests.push({
        n: requests.length + 1,
        at: Date.now(),
        model: route[1]!,
        method,
        body: isObject(body) ? body : {},
        kind: 'turn',
        prompt: '',
        tools: [],
        outcome: 'rejected',
      });
      return sendError(res, e.code, e.message, e.status);
    }
    const rec: GeminiRequest = {
      n: requests.length + 1,
      at: Date.now(),
      model: decodeURIComponent(route[1]!),
      method,
      body,
      ...analyse(body, method),
      outcome: 'pending',
    };
    requests.push(rec);
    if (method === 'countTokens') {
      rec.outcome = 'completed';
      return sendJson(res, { totalTokens: Math.ceil(JSON.stringify(body).length / 4) });
    }
    let reply: GeminiReply | undefined;
    for (const rule of [...rules].reverse()) if ((reply = rule(rec))) break;
    reply ??= builtInReply(rec);
    rec.reply = reply;
    log(`#${rec.n} ${method} ${rec.kind} ${JSON.stringify(rec.prompt.slice(0, 60))} -> ${reply.type}`);
    res.once('close', () => {
      if (rec.outcome === 'pending') rec.outcome = 'client-closed';
    });
    if (reply.type === 'error') {
      rec.outcome = 'completed';
      return sendError(res, reply.status, reply.message);
    }
    if (method === 'generateContent') {
      // Unstreamed, the text is one part (the streamed pieces joined), then the call.
      const parts: unknown[] = reply.text || reply.type !== 'call' ? [{ text: reply.text ?? '' }] : [];
      if (reply.type === 'call') parts.push({ functionCall: { name: reply.name, args: reply.args } });
      sendJson(res, chunk(rec.model, rec.n, parts, true));
      rec.outcome = 'completed';
      return;
    }
    await streamReply(res, rec.n, rec.model, reply);
    if (res.writableFinished) rec.outcome = 'completed';
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      log(`fake error: ${err.message}`);
      if (!res.headersSent) sendError(res, 500, err.message);
      else res.destroy();
    });
  });
  const listening = await listenLoopback(server);
  return {
    url: listening.url,
    apiKey,
    requests,
    script(rule) {
      rules.push(rule);
      return () => {
        const i = rules.indexOf(rule);
        if (i >= 0) rules.splice(i, 1);
      };
    },
    waitForRequest: (match, timeoutMs = 30_000) => waitFor(() => requests.find(match), { timeoutMs, what: 'a matching Gemini API request' }),
    close: listening.close,
  };
}
