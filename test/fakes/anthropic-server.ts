/**
 * A fake Anthropic Messages API for running the real Claude Code offline (FINDINGS.md §2-3).
 * It speaks the real wire protocol on 127.0.0.1: SSE streams for `POST /v1/messages?beta=true`,
 * JSON for non-streamed calls, the error body for failures, 200 for the start-up `HEAD /` and for
 * anything else Claude might ask (count_tokens, /v1/models). What it answers is decided by the
 * directives in the user's prompt (see anthropic-script.ts) or by rules a test adds with `script()`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLoopback, pause, readBody } from './http.js';
import { waitFor } from '../helpers/wait.js';
import { analyseRequest, type AnalysedRequest, type CallKind } from './anthropic-request.js';
import { builtInReply, type Reply } from './anthropic-script.js';
import {
  encodeSse,
  errorBody,
  errorTypeFor,
  outputTokensOf,
  roughTokens,
  stopReasonOf,
  streamEvents,
  toWireBlocks,
  usage,
  wireId,
  type Usage,
  type WireMessage,
} from './anthropic-wire.js';

export type { Reply } from './anthropic-script.js';
export { textReply, toolReply, errorReply } from './anthropic-script.js';

/** One request as the fake saw it. Secrets (x-api-key, authorization) are never kept. */
export interface RecordedRequest extends Omit<AnalysedRequest, 'kind' | 'model' | 'stream'> {
  /** 1-based arrival order. */
  n: number;
  /** Date.now() at arrival. */
  at: number;
  method: string;
  path: string;
  /** The query string with its `?`, or ''. */
  query: string;
  headers: { userAgent?: string; sessionId?: string; beta?: string };
  /** Parsed JSON body, when there was one. */
  body?: Record<string, unknown>;
  /** title / aux / main for Messages calls; 'other' for everything else. */
  kind: CallKind | 'other';
  model?: string;
  stream?: boolean;
  /** What was sent back, and whether a test rule or the built-in script chose it. */
  reply?: Reply;
  via?: 'rule' | 'built-in';
  /** The usage the reply reported (Messages calls answered with a message). */
  usage?: Usage;
  /** `client-closed`: Claude dropped the connection before the reply ended (Esc / Ctrl+C). */
  outcome: 'pending' | 'completed' | 'client-closed';
}

/** A test's override: return a Reply to answer this request, or undefined to fall through. */
export type ScriptRule = (req: RecordedRequest) => Reply | undefined;

export interface FakeAnthropic {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Adds a rule tried before the built-in script (newest rule first). Returns its remover. */
  script(rule: ScriptRule): () => void;
  /** Resolves with the first recorded request that matches, polling until `timeoutMs` passes. */
  waitForRequest(match: (req: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export interface FakeAnthropicOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** One line per request and reply, e.g. `console.error` for the standalone server. */
  log?: (line: string) => void;
}

const MODELS = [
  { type: 'model', id: 'claude-opus-4-8', display_name: 'Claude Opus 4.8', created_at: '2026-01-01T00:00:00Z' },
  { type: 'model', id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z' },
];

/** Deltas of a slow stream come about this often, so the screen shows text growing. */
const SLOW_TICK_MS = 50;
/** Even an instant reply comes in several deltas, as from the real API, so the client must join them. */
const FAST_PIECES = 16;

function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'request-id': requestId });
  res.end(text);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = [];
  const rules: ScriptRule[] = [];
  const log = opts.log ?? (() => {});

  function choose(rec: RecordedRequest, call: AnalysedRequest): { reply: Reply; via: 'rule' | 'built-in' } {
    for (const rule of [...rules].reverse()) {
      const reply = rule(rec);
      if (reply) return { reply, via: 'rule' };
    }
    return { reply: builtInReply(call), via: 'built-in' };
  }

