import { sign, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import { listenLoopback, readJson } from './http.js';

/**
 * A local Discord REST API (v10 shapes): `Authorization: Bot <token>`, GET
 * /channels/{id}/messages?after=&limit= (newest first, like Discord), POST /channels/{id}/messages
 * (content up to 2000 characters; `nonce` up to 25 characters, and with `enforce_nonce` a nonce the
 * bot used in the last few minutes returns that message instead of posting another, as Discord
 * documents), GET /users/@me, and 429 answers with `retry_after` in seconds.
 * Snowflakes are increasing numeric strings. Tests post as users with userPosts().
 */

export interface DiscordMessage {
  id: string;
  channel_id: string;
  content: string;
  author: { id: string; username: string; bot?: boolean };
  timestamp: string;
  embeds?: unknown[];
  components?: ActionRow[];
  allowed_mentions?: unknown;
  nonce?: string | number;
}

/** How long Discord remembers a nonce for enforce_nonce: "the past few minutes" (it gives no number). */
const NONCE_WINDOW_MS = 5 * 60_000;

export interface ActionRow {
  type: number;
  components: { type: number; style: number; label: string; custom_id: string }[];
}

/** What Discord would refuse in message components (its documented limits), or undefined. */
function componentsProblem(rows: ActionRow[]): string | undefined {
  if (!Array.isArray(rows) || rows.length > 5) return 'components: at most 5 action rows';
  const ids: string[] = [];
  for (const row of rows) {
    if (row.type !== 1 || !Array.isArray(row.components) || row.components.length < 1 || row.components.length > 5)
      return 'each action row: type 1 with 1-5 components';
    for (const b of row.components) {
      if (b.type !== 2 || ![1, 2, 3, 4].includes(b.style) || !b.label || b.label.length > 80 || !b.custom_id || b.custom_id.length > 100)
        return 'each button: type 2, style 1-4, label 1-80, custom_id 1-100 characters';
      ids.push(b.custom_id);
    }
  }
  return new Set(ids).size === ids.length ? undefined : 'custom_id must be unique in a message';
}

/**
 * An interactions-endpoint request as Discord sends it: Ed25519 signature of timestamp + body with
 * the application's private key, in X-Signature-Ed25519 / X-Signature-Timestamp.
 */
export function signedInteraction(
  privateKey: KeyObject,
  payload: unknown,
  opts: { timestamp?: number } = {},
): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(payload);
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const sig = sign(null, Buffer.from(ts + body), privateKey).toString('hex');
  return { headers: { 'content-type': 'application/json', 'x-signature-ed25519': sig, 'x-signature-timestamp': ts }, body };
}

/** A button press (interaction type 3, MESSAGE_COMPONENT) by a guild member. */
export function buttonPress(
  userId: string,
  channelId: string,
  messageId: string,
  customId: string,
  id = String(Date.now()) + String(Math.random()).slice(2, 8),
): Record<string, unknown> {
  return {
    id,
    type: 3,
    application_id: '5000',
    channel_id: channelId,
    guild_id: '6000',
    token: 'interaction-token',
    version: 1,
    member: { user: { id: userId, username: `user${userId}` } },
    message: { id: messageId },
    data: { custom_id: customId, component_type: 2 },
  };
}

export interface FakeDiscord {
  url: string;
  token: string;
  botId: string;
  messages: DiscordMessage[];
  /** Edit Message calls that succeeded, in order. */
  edited: { id: string; channel_id: string; content: string; components?: ActionRow[] }[];
  /** Bot posts, in order. */
  posted: (DiscordMessage & { at: number })[];
  /** A user posts; `at` (ms) is the message's timestamp, now unless given: a message posted while no one polled. */
  userPosts(channelId: string, userId: string, content: string, at?: number): string;
  /** The next `count` requests answer 429 with this retry_after (seconds). */
  rateLimitNext(count: number, retryAfter: number): void;
  /** The next `count` posts are taken (the message is made) but their answer is lost: the connection drops, as after a client's timeout. */
  loseAnswerNext(count: number): void;
  close(): Promise<void>;
}

