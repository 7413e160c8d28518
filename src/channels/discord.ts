import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { VERSION } from '../version.js';
import { httpFailure, httpRequest, type HttpResponse } from './http.js';
import { ServiceClock } from './service-clock.js';
import { header } from './signing.js';
import {
  ChannelError,
  type Attached,
  NOT_ALLOWED,
  type Button,
  type ChannelAdapter,
  type ChannelDescription,
  type CursorStore,
  type Delivery,
  type InboundMessage,
  type OutboundMessage,
  type PollResult,
  type SyncWebhookRoute,
  type WebhookOutcome,
  type WebhookRequest,
  sentTime,
} from './types.js';

export interface DiscordOptions {
  token: string;
  baseUrl: string;
  tasksChannelId: string;
  allowedUserIds: string[];
  pollSeconds: number;
  /** The application's Ed25519 public key (hex): set, buttons are sent and presses received at the interactions endpoint. */
  publicKey?: string;
  cursors: CursorStore;
}

/** A file goes as its link on a line after the text (an image goes as an embed). */
const withLink = (text: string, attached: Attached): string => (attached.fileUrl ? `${text}\n${attached.fileUrl}`.trim() : text);

/** Discord's limits on message components. */
const COMPONENTS = { rows: 5, perRow: 5, label: 80, customId: 100 } as const;
/** Interaction requests older than this are refused (replay protection; Discord signs the timestamp). */
const MAX_SKEW_SEC = 300;

interface Interaction {
  id?: string;
  type?: number;
  channel_id?: string;
  data?: { custom_id?: string };
  member?: { user?: { id?: string; username?: string } };
  user?: { id?: string; username?: string };
  message?: { id?: string };
}

/** Buttons as action rows (Approve green, Reject red, others grey); undefined past Discord's limits. */
function components(buttons: Button[][] | undefined): unknown[] | undefined {
  if (!buttons?.length || buttons.length > COMPONENTS.rows || buttons.some((row) => !row.length || row.length > COMPONENTS.perRow)) return undefined;
  const flat = buttons.flat();
  if (flat.some((b) => b.label.length > COMPONENTS.label || b.data.length > COMPONENTS.customId) || new Set(flat.map((b) => b.data)).size !== flat.length)
    return undefined;
  const style = (b: Button) => (b.data.startsWith('approve') ? 3 : b.data.startsWith('reject') ? 4 : 2);
  return buttons.map((row) => ({ type: 1, components: row.map((b) => ({ type: 2, style: style(b), label: b.label, custom_id: b.data })) }));
}

interface DiscordMessage {
  id: string;
  channel_id?: string;
  content?: string;
  author?: { id: string; username?: string; bot?: boolean };
  /** ISO 8601: when it was posted. */
  timestamp?: string;
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
 * With the application's public key set, prompts carry Approve/Reject buttons whose presses arrive
 * at the interactions endpoint `ag serve` mounts (the Interactions Endpoint URL of the application).
 */
export class DiscordAdapter implements ChannelAdapter {
  readonly name = 'discord' as const;
  readonly maxLength = 2000;
  readonly markup = 'discord' as const;
  private lastPoll = 0;
  /** Discord's clock, from its answers: a message's timestamp is on it. */
  private readonly clock = new ServiceClock();
  private readonly verifyKey?: KeyObject;
  readonly webhooks: SyncWebhookRoute[] = [];