  async function answerMessages(rec: RecordedRequest, call: AnalysedRequest, res: ServerResponse, requestId: string): Promise<void> {
    const { reply, via } = choose(rec, call);
    rec.reply = reply;
    rec.via = via;
    log(`#${rec.n} ${rec.kind} ${JSON.stringify(rec.prompt.slice(0, 80))} -> ${describe(reply)} (${via})`);
    if (reply.type === 'message' && reply.delayMs) await pause(reply.delayMs, res);
    if (res.destroyed) return;
    if (reply.type === 'error') {
      sendJson(res, reply.status, errorBody(reply.status, reply.message, requestId, reply.errorType ?? errorTypeFor(reply.status)), requestId);
      return;
    }
    const content = toWireBlocks(reply.content);
    const message: WireMessage = {
      id: wireId('msg'),
      type: 'message',
      role: 'assistant',
      model: rec.model || 'claude-opus-4-8',
      content,
      stop_reason: stopReasonOf(content),
      stop_sequence: null,
      usage: usage(roughTokens(JSON.stringify(rec.body?.messages ?? [])), outputTokensOf(content)),
    };
    rec.usage = message.usage;
    if (!rec.stream) {
      sendJson(res, 200, message, requestId);
      return;
    }
    const slowMs = reply.streamMs ?? 0;
    const events = streamEvents(message, slowMs > 0 ? Math.max(1, Math.ceil(slowMs / SLOW_TICK_MS / Math.max(1, content.length))) : FAST_PIECES);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': requestId,
    });
    if (slowMs <= 0) {
      res.end(events.map(encodeSse).join(''));
      return;
    }
    const deltas = events.filter((e) => e.event === 'content_block_delta').length;
    const gap = slowMs / (deltas + 1);
    for (const e of events) {
      if (e.event === 'content_block_delta') await pause(gap, res);
      if (res.destroyed) return;
      res.write(encodeSse(e));
    }
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const requestId = wireId('req');
    const raw = await readBody(req);
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = raw === '' ? undefined : JSON.parse(raw);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    const isMessages = req.method === 'POST' && url.pathname === '/v1/messages';
    const call = isMessages && body ? analyseRequest(body) : undefined;
    const rec: RecordedRequest = {
      n: requests.length + 1,
      at: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      headers: { userAgent: header(req, 'user-agent'), sessionId: header(req, 'x-claude-code-session-id'), beta: header(req, 'anthropic-beta') },
      body,
      ...(call ?? { kind: 'other', prompt: '', queuedPrompts: [], toolResults: [], turnPrompt: '', turnToolUses: [] }),
      outcome: 'pending',
    };
    requests.push(rec);
    res.on('close', () => {
      rec.outcome = res.writableFinished ? 'completed' : 'client-closed';
      if (rec.outcome === 'client-closed') log(`#${rec.n} client closed the stream early`);
    });

    if (req.method === 'HEAD') {
      res.writeHead(200, { 'request-id': requestId });
      res.end();
    } else if (isMessages && !call) {
      sendJson(res, 400, errorBody(400, 'request body is not a JSON object', requestId), requestId);
    } else if (call) {
      await answerMessages(rec, call, res, requestId);
    } else if (url.pathname === '/v1/messages/count_tokens') {
      sendJson(res, 200, { input_tokens: roughTokens(raw) }, requestId);
    } else if (url.pathname === '/v1/models') {
      sendJson(res, 200, { data: MODELS, has_more: false, first_id: MODELS[0]?.id, last_id: MODELS.at(-1)?.id }, requestId);
    } else {
      sendJson(res, 200, {}, requestId);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`fake Anthropic failed on ${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, errorBody(500, 'fake server error', wireId('req')), wireId('req'));
      else res.destroy();
    });
  });
  const listening = await listenLoopback(server, opts.port);
  const port = Number(new URL(listening.url).port);

  return {
    url: listening.url,
    port,
    requests,
    script(rule) {
      rules.push(rule);
      return () => {
        const i = rules.indexOf(rule);
        if (i >= 0) rules.splice(i, 1);
      };
    },
    waitForRequest(match, timeoutMs = 10_000) {
      return waitFor(() => requests.find(match), { timeoutMs, what: 'a matching request to the fake Anthropic API' });
    },
    close: listening.close,
  };
}

function describe(reply: Reply): string {
  if (reply.type === 'error') return `HTTP ${reply.status} ${reply.message}`;
  return reply.content.map((b) => (b.type === 'text' ? `text ${JSON.stringify(b.text.slice(0, 60))}` : `tool_use ${b.name}`)).join(' + ');
}