export async function startFakeDiscord(token = 'discord-bot-token-0123456789'): Promise<FakeDiscord> {
  let seq = 1_000_000_000_000_000n;
  const nextId = () => String((seq += 1_000n));
  let limited = { count: 0, retryAfter: 0 };
  let lostAnswers = 0;
  const fake = {
    token,
    botId: '9001',
    messages: [] as DiscordMessage[],
    edited: [] as FakeDiscord['edited'],
    posted: [] as (DiscordMessage & { at: number })[],
    userPosts(channelId: string, userId: string, content: string, at = Date.now()): string {
      const m: DiscordMessage = {
        id: nextId(),
        channel_id: channelId,
        content,
        author: { id: userId, username: `user${userId}` },
        timestamp: new Date(at).toISOString(),
      };
      fake.messages.push(m);
      return m.id;
    },
    rateLimitNext(count: number, retryAfter: number) {
      limited = { count, retryAfter };
    },
    loseAnswerNext(count: number) {
      lostAnswers = count;
    },
  };
  const server = createServer(async (req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bot ${token}`) return answer(401, { message: '401: Unauthorized', code: 0 });
    if (limited.count > 0) {
      limited.count--;
      res.setHeader('retry-after', String(Math.ceil(limited.retryAfter)));
      return answer(429, { message: 'You are being rate limited.', retry_after: limited.retryAfter, global: false });
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/users/@me') return answer(200, { id: fake.botId, username: 'aegis-bot', bot: true });
    const one = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(url.pathname);
    if (one && req.method === 'PATCH') {
      // Edit Message: only the bot's own messages; the same limits as a new message.
      const msg = fake.messages.find((x) => x.channel_id === one[1] && x.id === one[2]);
      if (!msg) return answer(404, { message: 'Unknown Message', code: 10008 });
      if (msg.author?.id !== fake.botId) return answer(403, { message: 'Cannot edit a message authored by another user', code: 50005 });
      const body = await readJson(req);
      const content = body.content === undefined ? msg.content : String(body.content);
      if (content.length > 2000)
        return answer(400, {
          message: 'Invalid Form Body',
          code: 50035,
          errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
        });
      const bad = body.components === undefined ? undefined : componentsProblem(body.components as ActionRow[]);
      if (bad) return answer(400, { message: 'Invalid Form Body', code: 50035, errors: { components: { _errors: [{ code: 'INVALID', message: bad }] } } });
      msg.content = content;
      if (body.components !== undefined) msg.components = body.components as ActionRow[];
      fake.edited.push({ id: msg.id, channel_id: msg.channel_id, content, components: msg.components });
      return answer(200, msg);
    }
    const m = /^\/channels\/(\d+)\/messages$/.exec(url.pathname);
    if (!m) return answer(404, { message: '404: Not Found', code: 0 });
    const channelId = m[1]!;
    if (req.method === 'GET') {
      const after = BigInt(url.searchParams.get('after') ?? '0');
      const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 50));
      const list = fake.messages.filter((x) => x.channel_id === channelId && BigInt(x.id) > after).sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
      // With `after`, Discord returns the oldest `limit` messages after it, newest first.
      const page = url.searchParams.has('after') ? list.slice(-limit) : list.slice(0, limit);
      return answer(200, page);
    }
    if (req.method === 'POST') {
      const body = await readJson(req);
      const content = String(body.content ?? '');
      if (!content && !(body.embeds as unknown[] | undefined)?.length) return answer(400, { message: 'Cannot send an empty message', code: 50006 });
      const bad = body.components === undefined ? undefined : componentsProblem(body.components as ActionRow[]);
      if (bad) return answer(400, { message: 'Invalid Form Body', code: 50035, errors: { components: { _errors: [{ code: 'INVALID', message: bad }] } } });
      if (content.length > 2000)
        return answer(400, {
          message: 'Invalid Form Body',
          code: 50035,
          errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
        });
      const nonce = body.nonce as string | number | undefined;
      if (nonce !== undefined && String(nonce).length > 25)
        return answer(400, {
          message: 'Invalid Form Body',
          code: 50035,
          errors: { nonce: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] } },
        });
      const since = new Date(Date.now() - NONCE_WINDOW_MS).toISOString();
      const same =
        body.enforce_nonce === true && nonce !== undefined
          ? fake.messages.find((x) => x.author.id === fake.botId && x.nonce !== undefined && String(x.nonce) === String(nonce) && x.timestamp >= since)
          : undefined;
      if (same) return answer(200, same);
      const msg: DiscordMessage = {
        id: nextId(),
        channel_id: channelId,
        content,
        author: { id: fake.botId, username: 'aegis-bot', bot: true },
        timestamp: new Date().toISOString(),
        embeds: body.embeds as unknown[],
        components: body.components as ActionRow[] | undefined,
        allowed_mentions: body.allowed_mentions,
        nonce,
      };
      fake.messages.push(msg);
      fake.posted.push({ ...msg, at: performance.timeOrigin + performance.now() });
      if (lostAnswers > 0) {
        lostAnswers--;
        return res.destroy();
      }
      return answer(200, msg);
    }
    answer(405, { message: '405: Method Not Allowed', code: 0 });
  });
  return Object.assign(fake, await listenLoopback(server));
}
