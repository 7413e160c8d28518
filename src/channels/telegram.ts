import { randomBytes } from 'node:crypto';
import { httpRequest, retryAfterMs } from './http.js';
import { ServiceClock } from './service-clock.js';
import { header, safeEqual } from './signing.js';
import {
  ChannelError,
  type Attached,
  type ChannelAdapter,
  type ChannelDescription,
  type Delivery,
  type InboundMessage,
  type OutboundMessage,
  type PollResult,
  type SyncWebhookRoute,
  type WebhookOutcome,
  type WebhookRequest,
} from './types.js';

export interface TelegramOptions {
  token: string;
  baseUrl: string;
  allowedChatIds: string[];
  allowedUserIds: string[];
  /** getUpdates long-poll timeout (0 = short polling). */
  pollSeconds: number;
  /** Public https URL of our /api/telegram/webhook: set, updates are pushed there instead of polled. */
  webhookUrl?: string;
  /** Sent by Telegram with every pushed update; checked in constant time. Unset, one is generated. */
  webhookSecret?: string;
}

export const TELEGRAM_WEBHOOK_PATH = '/api/telegram/webhook';
const UPDATES = ['message', 'callback_query'];

interface TgUser {
  id: number;
  is_bot?: boolean;
  first_name?: string;
  username?: string;
}
interface TgMessage {
  message_id: number;
  from?: TgUser;
  chat: { id: number; type?: string };
  /** Unix time in seconds. */
  date: number;
  text?: string;
  caption?: string;
}
interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  callback_query?: { id: string; from: TgUser; message?: TgMessage; data?: string };
}
interface TgReply<T> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

/**
 * Telegram Bot API: long polling with getUpdates (no public URL needed) or, with a webhook URL set,
 * updates pushed to /api/telegram/webhook (setWebhook with a secret token); sendMessage with an
 * inline keyboard for approve/reject, answerCallbackQuery + editMessageReplyMarkup for pressed
 * buttons. The token is part of every URL, so URLs never appear in errors (see httpRequest).
 */
export class TelegramAdapter implements ChannelAdapter {
  readonly name = 'telegram' as const;
  readonly maxLength = 4096;
  /** Bot API: 0-1024 characters after entities parsing. */
  readonly captionMaxLength = 1024;
  readonly markup = 'telegram-html' as const;
  /** The next update_id to ask for; getUpdates with it confirms everything before it. */
  private offset?: number;
  /** Telegram's clock, from its answers: a message's date is on it (pushed updates too, read by the last answer's). */
  private readonly clock = new ServiceClock();
  /** Long polling, unless updates are pushed to our webhook (the two exclude each other at Telegram). */
  readonly poll?: (signal: AbortSignal) => Promise<PollResult>;
  readonly webhooks: SyncWebhookRoute[] = [];
  /**
   * The token Telegram must send with every pushed update. Without one set, this process makes its
   * own and registers it in start() (setWebhook): an unsigned webhook would obey anyone who can reach
   * the listener, any local user on 127.0.0.1 and the world behind a tunnel.
   */
  private readonly webhookSecret: string;

  constructor(private readonly opts: TelegramOptions) {
    this.webhookSecret = opts.webhookSecret ?? randomBytes(32).toString('base64url');
    if (opts.webhookUrl) this.webhooks.push({ path: TELEGRAM_WEBHOOK_PATH, signed: true, handle: (req) => this.pushed(req) });
    else this.poll = (signal) => this.getUpdates(signal);
  }

  /** Tells Telegram how updates reach us: setWebhook, or deleteWebhook so getUpdates works (it fails while a webhook is set). */
  async start(): Promise<void> {
    if (this.opts.webhookUrl) await this.call('setWebhook', { url: this.opts.webhookUrl, secret_token: this.webhookSecret, allowed_updates: UPDATES });
    else await this.call('deleteWebhook', { drop_pending_updates: false });
  }

  /** An update Telegram pushed: the secret token must match; Telegram retries until it gets a 2xx, replays are de-duplicated by update_id. */
  private pushed(req: WebhookRequest): WebhookOutcome {
    if (!safeEqual(header(req.headers, 'x-telegram-bot-api-secret-token') ?? '', this.webhookSecret)) {
      return { status: 401, body: { error: 'bad secret token' }, refused: 'X-Telegram-Bot-Api-Secret-Token does not match' };
    }
    let update: TgUpdate;
    try {
      update = JSON.parse(req.body.toString('utf8')) as TgUpdate;
    } catch {
      return { status: 400, body: { error: 'body must be JSON' } };
    }
    if (typeof update?.update_id !== 'number') return { status: 200, body: {} };
    const m = this.toInbound(update);
    return { status: 200, body: {}, inbound: m ? [m] : [] };
  }

  private async call<T>(method: string, params: Record<string, unknown>, timeoutMs?: number, signal?: AbortSignal): Promise<T> {
    const res = await httpRequest('Telegram', `${this.opts.baseUrl.replace(/\/$/, '')}/bot${this.opts.token}/${method}`, { body: params, timeoutMs, signal });
    this.clock.observe(res.headers);
    const reply = res.json as TgReply<T> | undefined;
    if (reply?.ok) return reply.result as T;
    const code = reply?.error_code ?? res.status;
    const description = reply?.description ?? `HTTP ${res.status}`;
    const retryAfter = reply?.parameters?.retry_after !== undefined ? reply.parameters.retry_after * 1000 : retryAfterMs(res);
    // 401/404: the token is wrong; 400/403: this chat or request is wrong. Neither improves by retrying.
    const retryable = code === 429 || code >= 500 || code === 409;
    const hint =
      code === 401 || code === 404
        ? ' (check channels.telegram.botToken)'
        : code === 403
          ? ' (the user blocked the bot or never started it: they must send /start first)'
          : '';
    throw new ChannelError(`Telegram ${method} failed: ${description}${hint}`, retryable, { status: code, retryAfterMs: retryAfter });
  }