  constructor(private readonly opts: DiscordOptions) {
    if (opts.publicKey) {
      this.verifyKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(opts.publicKey, 'hex').toString('base64url') }, format: 'jwk' });
      this.webhooks.push({ path: '/api/discord/interactions', signed: true, handle: (req) => this.interaction(req) });
    }
  }

  private async call(path: string, body?: unknown, signal?: AbortSignal, method?: string): Promise<HttpResponse> {
    const res = await httpRequest('Discord', `${this.opts.baseUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: `Bot ${this.opts.token}`, 'user-agent': `DiscordBot (https://github.com/aegis-agents, ${VERSION})` },
      body,
      signal,
    });
    this.clock.observe(res.headers);
    if (res.status >= 200 && res.status < 300) return res;
    const err = res.json as { message?: string; retry_after?: number } | undefined;
    const hint = res.status === 401 ? ' (check channels.discord.botToken)' : res.status === 403 ? ' (the bot lacks access to this channel)' : '';
    const failure = httpFailure('Discord', res, `${err?.message ?? ''}${hint}`);
    // Discord's 429 body carries the wait in seconds (fractional), more precise than Retry-After.
    if (res.status === 429 && typeof err?.retry_after === 'number')
      throw new ChannelError(failure.message, true, { status: 429, retryAfterMs: Math.ceil(err.retry_after * 1000) });
    throw failure;
  }

  async send(msg: OutboundMessage): Promise<Delivery> {
    const res = await this.call(`/channels/${encodeURIComponent(msg.to)}/messages`, {
      content: withLink(msg.text, msg),
      embeds: msg.imageUrl ? [{ image: { url: msg.imageUrl } }] : undefined,
      // Buttons only when their presses can reach us (the interactions endpoint); the text names the typed command anyway.
      components: this.verifyKey ? components(msg.buttons) : undefined,
      allowed_mentions: { parse: [] },
      // A retry after a lost answer (a timeout) gets the message Discord already made for this nonce
      // (it checks the nonces of the last few minutes) instead of posting it again.
      nonce: msg.dedupKey,
      enforce_nonce: msg.dedupKey ? true : undefined,
    });
    return { externalId: (res.json as DiscordMessage | undefined)?.id };
  }

  /** The image's embed is left as it is (a PATCH without `embeds` keeps them); a file's link is part of the content, so it is written again. */
  linkRoom(attached: Attached): number {
    return withLink('x', attached).length - 1;
  }

  async edit(to: string, externalId: string, text: string, attached: Attached = {}): Promise<void> {
    await this.call(
      `/channels/${encodeURIComponent(to)}/messages/${encodeURIComponent(externalId)}`,
      { content: withLink(text, attached), components: [], allowed_mentions: { parse: [] } },
      undefined,
      'PATCH',
    );
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
      .map((m) => ({
        channel: 'discord',
        externalId: m.id,
        sender: m.author!.id,
        chat: m.channel_id ?? this.opts.tasksChannelId,
        text: m.content!,
        senderName: m.author!.username,
        sentAt: this.clock.toLocal(sentTime(Date.parse(m.timestamp ?? ''))),
      }));
    const last = batch.at(-1)?.id;
    return { messages, commit: () => last && this.opts.cursors.set(CURSOR, last) };
  }

  /**
   * The interactions endpoint: Discord signs `timestamp + body` with Ed25519. A PING is answered with a
   * PONG; a button press (type 3) becomes an inbound message whose text is the button's command, and
   * is answered at once by removing the buttons (so nobody presses them twice) or, for someone not
   * allowed, by a note only they see.
   */
  private interaction(req: WebhookRequest): WebhookOutcome {
    const sig = header(req.headers, 'x-signature-ed25519');
    const ts = header(req.headers, 'x-signature-timestamp');
    if (!sig || !ts) return { status: 401, body: { error: 'missing signature' }, refused: 'no X-Signature-Ed25519 or timestamp' };
    if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > MAX_SKEW_SEC)
      return { status: 401, body: { error: 'stale request' }, refused: 'timestamp outside five minutes' };
    const signature = /^[0-9a-fA-F]{128}$/.test(sig) ? Buffer.from(sig, 'hex') : undefined;
    if (!signature || !verify(null, Buffer.concat([Buffer.from(ts), req.body]), this.verifyKey!, signature))
      return { status: 401, body: { error: 'invalid request signature' }, refused: 'X-Signature-Ed25519 does not match' };
    let i: Interaction;
    try {
      i = JSON.parse(req.body.toString('utf8')) as Interaction;
    } catch {
      return { status: 400, body: { error: 'body must be JSON' } };
    }
    if (i.type === 1) return { status: 200, body: { type: 1 } };
    const user = i.member?.user ?? i.user;
    const command = i.data?.custom_id;
    if (i.type !== 3 || !i.id || !user?.id || !i.channel_id || !command) return { status: 200, body: { type: 6 } };
    // Stored either way (a stranger's press is recorded as ignored, like a stranger's message).
    const inbound: InboundMessage = {
      channel: 'discord',
      externalId: `interaction:${i.id}`,
      sender: user.id,
      chat: i.channel_id,
      text: command,
      senderName: user.username,
      callback: { id: i.id, data: command, messageId: i.message?.id },
    };
    if (!this.isAllowed(user.id)) return { status: 200, body: { type: 4, data: { content: NOT_ALLOWED, flags: 64 } }, inbound: [inbound] };
    return { status: 200, body: { type: 7, data: { components: [] } }, inbound: [inbound] };
  }

  async probe(): Promise<string> {
    const me = (await this.call('/users/@me')).json as { username?: string; id?: string };
    return me.username ?? me.id ?? 'unknown';
  }

  describe(): ChannelDescription {
    const problems = this.opts.allowedUserIds.length ? [] : ['no allowed users: every message is ignored (set channels.discord.allowedUserIds)'];
    const modes = [`polling every ${this.opts.pollSeconds} s`, 'send', ...(this.verifyKey ? ['buttons (interactions webhook)'] : [])];
    return { channel: 'discord', modes, baseUrl: this.opts.baseUrl, allowedSenders: this.opts.allowedUserIds.length, problems };
  }
}
