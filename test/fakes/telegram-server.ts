import { createServer, type ServerResponse } from 'node:http';
import { listenLoopback, readJson } from './http.js';

/**
 * A local Telegram Bot API that speaks the real wire format: `/bot<token>/<method>` with JSON
 * bodies, `{ok, result}` / `{ok:false, error_code, description, parameters}` answers, getUpdates long
 * polling with offset confirmation (and 409 when a second poll starts), sendMessage with HTML
 * parse_mode checked like Telegram does (bad tags or >4096 visible characters are a 400),
 * inline keyboards, answerCallbackQuery and editMessageReplyMarkup, editMessageText on a text message and
 * editMessageCaption on a photo or document (each refused on the other, as Telegram does), and setWebhook/deleteWebhook (while
 * a webhook is set, updates are pushed to it with the secret token and getUpdates answers 409). Tests
 * act as the user with userSays() and pressButton().
 */

export interface TgSent {
  method: string;
  chatId: string;
  messageId: number;
  text: string;
  parseMode?: string;
  buttons?: { text: string; callback_data: string }[][];
  photo?: string;
  document?: string;
  /** performance.timeOrigin + performance.now() when it arrived. */
  at: number;
}

export interface FakeTelegram {
  url: string;
  token: string;
  sent: TgSent[];
  callbackAnswers: { callback_query_id: string; text?: string; showAlert?: boolean }[];
  /** editMessageReplyMarkup, editMessageText and editMessageCaption calls that succeeded (text: the new text or caption). */
  edits: { method: string; chat_id: string; message_id: number; reply_markup?: unknown; text?: string }[];
  /** Every method called, in order. */
  calls: string[];
  /** A user writes in a chat; returns the update_id. `sentAt` (ms) is the message's date, now unless given: a message Telegram held while no one polled. */
  userSays(chatId: number | string, text: string, opts?: { userId?: number; updateId?: number; sentAt?: number }): number;
  /** A user presses an inline button under one of the bot's messages; returns the update_id. */
  pressButton(chatId: number | string, messageId: number, data: string, userId?: number): number;
  /** The same update delivered again (as after a restart before it was confirmed). */
  redeliver(updateId: number): void;
  /** The next `count` calls of `method` fail with this error. */
  failNext(method: string, count: number, error: { code: number; description: string; retryAfter?: number }): void;
  updateTimes: Map<number, number>;
  /** What setWebhook registered (undefined after deleteWebhook): while set, getUpdates answers 409. */
  webhook?: { url: string; secretToken?: string; allowedUpdates?: unknown };
  /**
   * Where pushed updates really go: the public webhook URL of a deployment is a proxy in front of
   * `ag serve`; here the test names the local URL. Updates are POSTed with the secret token header
   * and retried until a 2xx, as Telegram does.
   */
  forwardWebhookTo(url: string): void;
  /** Webhook deliveries: each POST and its HTTP status. */
  pushes: { updateId: number; status: number }[];
  /** An outage: the listener closes, so connections are refused, until `recover()` listens on the same port again. */
  goDown(): Promise<void>;
  recover(): Promise<void>;
  close(): Promise<void>;
}

interface Update {
  update_id: number;
  [k: string]: unknown;
}

const now = () => performance.timeOrigin + performance.now();
const ALLOWED_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'a', 'tg-spoiler', 'blockquote', 'span']);

/** Telegram's HTML check: known tags, properly nested; returns the visible text or an error. */
function parseHtml(text: string): { visible: string } | { error: string } {
  const stack: string[] = [];
  let visible = '';
  const re = /<(\/?)([a-z-]+)[^>]*>|&(lt|gt|amp|quot|#\d+);|([<>&])|([^<>&]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m[2]) {
      if (!ALLOWED_TAGS.has(m[2])) return { error: `Bad Request: can't parse entities: Unsupported start tag "${m[2]}"` };
      if (m[1]) {
        if (stack.pop() !== m[2]) return { error: `Bad Request: can't parse entities: Unmatched end tag "${m[2]}"` };
      } else stack.push(m[2]);
    } else if (m[3]) visible += 'x';
    else if (m[4]) return { error: `Bad Request: can't parse entities: unescaped "${m[4]}"` };
    else visible += m[5];
  }
  if (stack.length) return { error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"` };
  return { visible };
}

