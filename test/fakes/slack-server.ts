import { createServer } from 'node:http';
import { listenLoopback, readJson } from './http.js';

/**
 * A local Slack Web API and incoming webhook: POST /api/chat.postMessage and /api/auth.test with a
 * Bearer bot token (`{ok:true,...}` or `{ok:false,error}` with HTTP 200, as Slack does; 429 with
 * Retry-After when rate limited), POST /hooks/... for the incoming webhook (answers "ok"), and
 * POST /actions/... as the response_url of a button press (replace_original). Block Kit blocks are
 * checked against Slack's limits (a section's text at most 3000 characters: invalid_blocks); a
 * message's `text` is kept to its first 40,000 characters, as Slack truncates it. GET
 * /api/conversations.history (query arguments) lists the bot's posts in a channel, newest first, with
 * their metadata when include_all_metadata=true.
 */

/** chat.postMessage and chat.update keep this much of `text` and drop the rest (Slack's documented truncation). */
const TEXT_KEPT = 40_000;

export interface SlackPost {
  channel: string;
  text: string;
  ts: string;
  via: 'web-api' | 'webhook';
  blocks?: SlackBlock[];
  /** Message metadata posted with it (returned by conversations.history with include_all_metadata). */
  metadata?: unknown;
  at: number;
}

export interface SlackBlock {
  type: string;
  text?: { type: string; text: string };
  elements?: { type: string; action_id: string; text: { type: string; text: string }; value: string; style?: string }[];
}

/** What Slack would refuse in blocks (invalid_blocks), or undefined. */
function blocksProblem(blocks: SlackBlock[]): string | undefined {
  if (!Array.isArray(blocks) || blocks.length > 50) return 'blocks: at most 50';
  for (const b of blocks) {
    if (b.type === 'section' && (!b.text?.text || b.text.text.length > 3000)) return 'section text 1-3000 characters';
    if (b.type === 'actions') {
      const els = b.elements ?? [];
      if (els.length < 1 || els.length > 25) return 'actions: 1-25 elements';
      if (new Set(els.map((e) => e.action_id)).size !== els.length) return 'action_id must be unique';
      if (
        els.some(
          (e) =>
            e.type !== 'button' ||
            e.text?.type !== 'plain_text' ||
            !e.text.text ||
            e.text.text.length > 75 ||
            (e.value ?? '').length > 2000 ||
            (e.style !== undefined && !['primary', 'danger'].includes(e.style)),
        )
      )
        return 'button: plain_text 1-75, value <= 2000, style primary|danger';
    }
  }
  return undefined;
}

export interface FakeSlack {
  url: string;
  apiUrl: string;
  webhookUrl: string;
  token: string;
  posts: SlackPost[];
  /** chat.update calls that succeeded, in order. */
  updates: { channel: string; ts: string; text: string; blocks?: unknown }[];
  /** Messages replaced through a response_url, in order. */
  replaced: { path: string; text: string; replaceOriginal: boolean; blocks?: unknown; ephemeral: boolean }[];
  /** A response_url for a press (Slack gives one per interaction). */
  responseUrl(id: string): string;
  rateLimitNext(count: number, retryAfterSec: number): void;
  /** The next `count` chat.postMessage calls are taken (the message is posted) but their answer is lost: the connection drops. */
  loseAnswerNext(count: number): void;
  /** conversations.history answers missing_scope, as for an app without the channels:history scope. */
  denyHistory(): void;
  close(): Promise<void>;
}

