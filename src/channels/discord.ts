import { VERSION } from '../version.js';
import { httpFailure, httpRequest, type HttpResponse } from './http.js';
import { ChannelError, type ChannelAdapter, type CursorStore, type ChannelDescription, type Delivery, type InboundMessage, type OutboundMessage, type PollResult } from './types.js';

export interface DiscordOptions {
  token: string;
  baseUrl: string;
  tasksChannelId: string;
  allowedUserIds: string[];
  pollSeconds: number;
  cursors: CursorStore;
}

interface DiscordMessage {
  id: string;
  channel_id?: string;
  content?: string;
  author?: { id: string; username?: string; bot?: boolean };
}

const CURSOR = 'discord.after';
const bySnowflake = (a: DiscordMessage, b: DiscordMessage) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Discord with a bot token over REST only (no gateway connection): the tasks channel is polled for
 * new messages (after the last id seen, kept across restarts), replies and notifications are posted
 * to channels by id. Mentions in what we post are disabled, so an agent's text cannot ping @everyone.
 * Reading message text needs the bot's Message Content intent enabled in the developer portal.
 */
export class DiscordAdapter implements ChannelAdapter {
  readonly name = 'discord' as const;
  readonly maxLength = 2000;
  readonly markup = 'discord' as const;
  private lastPoll = 0;

  constructor(private readonly opts: DiscordOptions) {}

  private async call(path: string, body?: unknown, signal?: AbortSignal): Promise<HttpResponse> {
    const res = await httpRequest('Discord', `${this.opts.baseUrl.replace(/\/$/, '')}${path}`, {
      headers: { authorization: `Bot ${this.opts.token}`, 'user-agent': `DiscordBot (https://github.com/aegis-agents, ${VERSION})` },
      body,
      signal,
    });
    if (res.status >= 200 && res.status < 300) return res;
    const err = res.json as { message?: string; retry_after?: number } | undefined;
    const hint = res.status === 401 ? ' (check channels.discord.botToken)' : res.status === 403 ? ' (the bot lacks access to this channel)' : '';
    const failure = httpFailure('Discord', res, `${err?.message ?? ''}${hint}`);
    // Discord's 429 body carries the wait in seconds (fractional), more precise than Retry-After.
    if (res.status === 429 && typeof err?.retry_after === 'number') throw new ChannelError(failure.message, true, { status: 429, retryAfterMs: Math.ceil(err.retry_after * 1000) });
    throw failure;
  }

  async send(msg: OutboundMessage): Promise<Delivery> {
    const content = msg.fileUrl ? `${msg.text}\n${msg.fileUrl}`.trim() : msg.text;
    const res = await this.call(`/channels/${encodeURIComponent(msg.to)}/messages`, {
      content,
      embeds: msg.imageUrl ? [{ image: { url: msg.imageUrl } }] : undefined,
      allowed_mentions: { parse: [] },
    });
    return { externalId: (res.json as DiscordMessage | undefined)?.id };
  }

  isAllowed(sender: string): boolean {
    return this.opts.allowedUserIds.includes(sender);
  }

  async poll(signal: AbortSignal): Promise<PollResult> {
    const wait = this.lastPoll + this.opts.pollSeconds * 1000 - Date.now();
    if (wait > 0) await sleep(wait, signal);
    this.lastPoll = Date.now();
    if (signal.aborted) return { messages: [], commit: () => {} };
    const channel = encodeURIComponent(this.opts.tasksChannelId);
    const after = this.opts.cursors.get(CURSOR);
    if (!after) {
      // First start: what was said before Aegis listened is history, not commands.
      const latest = (await this.call(`/channels/${channel}/messages?limit=1`, undefined, signal)).json as DiscordMessage[];
      const newest = latest[0]?.id ?? '0';
      return { messages: [], commit: () => this.opts.cursors.set(CURSOR, newest) };
    }
    const batch = ((await this.call(`/channels/${channel}/messages?after=${after}&limit=100`, undefined, signal)).json as DiscordMessage[]).sort(bySnowflake);
    const messages: InboundMessage[] = batch
      .filter((m) => m.author && !m.author.bot && m.content)
      .map((m) => ({ channel: 'discord', externalId: m.id, sender: m.author!.id, chat: m.channel_id ?? this.opts.tasksChannelId, text: m.content!, senderName: m.author!.username }));
    const last = batch.at(-1)?.id;
    return { messages, commit: () => last && this.opts.cursors.set(CURSOR, last) };
  }

  async probe(): Promise<string> {
    const me = (await this.call('/users/@me')).json as { username?: string; id?: string };
    return me.username ?? me.id ?? 'unknown';
  }

  describe(): ChannelDescription {
    const problems = this.opts.allowedUserIds.length ? [] : ['no allowed users: every message is ignored (set channels.discord.allowedUserIds)'];
    return { channel: 'discord', modes: [`polling every ${this.opts.pollSeconds} s`, 'send'], baseUrl: this.opts.baseUrl, allowedSenders: this.opts.allowedUserIds.length, problems };
  }
}