/**
 * `clockOffsetMs`: Telegram's clock minus this machine's (a machine whose clock is off sees messages
 * dated and answers stamped by a clock other than its own).
 */
export async function startFakeTelegram(token = '123456:TEST-token_abcdefghijklmnop', opts: { clockOffsetMs?: number } = {}): Promise<FakeTelegram> {
  const clockOffsetMs = opts.clockOffsetMs ?? 0;
  const clock = () => Date.now() + clockOffsetMs;
  const updates: Update[] = [];
  let nextUpdateId = 1000;
  const messageIds = new Map<string, number>();
  /** What each message of the bot shows now: its text (a photo's or document's caption) and inline keyboard (JSON), by chat:message_id. */
  const current = new Map<string, { text: string; markup: string; media: boolean }>();
  const failures = new Map<string, { count: number; error: { code: number; description: string; retryAfter?: number } }>();
  let waiting: { offset: number; res: ServerResponse; timer: NodeJS.Timeout } | undefined;
  const fake: Omit<FakeTelegram, 'url' | 'close' | 'goDown' | 'recover'> & Partial<Pick<FakeTelegram, 'url' | 'close' | 'goDown' | 'recover'>> = {
    token,
    sent: [],
    callbackAnswers: [],
    edits: [],
    calls: [],
    updateTimes: new Map(),
    userSays(chatId, text, opts = {}) {
      const id = opts.updateId ?? nextUpdateId++;
      const userId = opts.userId ?? Number(chatId);
      push({
        update_id: id,
        message: {
          message_id: id,
          from: { id: userId, is_bot: false, first_name: 'Tess', username: 'tess' },
          chat: { id: Number(chatId), type: 'private' },
          date: Math.floor(((opts.sentAt ?? Date.now()) + clockOffsetMs) / 1000),
          text,
        },
      });
      return id;
    },
    pressButton(chatId, messageId, data, userId) {
      const id = nextUpdateId++;
      const from = { id: userId ?? Number(chatId), is_bot: false, first_name: 'Tess' };
      push({
        update_id: id,
        callback_query: {
          id: `cb${id}`,
          from,
          chat_instance: 'ci',
          data,
          message: { message_id: messageId, chat: { id: Number(chatId), type: 'private' }, date: 0, text: '' },
        },
      });
      return id;
    },
    redeliver(updateId) {
      const u = delivered.get(updateId);
      if (u) push(u);
    },
    failNext(method, count, error) {
      failures.set(method, { count, error });
    },
    pushes: [],
    forwardWebhookTo(url) {
      forwardTo = url;
      for (const u of [...updates]) void deliver(u);
    },
  };
  let forwardTo: string | undefined;

  /** Pushes one update to the webhook; on anything but a 2xx, tries again (Telegram keeps retrying). */
  async function deliver(u: Update, attempt = 1): Promise<void> {
    const hook = fake.webhook;
    if (!hook || !forwardTo) return;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (hook.secretToken) headers['x-telegram-bot-api-secret-token'] = hook.secretToken;
    const status = await fetch(forwardTo, { method: 'POST', headers, body: JSON.stringify(u) }).then(
      (r) => r.status,
      () => 0,
    );
    fake.pushes.push({ updateId: u.update_id, status });
    if (status >= 200 && status < 300) {
      const i = updates.indexOf(u);
      if (i >= 0) updates.splice(i, 1);
    } else if (attempt < 5) setTimeout(() => void deliver(u, attempt + 1), 100 * attempt);
  }
  const delivered = new Map<number, Update>();

  function push(u: Update) {
    updates.push(u);
    delivered.set(u.update_id, u);
    fake.updateTimes.set(u.update_id, now());
    if (fake.webhook) return void deliver(u);
    if (waiting) {
      const w = waiting;
      const ready = updates.filter((x) => x.update_id >= w.offset);
      if (ready.length) {
        waiting = undefined;
        clearTimeout(w.timer);
        reply(w.res, 200, { ok: true, result: ready.slice(0, 100) });
      }
    }
  }

  function reply(res: ServerResponse, status: number, body: unknown) {
    if (res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), date: new Date(clock()).toUTCString() });
    res.end(text);
  }

  const fail = (res: ServerResponse, code: number, description: string, retryAfter?: number) =>
    reply(res, code, { ok: false, error_code: code, description, ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}) });

  const server = createServer(async (req, res) => {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url?.split('?')[0] ?? '');
    if (!m) return fail(res, 404, 'Not Found');
    if (m[1] !== token) return fail(res, 401, 'Unauthorized');
    const method = m[2]!;
    let p: Record<string, unknown>;
    try {
      p = await readJson(req);
    } catch {
      return fail(res, 400, 'Bad Request: invalid JSON');
    }
    fake.calls.push(method);
    const f = failures.get(method);
    if (f && f.count > 0) {
      f.count--;
      return fail(res, f.error.code, f.error.description, f.error.retryAfter);
    }
    switch (method) {
      case 'getMe':
        return reply(res, 200, { ok: true, result: { id: 42, is_bot: true, first_name: 'Aegis test', username: 'aegis_test_bot' } });
      case 'setWebhook': {
        const url = String(p.url ?? '');
        if (!/^https:\/\//.test(url)) return fail(res, 400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        if (p.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(p.secret_token)))
          return fail(res, 400, 'Bad Request: secret token contains unallowed characters');
        fake.webhook = { url, secretToken: p.secret_token as string | undefined, allowedUpdates: p.allowed_updates };
        for (const u of [...updates]) void deliver(u);
        return reply(res, 200, { ok: true, result: true, description: 'Webhook was set' });
      }
      case 'deleteWebhook': {
        const had = !!fake.webhook;
        fake.webhook = undefined;
        return reply(res, 200, { ok: true, result: true, description: had ? 'Webhook was deleted' : 'Webhook is already deleted' });
      }
      case 'getUpdates': {
        if (fake.webhook) return fail(res, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
        const offset = typeof p.offset === 'number' ? p.offset : 0;
        // Everything below offset is confirmed and forgotten, as Telegram does.
        for (let i = updates.length - 1; i >= 0; i--) if (updates[i]!.update_id < offset) updates.splice(i, 1);
        if (waiting) {
          clearTimeout(waiting.timer);
          fail(waiting.res, 409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
          waiting = undefined;
        }
        const ready = updates.filter((u) => u.update_id >= offset);
        const timeout = typeof p.timeout === 'number' ? p.timeout : 0;
        if (ready.length || timeout === 0) return reply(res, 200, { ok: true, result: ready.slice(0, 100) });
        const timer = setTimeout(() => {
          waiting = undefined;
          reply(res, 200, { ok: true, result: [] });
        }, timeout * 1000);
        waiting = { offset, res, timer };
        req.on('close', () => {
          if (waiting?.res === res) {
            clearTimeout(timer);
            waiting = undefined;
          }
        });
        return;
      }
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument': {
        const chatId = String(p.chat_id ?? '');
        if (!chatId) return fail(res, 400, 'Bad Request: chat_id is empty');
        const text = String((method === 'sendMessage' ? p.text : p.caption) ?? '');
        if (method === 'sendMessage' && !text) return fail(res, 400, 'Bad Request: message text is empty');
        let visible = text;
        if (p.parse_mode === 'HTML') {
          const parsed = parseHtml(text);
          if ('error' in parsed) return fail(res, 400, parsed.error);
          visible = parsed.visible;
        }
        if (visible.length > (method === 'sendMessage' ? 4096 : 1024))
          return fail(res, 400, method === 'sendMessage' ? 'Bad Request: message is too long' : 'Bad Request: message caption is too long');
        const markup = p.reply_markup as { inline_keyboard?: { text: string; callback_data: string }[][] } | undefined;
        for (const b of markup?.inline_keyboard?.flat() ?? []) {
          if (!b.callback_data || Buffer.byteLength(b.callback_data) > 64) return fail(res, 400, 'Bad Request: BUTTON_DATA_INVALID');
        }
        const messageId = (messageIds.get(chatId) ?? 0) + 1;
        messageIds.set(chatId, messageId);
        current.set(`${chatId}:${messageId}`, { text, markup: JSON.stringify(markup?.inline_keyboard ?? []), media: method !== 'sendMessage' });
        fake.sent.push({
          method,
          chatId,
          messageId,
          text,
          parseMode: p.parse_mode as string | undefined,
          buttons: markup?.inline_keyboard,
          photo: p.photo as string | undefined,
          document: p.document as string | undefined,
          at: now(),
        });
        return reply(res, 200, {
          ok: true,
          result: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: 'private' }, text },
        });
      }
      case 'answerCallbackQuery':
        if (typeof p.text === 'string' && p.text.length > 200) return fail(res, 400, 'Bad Request: MESSAGE_TOO_LONG');
        fake.callbackAnswers.push({ callback_query_id: String(p.callback_query_id), text: p.text as string | undefined, showAlert: p.show_alert === true });
        return reply(res, 200, { ok: true, result: true });
      case 'editMessageReplyMarkup': {
        const shown = current.get(`${p.chat_id}:${p.message_id}`);
        if (!shown) return fail(res, 400, 'Bad Request: message to edit not found');
        const markup = JSON.stringify((p.reply_markup as { inline_keyboard?: unknown[] } | undefined)?.inline_keyboard ?? []);
        if (markup === shown.markup)
          return fail(
            res,
            400,
            'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          );
        shown.markup = markup;
        fake.edits.push({ method, chat_id: String(p.chat_id), message_id: Number(p.message_id), reply_markup: p.reply_markup });
        return reply(res, 200, { ok: true, result: true });
      }
      case 'editMessageText':
      case 'editMessageCaption': {
        // Only the bot's own messages in that chat; text of a text message, the caption of a photo or
        // document (each refused on the other); the same limits as sending; an edit that changes nothing is refused.
        const shown = current.get(`${p.chat_id}:${p.message_id}`);
        if (!shown) return fail(res, 400, 'Bad Request: message to edit not found');
        const caption = method === 'editMessageCaption';
        if (caption !== shown.media) return fail(res, 400, `Bad Request: there is no ${caption ? 'caption' : 'text'} in the message to edit`);
        const text = typeof p[caption ? 'caption' : 'text'] === 'string' ? String(p[caption ? 'caption' : 'text']) : '';
        if (!text && !caption) return fail(res, 400, 'Bad Request: message text is empty');
        const parsed = p.parse_mode === 'HTML' ? parseHtml(text) : { visible: text };
        if ('error' in parsed) return fail(res, 400, parsed.error);
        if (parsed.visible.length > (caption ? 1024 : 4096))
          return fail(res, 400, caption ? 'Bad Request: message caption is too long' : 'Bad Request: MESSAGE_TOO_LONG');
        const markup = JSON.stringify((p.reply_markup as { inline_keyboard?: unknown[] } | undefined)?.inline_keyboard ?? []);
        if (text === shown.text && markup === shown.markup)
          return fail(
            res,
            400,
            'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          );
        Object.assign(shown, { text, markup });
        fake.edits.push({ method, chat_id: String(p.chat_id), message_id: Number(p.message_id), reply_markup: p.reply_markup, text });
        return reply(res, 200, {
          ok: true,
          result: { message_id: Number(p.message_id), chat: { id: Number(p.chat_id), type: 'private' }, text: parsed.visible },
        });
      }
      default:
        return fail(res, 404, 'Not Found: method not found');
    }
  });
  let listening = await listenLoopback(server);
  fake.url = listening.url;
  const port = Number(new URL(listening.url).port);
  let down = false;
  fake.goDown = async () => {
    if (waiting) clearTimeout(waiting.timer);
    waiting = undefined;
    down = true;
    await listening.close();
  };
  fake.recover = async () => {
    listening = await listenLoopback(server, port);
    down = false;
  };
  fake.close = () => {
    if (waiting) clearTimeout(waiting.timer);
    return down ? Promise.resolve() : listening.close();
  };
  return fake as FakeTelegram;
}