export async function startFakeSlack(token = 'xoxb-test-0123456789'): Promise<FakeSlack> {
  let ts = 1_700_000_000;
  let limited = { count: 0, retryAfter: 0 };
  let lostAnswers = 0;
  let historyDenied = false;
  const fake = {
    token,
    posts: [] as SlackPost[],
    replaced: [] as FakeSlack['replaced'],
    updates: [] as FakeSlack['updates'],
    rateLimitNext(count: number, retryAfterSec: number) {
      limited = { count, retryAfter: retryAfterSec };
    },
    loseAnswerNext(count: number) {
      lostAnswers = count;
    },
    denyHistory() {
      historyDenied = true;
    },
  };
  const server = createServer(async (req, res) => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0]!;
    const body = await readJson(req).catch(() => undefined);
    const badBlocks = body?.blocks === undefined ? undefined : blocksProblem(body.blocks as SlackBlock[]);
    if (path.startsWith('/actions/')) {
      if (!body?.text) return (res.writeHead(400), res.end('no_text'));
      fake.replaced.push({
        path,
        text: String(body.text),
        replaceOriginal: body.replace_original === true,
        blocks: body.blocks,
        ephemeral: body.response_type === 'ephemeral',
      });
      return json(200, { ok: true });
    }
    if (path.startsWith('/hooks/')) {
      if (!body?.text) return (res.writeHead(400), res.end('no_text'));
      if (badBlocks) return (res.writeHead(400), res.end('invalid_blocks'));
      fake.posts.push({
        channel: 'webhook',
        text: String(body.text),
        ts: String(ts++),
        via: 'webhook',
        blocks: body.blocks as SlackBlock[] | undefined,
        at: performance.timeOrigin + performance.now(),
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('ok');
    }
    if (req.headers.authorization !== `Bearer ${token}`) return json(200, { ok: false, error: 'invalid_auth' });
    if (limited.count > 0) {
      limited.count--;
      return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limited.retryAfter) });
    }
    if (path === '/api/auth.test')
      return json(200, { ok: true, url: 'https://test.slack.com/', team: 'Test Team', user: 'aegis', team_id: 'T000', user_id: 'U0BOT' });
    if (path === '/api/chat.postMessage') {
      if (!body?.channel) return json(200, { ok: false, error: 'channel_not_found' });
      if (!body.text) return json(200, { ok: false, error: 'no_text' });
      if (badBlocks) return json(200, { ok: false, error: 'invalid_blocks', errors: [badBlocks] });
      const post: SlackPost = {
        channel: String(body.channel),
        text: String(body.text).slice(0, TEXT_KEPT),
        ts: `${ts++}.000100`,
        via: 'web-api',
        blocks: body.blocks as SlackBlock[] | undefined,
        metadata: body.metadata,
        at: performance.timeOrigin + performance.now(),
      };
      fake.posts.push(post);
      if (lostAnswers > 0) {
        lostAnswers--;
        return res.destroy();
      }
      return json(200, { ok: true, channel: post.channel, ts: post.ts, message: { text: post.text, type: 'message', bot_id: 'B0BOT' } });
    }
    if (path === '/api/conversations.history') {
      // A read method: arguments in the query string; newest first; metadata only when asked for.
      const q = new URL(req.url ?? '/', 'http://fake').searchParams;
      if (historyDenied) return json(200, { ok: false, error: 'missing_scope', needed: 'channels:history', provided: 'chat:write' });
      const channel = q.get('channel');
      if (!channel) return json(200, { ok: false, error: 'channel_not_found' });
      const limit = Math.min(Number(q.get('limit') ?? 100) || 100, 999);
      const withMetadata = q.get('include_all_metadata') === 'true';
      const messages = fake.posts
        .filter((p) => p.via === 'web-api' && p.channel === channel)
        .reverse()
        .slice(0, limit)
        .map((p) => ({ type: 'message', text: p.text, ts: p.ts, bot_id: 'B0BOT', ...(withMetadata && p.metadata ? { metadata: p.metadata } : {}) }));
      return json(200, { ok: true, messages, has_more: false });
    }
    if (path === '/api/chat.update') {
      // Only a message the bot posted, found by channel and ts; text required; blocks checked like a new post.
      const post = fake.posts.find((x) => x.via === 'web-api' && x.channel === body?.channel && x.ts === body?.ts);
      if (!body?.channel) return json(200, { ok: false, error: 'channel_not_found' });
      if (!post) return json(200, { ok: false, error: 'message_not_found' });
      if (!body.text && !(body.blocks as unknown[] | undefined)?.length) return json(200, { ok: false, error: 'no_text' });
      if (badBlocks) return json(200, { ok: false, error: 'invalid_blocks', errors: [badBlocks] });
      post.text = String(body.text).slice(0, TEXT_KEPT);
      if (body.blocks !== undefined) post.blocks = body.blocks as SlackBlock[];
      fake.updates.push({ channel: post.channel, ts: post.ts, text: post.text, blocks: post.blocks });
      return json(200, { ok: true, channel: post.channel, ts: post.ts, text: post.text });
    }
    json(404, { ok: false, error: 'unknown_method' });
  });
  const { url, close } = await listenLoopback(server);
  return Object.assign(fake, {
    url,
    apiUrl: `${url}/api`,
    webhookUrl: `${url}/hooks/T000/B000/XXXXXXXX`,
    responseUrl: (id: string) => `${url}/actions/T000/${id}/token`,
    close,
  });
}