  async send(msg: OutboundMessage): Promise<Delivery> {
    const reply_markup = msg.buttons?.length
      ? { inline_keyboard: msg.buttons.map((row) => row.map((b) => ({ text: b.label, callback_data: b.data }))) }
      : undefined;
    let sent: TgMessage;
    if (msg.imageUrl || msg.fileUrl) {
      const [method, field] = msg.imageUrl ? ['sendPhoto', 'photo'] : ['sendDocument', 'document'];
      sent = await this.call<TgMessage>(method, {
        chat_id: msg.to,
        [field]: msg.imageUrl ?? msg.fileUrl,
        caption: msg.text || undefined,
        parse_mode: 'HTML',
        reply_markup,
      });
    } else {
      sent = await this.call<TgMessage>('sendMessage', {
        chat_id: msg.to,
        text: msg.text,
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        reply_markup,
      });
    }
    // message_id is unique only within its chat.
    return { externalId: `${sent.chat.id}:${sent.message_id}` };
  }

  isAllowed(sender: string, chat: string): boolean {
    return this.opts.allowedChatIds.includes(chat) || this.opts.allowedUserIds.includes(sender);
  }

  private async getUpdates(signal: AbortSignal): Promise<PollResult> {
    const timeout = this.opts.pollSeconds;
    const updates = await this.call<TgUpdate[]>('getUpdates', { offset: this.offset, timeout, allowed_updates: UPDATES }, (timeout + 15) * 1000, signal);
    const messages: InboundMessage[] = [];
    for (const u of updates) {
      const m = this.toInbound(u);
      if (m) messages.push(m);
    }
    const next = updates.length ? Math.max(...updates.map((u) => u.update_id)) + 1 : undefined;
    return {
      messages,
      commit: () => {
        if (next !== undefined) this.offset = next;
      },
    };
  }

  private toInbound(u: TgUpdate): InboundMessage | undefined {
    const externalId = String(u.update_id);
    if (u.callback_query) {
      const q = u.callback_query;
      return {
        channel: 'telegram',
        externalId,
        sender: String(q.from.id),
        chat: String(q.message?.chat.id ?? q.from.id),
        text: q.data ?? '',
        senderName: q.from.username ?? q.from.first_name,
        callback: { id: q.id, data: q.data ?? '', messageId: q.message ? String(q.message.message_id) : undefined },
      };
    }
    const m = u.message;
    const text = m?.text ?? m?.caption;
    if (!m?.from || m.from.is_bot || text === undefined) return undefined;
    return {
      channel: 'telegram',
      externalId,
      sender: String(m.from.id),
      chat: String(m.chat.id),
      text,
      senderName: m.from.username ?? m.from.first_name,
      sentAt: this.clock.toLocal(m.date * 1000),
    };
  }

  async acknowledge(inbound: InboundMessage, text: string, opts: { keepButtons?: boolean } = {}): Promise<void> {
    if (!inbound.callback) return;
    await this.call('answerCallbackQuery', { callback_query_id: inbound.callback.id, text: text.slice(0, 200) });
    if (inbound.callback.messageId && !opts.keepButtons) {
      await this.call('editMessageReplyMarkup', {
        chat_id: inbound.chat,
        message_id: Number(inbound.callback.messageId),
        reply_markup: { inline_keyboard: [] },
      }).catch((err: Error) => {
        // The notice was already updated without its buttons (the prompt's answer reached it first).
        if (!/message is not modified/.test(err.message)) throw err;
      });
    }
  }

  /** A photo or document has a caption, not a text: editMessageText refuses it ("there is no text in the message to edit"). */
  async edit(to: string, externalId: string, text: string, attached: Attached = {}): Promise<void> {
    const messageId = Number(externalId.slice(externalId.lastIndexOf(':') + 1));
    const reply_markup = { inline_keyboard: [] };
    try {
      if (attached.imageUrl || attached.fileUrl)
        await this.call('editMessageCaption', { chat_id: to, message_id: messageId, caption: text, parse_mode: 'HTML', reply_markup });
      else
        await this.call('editMessageText', {
          chat_id: to,
          message_id: messageId,
          text,
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          reply_markup,
        });
    } catch (err) {
      // Already showing this text (a repeated edit after a restart): done.
      if (!/message is not modified/.test((err as Error).message)) throw err;
    }
  }

  async refuse(inbound: InboundMessage, text: string): Promise<void> {
    if (inbound.callback) await this.call('answerCallbackQuery', { callback_query_id: inbound.callback.id, text: text.slice(0, 200), show_alert: true });
  }

  async probe(): Promise<string> {
    const me = await this.call<TgUser>('getMe', {});
    return `@${me.username ?? me.id}`;
  }

  describe(): ChannelDescription {
    const allowed = this.opts.allowedChatIds.length + this.opts.allowedUserIds.length;
    const problems = allowed ? [] : ['no allowed chats or users: every message is ignored (set channels.telegram.allowedChatIds)'];
    return {
      channel: 'telegram',
      modes: [this.opts.webhookUrl ? 'webhook' : 'long polling', 'send'],
      baseUrl: this.opts.baseUrl,
      allowedSenders: allowed,
      problems,
    };
  }
}
