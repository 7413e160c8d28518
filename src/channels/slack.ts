import { httpFailure, httpRequest, retryAfterMs } from './http.js';
import { header, hmacSha256Hex, safeEqual } from './signing.js';
import { ChannelError, type ChannelAdapter, type ChannelDescription, type Delivery, type InboundMessage, type OutboundMessage, type WebhookOutcome, type WebhookRequest } from './types.js';

export interface SlackOptions {
  signingSecret: string;
  botToken?: string;
  incomingWebhookUrl?: string;
  baseUrl: string;
  allowedUserIds: string[];
}

/** Slack refuses requests signed more than five minutes ago; so do we (replay protection). */
const MAX_SKEW_SEC = 300;
/** The address that means "the incoming webhook" rather than a channel id. */
export const SLACK_WEBHOOK_TARGET = 'webhook';
/** Web API errors that retrying cannot fix. */
const FATAL = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'channel_not_found', 'not_in_channel', 'is_archived', 'missing_scope']);

interface SlackEvent {
  type?: string;
  subtype?: string;
  bot_id?: string;
  user?: string;
  channel?: string;
  text?: string;
}

/**
 * Slack: the Events API posts to our webhook (signed with the signing secret: v0 HMAC-SHA256 of
 * `v0:<timestamp>:<body>`; the url_verification handshake is answered), replies go through the Web
 * API (chat.postMessage), and notifications may go to an incoming webhook (target `slack:webhook`).
 */
export class SlackAdapter implements ChannelAdapter {
  readonly name = 'slack' as const;
  readonly maxLength = 3000;
  readonly markup = 'slack' as const;
  readonly webhooks = [{ path: '/api/slack/events', signed: true, handle: (req: WebhookRequest) => this.events(req) }];

  constructor(private readonly opts: SlackOptions) {}

  async send(msg: OutboundMessage): Promise<Delivery> {
    const text = [msg.text, msg.imageUrl, msg.fileUrl].filter(Boolean).join('\n');
    if (msg.to === SLACK_WEBHOOK_TARGET || !this.opts.botToken) {
      if (!this.opts.incomingWebhookUrl) throw new ChannelError('Slack has no way to post: set channels.slack.botToken (replies) or channels.slack.incomingWebhookUrl (notifications)', false);
      const res = await httpRequest('Slack webhook', this.opts.incomingWebhookUrl, { body: { text } });
      if (res.status !== 200) throw httpFailure('Slack webhook', res, res.text.slice(0, 200));
      return {};
    }
    const res = await httpRequest('Slack', `${this.opts.baseUrl.replace(/\/$/, '')}/chat.postMessage`, {
      headers: { authorization: `Bearer ${this.opts.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: { channel: msg.to, text, unfurl_links: false },
    });
    const reply = res.json as { ok?: boolean; error?: string; ts?: string; channel?: string } | undefined;
    if (res.status === 200 && reply?.ok) return { externalId: `${reply.channel ?? msg.to}:${reply.ts}` };
    if (res.status === 429 || reply?.error === 'ratelimited') throw new ChannelError('Slack rate limited chat.postMessage', true, { status: 429, retryAfterMs: retryAfterMs(res) });
    if (!reply) throw httpFailure('Slack', res);
    throw new ChannelError(`Slack chat.postMessage failed: ${reply.error ?? 'unknown error'}`, !FATAL.has(reply.error ?? ''), { status: res.status });
  }

  isAllowed(sender: string): boolean {
    return this.opts.allowedUserIds.includes(sender);
  }

  private events(req: WebhookRequest): WebhookOutcome {
    const ts = header(req.headers, 'x-slack-request-timestamp');
    const sig = header(req.headers, 'x-slack-signature');
    if (!ts || !sig) return { status: 401, body: { error: 'missing signature' }, refused: 'no X-Slack-Signature or timestamp' };
    if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > MAX_SKEW_SEC) return { status: 401, body: { error: 'stale request' }, refused: 'timestamp outside five minutes' };
    const expected = `v0=${hmacSha256Hex(this.opts.signingSecret, `v0:${ts}:${req.body.toString('utf8')}`)}`;
    if (!safeEqual(sig, expected)) return { status: 401, body: { error: 'bad signature' }, refused: 'X-Slack-Signature does not match' };
    let payload: { type?: string; challenge?: string; event_id?: string; event?: SlackEvent };
    try {
      payload = JSON.parse(req.body.toString('utf8')) as typeof payload;
    } catch {
      return { status: 400, body: { error: 'body must be JSON' } };
    }
    if (payload.type === 'url_verification') return { status: 200, body: { challenge: payload.challenge } };
    const e = payload.event;
    if (payload.type !== 'event_callback' || !e || !payload.event_id) return { status: 200, body: {} };
    // Our own posts come back as events with bot_id or a subtype (edits, joins): never commands.
    if (!['message', 'app_mention'].includes(e.type ?? '') || e.subtype || e.bot_id || !e.user || !e.channel || !e.text) return { status: 200, body: {} };
    const text = e.text.replace(/^\s*<@[A-Z0-9]+>\s*/, '');
    const msg: InboundMessage = { channel: 'slack', externalId: payload.event_id, sender: e.user, chat: e.channel, text };
    return { status: 200, body: {}, inbound: [msg] };
  }

  async probe(): Promise<string> {
    if (!this.opts.botToken) return 'no bot token (incoming webhook only)';
    const res = await httpRequest('Slack', `${this.opts.baseUrl.replace(/\/$/, '')}/auth.test`, { headers: { authorization: `Bearer ${this.opts.botToken}` }, body: {} });
    const r = res.json as { ok?: boolean; user?: string; team?: string; error?: string } | undefined;
    if (!r?.ok) throw new ChannelError(`Slack auth.test failed: ${r?.error ?? `HTTP ${res.status}`}`, false);
    return `${r.user ?? '?'} in ${r.team ?? '?'}`;
  }

  describe(): ChannelDescription {
    const problems: string[] = [];
    if (!this.opts.botToken) problems.push('no bot token: replies cannot be posted (set channels.slack.botToken)');
    if (!this.opts.allowedUserIds.length) problems.push('no allowed users: every message is ignored (set channels.slack.allowedUserIds)');
    const modes = ['events webhook', ...(this.opts.botToken ? ['send'] : []), ...(this.opts.incomingWebhookUrl ? ['incoming webhook'] : [])];
    return { channel: 'slack', modes, baseUrl: this.opts.baseUrl, allowedSenders: this.opts.allowedUserIds.length, problems };
  }
}
