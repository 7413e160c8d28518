import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Slack Web API and incoming webhook: POST /api/chat.postMessage and /api/auth.test with a
 * Bearer bot token (`{ok:true,...}` or `{ok:false,error}` with HTTP 200, as Slack does; 429 with
 * Retry-After when rate limited), and POST /hooks/... for the incoming webhook (answers "ok").
 */

export interface SlackPost {
  channel: string;
  text: string;
  ts: string;
  via: 'web-api' | 'webhook';
  at: number;
}

export interface FakeSlack {
  url: string;
  apiUrl: string;
  webhookUrl: string;
  token: string;
  posts: SlackPost[];
  rateLimitNext(count: number, retryAfterSec: number): void;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

export async function startFakeSlack(token = 'xoxb-test-0123456789'): Promise<FakeSlack> {
  let ts = 1_700_000_000;
  let limited = { count: 0, retryAfter: 0 };
  const fake = {
    token,
    posts: [] as SlackPost[],
    rateLimitNext(count: number, retryAfterSec: number) {
      limited = { count, retryAfter: retryAfterSec };
    },
  };
  const server = createServer(async (req, res) => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0]!;
    const body = await readJson(req).catch(() => undefined);
    if (path.startsWith('/hooks/')) {
      if (!body?.text) return (res.writeHead(400), res.end('no_text'));
      fake.posts.push({ channel: 'webhook', text: String(body.text), ts: String(ts++), via: 'webhook', at: performance.timeOrigin + performance.now() });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('ok');
    }
    if (req.headers.authorization !== `Bearer ${token}`) return json(200, { ok: false, error: 'invalid_auth' });
    if (limited.count > 0) {
      limited.count--;
      return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limited.retryAfter) });
    }
    if (path === '/api/auth.test') return json(200, { ok: true, url: 'https://test.slack.com/', team: 'Test Team', user: 'aegis', team_id: 'T000', user_id: 'U0BOT' });
    if (path === '/api/chat.postMessage') {
      if (!body?.channel) return json(200, { ok: false, error: 'channel_not_found' });
      if (!body.text) return json(200, { ok: false, error: 'no_text' });
      const post: SlackPost = { channel: String(body.channel), text: String(body.text), ts: `${ts++}.000100`, via: 'web-api', at: performance.timeOrigin + performance.now() };
      fake.posts.push(post);
      return json(200, { ok: true, channel: post.channel, ts: post.ts, message: { text: post.text, type: 'message', bot_id: 'B0BOT' } });
    }
    json(404, { ok: false, error: 'unknown_method' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    url,
    apiUrl: `${url}/api`,
    webhookUrl: `${url}/hooks/T000/B000/XXXXXXXX`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
