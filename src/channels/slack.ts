import { httpFailure, httpRequest, retryAfterMs } from './http.js';
import { header, hmacSha256Hex, safeEqual } from './signing.js';
import { decodeSlackText } from './slack-text.js';
import {
  ChannelError,
  type Attached,
  type Button,
  type ChannelAdapter,
  type ChannelDescription,
  type Delivery,
  type InboundMessage,
  type OutboundMessage,
  type WebhookOutcome,
  type WebhookRequest,
  sentTime,
} from './types.js';

export interface SlackOptions {
  signingSecret: string;
  botToken?: string;
  incomingWebhookUrl?: string;
  baseUrl: string;
  allowedUserIds: string[];
}

/** An image or a file goes as its link on a line after the text: Slack unfurls it. */
const withLinks = (text: string, attached: Attached): string => [text, attached.imageUrl, attached.fileUrl].filter(Boolean).join('\n');

/** The metadata event type that marks a part we posted, with its dedupKey. */
const PART_EVENT = 'aegis_message_part';
/**
 * How many of a channel's latest messages a retry looks through for its earlier try: a target's
 * messages go out in order, so that try, if Slack took it, is among the last few of ours.
 */
const HISTORY_LOOKBACK = 100;

/** Slack refuses requests signed more than five minutes ago; so do we (replay protection). */
const MAX_SKEW_SEC = 300;
/** The address that means "the incoming webhook" rather than a channel id. */
export const SLACK_WEBHOOK_TARGET = 'webhook';
/** Web API errors that retrying cannot fix. */
const FATAL = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'missing_scope',
]);

/** Block Kit limits that matter for a prompt with buttons. */
const BLOCKS = { sectionText: 3000, elements: 25, buttonText: 75, value: 2000 } as const;
/** How many pressed-button contexts are kept for acknowledge() (it runs moments after the press). */
const MAX_PENDING_PRESSES = 200;

/** A prompt's text and buttons as Block Kit (Approve primary, Reject danger); undefined past Slack's limits. */
function blocks(text: string, buttons: Button[][] | undefined): unknown[] | undefined {
  const flat = buttons?.flat() ?? [];
  if (!flat.length || flat.length > BLOCKS.elements || !text || text.length > BLOCKS.sectionText) return undefined;
  if (flat.some((b) => b.label.length > BLOCKS.buttonText || b.data.length > BLOCKS.value)) return undefined;
  const style = (b: Button) => (b.data.startsWith('approve') ? { style: 'primary' } : b.data.startsWith('reject') ? { style: 'danger' } : {});
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      elements: flat.map((b, i) => ({
        type: 'button',
        action_id: `aegis-${i}`,
        text: { type: 'plain_text', text: b.label, emoji: true },
        value: b.data,
        ...style(b),
      })),
    },
  ];
}

interface BlockActions {
  type?: string;
  trigger_id?: string;
  user?: { id?: string; username?: string };
  channel?: { id?: string };
  container?: { channel_id?: string; message_ts?: string };
  message?: { text?: string; ts?: string };
  response_url?: string;
  actions?: { value?: string; action_ts?: string }[];
}

interface SlackEvent {
  type?: string;
  subtype?: string;
  bot_id?: string;
  user?: string;
  channel?: string;
  text?: string;
  /** The message's timestamp: with the channel, its identity. */
  ts?: string;
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
  readonly webhooks = [
    { path: '/api/slack/events', signed: true, handle: (req: WebhookRequest) => this.events(req) },
    { path: '/api/slack/interactions', signed: true, handle: (req: WebhookRequest) => this.interactions(req) },
  ];
  /** Where to replace a pressed message, and its text, by press id (filled by interactions(), used by acknowledge()). */
  private readonly presses = new Map<string, { responseUrl: string; text: string }>();

  constructor(private readonly opts: SlackOptions) {}

  async send(msg: OutboundMessage): Promise<Delivery> {
    const text = withLinks(msg.text, msg);
    // Buttons come back through the app's Interactivity Request URL (/api/slack/interactions); the text keeps the typed command.
    const withButtons = blocks(text, msg.buttons);
    if (msg.to === SLACK_WEBHOOK_TARGET || !this.opts.botToken) {
      if (!this.opts.incomingWebhookUrl)
        throw new ChannelError('Slack has no way to post: set channels.slack.botToken (replies) or channels.slack.incomingWebhookUrl (notifications)', false);
      const res = await httpRequest('Slack webhook', this.opts.incomingWebhookUrl, { body: { text, blocks: withButtons } });
      if (res.status !== 200) throw httpFailure('Slack webhook', res, res.text.slice(0, 200));
      return {};
    }
    if (msg.triedBefore && msg.dedupKey) {
      const ts = await this.posted(msg.to, msg.dedupKey);
      if (ts) return { externalId: `${msg.to}:${ts}` };
    }
    const res = await httpRequest('Slack', `${this.opts.baseUrl.replace(/\/$/, '')}/chat.postMessage`, {
      headers: { authorization: `Bearer ${this.opts.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: {
        channel: msg.to,
        text,
        blocks: withButtons,
        unfurl_links: false,
        // chat.postMessage takes no client id; the part's key rides along as metadata, for posted() to find.
        metadata: msg.dedupKey ? { event_type: PART_EVENT, event_payload: { key: msg.dedupKey } } : undefined,
      },
    });
    const reply = res.json as { ok?: boolean; error?: string; ts?: string; channel?: string } | undefined;
    if (res.status === 200 && reply?.ok) return { externalId: `${reply.channel ?? msg.to}:${reply.ts}` };
    if (res.status === 429 || reply?.error === 'ratelimited')
      throw new ChannelError('Slack rate limited chat.postMessage', true, { status: 429, retryAfterMs: retryAfterMs(res) });
    if (!reply) throw httpFailure('Slack', res);
    throw new ChannelError(`Slack chat.postMessage failed: ${reply.error ?? 'unknown error'}`, !FATAL.has(reply.error ?? ''), { status: res.status });
  }

  linkRoom(attached: Attached): number {
    return withLinks('x', attached).length - 1;
  }

  /**
   * The ts of our post carrying `key` among the latest in `channel` (conversations.history with its
   * metadata), or undefined when there is none or Slack will not say (no channels:history scope, a
   * user id rather than a conversation): then the part is posted again, and may show twice.
   */
  private async posted(channel: string, key: string): Promise<string | undefined> {
    const query = new URLSearchParams({ channel, limit: String(HISTORY_LOOKBACK), include_all_metadata: 'true' });
    const res = await httpRequest('Slack', `${this.opts.baseUrl.replace(/\/$/, '')}/conversations.history?${query}`, {
      headers: { authorization: `Bearer ${this.opts.botToken}` },
    });
    const reply = res.json as { ok?: boolean; messages?: { ts?: string; metadata?: { event_type?: string; event_payload?: { key?: unknown } } }[] } | undefined;
    if (res.status !== 200 || !reply?.ok) return undefined;
    return reply.messages?.find((m) => m.metadata?.event_type === PART_EVENT && m.metadata.event_payload?.key === key)?.ts;
  }

  /** chat.update: the message keeps its place, loses its buttons (blocks), and says what happened; its links are written again. */
  async edit(to: string, externalId: string, text: string, attached: Attached = {}): Promise<void> {
    if (!this.opts.botToken) throw new ChannelError('Slack cannot edit without channels.slack.botToken', false);
    const colon = externalId.lastIndexOf(':');
    const res = await httpRequest('Slack', `${this.opts.baseUrl.replace(/\/$/, '')}/chat.update`, {
      headers: { authorization: `Bearer ${this.opts.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: { channel: externalId.slice(0, colon) || to, ts: externalId.slice(colon + 1), text: withLinks(text, attached), blocks: [] },
    });
    const reply = res.json as { ok?: boolean; error?: string } | undefined;
    if (res.status === 200 && reply?.ok) return;
    if (res.status === 429 || reply?.error === 'ratelimited')
      throw new ChannelError('Slack rate limited chat.update', true, { status: 429, retryAfterMs: retryAfterMs(res) });
    if (!reply) throw httpFailure('Slack', res);
    throw new ChannelError(
      `Slack chat.update failed: ${reply.error ?? 'unknown error'}`,
      !FATAL.has(reply.error ?? '') && reply.error !== 'message_not_found' && reply.error !== 'cant_update_message',
      { status: res.status },
    );
  }

  isAllowed(sender: string): boolean {
    return this.opts.allowedUserIds.includes(sender);
  }

  /** Slack's request signature (both endpoints): undefined when it holds, else the 401 to answer. */
  private refusal(req: WebhookRequest): WebhookOutcome | undefined {
    const ts = header(req.headers, 'x-slack-request-timestamp');
    const sig = header(req.headers, 'x-slack-signature');
    if (!ts || !sig) return { status: 401, body: { error: 'missing signature' }, refused: 'no X-Slack-Signature or timestamp' };
    if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > MAX_SKEW_SEC)
      return { status: 401, body: { error: 'stale request' }, refused: 'timestamp outside five minutes' };
    const expected = `v0=${hmacSha256Hex(this.opts.signingSecret, `v0:${ts}:${req.body.toString('utf8')}`)}`;
    if (!safeEqual(sig, expected)) return { status: 401, body: { error: 'bad signature' }, refused: 'X-Slack-Signature does not match' };
    return undefined;
  }

  /**
   * A button press (block_actions, form-encoded `payload=`): becomes an inbound message whose text is
   * the button's command. Slack retries carry the same trigger id, so a press runs once.
   */
  private interactions(req: WebhookRequest): WebhookOutcome {
    const refused = this.refusal(req);
    if (refused) return refused;
    let p: BlockActions;
    try {
      p = JSON.parse(new URLSearchParams(req.body.toString('utf8')).get('payload') ?? '') as BlockActions;
    } catch {
      return { status: 400, body: { error: 'payload must be JSON' } };
    }
    const action = p.actions?.[0];
    const chat = p.channel?.id ?? p.container?.channel_id;
    const id = p.trigger_id ?? action?.action_ts;
    if (p.type !== 'block_actions' || !action?.value || !p.user?.id || !chat || !id) return { status: 200 };
    if (p.response_url && p.message?.text !== undefined) {
      this.presses.set(id, { responseUrl: p.response_url, text: p.message.text });
      if (this.presses.size > MAX_PENDING_PRESSES) this.presses.delete(this.presses.keys().next().value!);
    }
    const msg: InboundMessage = {
      channel: 'slack',
      externalId: `action:${id}`,
      sender: p.user.id,
      chat,
      text: action.value,
      senderName: p.user.username,
      callback: { id, data: action.value, messageId: p.container?.message_ts ?? p.message?.ts },
    };
    return { status: 200, inbound: [msg] };
  }

  /** After a press was handled: the message loses its buttons (replaced through response_url) and says what happened. */
  async acknowledge(inbound: InboundMessage, text: string, opts: { keepButtons?: boolean } = {}): Promise<void> {
    const press = inbound.callback && this.presses.get(inbound.callback.id);
    if (!press) return;
    this.presses.delete(inbound.callback!.id);
    if (opts.keepButtons) return;
    const res = await httpRequest('Slack response_url', press.responseUrl, { body: { replace_original: true, text: `${press.text}\n${text}` } });
    if (res.status !== 200) throw httpFailure('Slack response_url', res, res.text.slice(0, 200));
  }

  /** A stranger's press: an ephemeral answer only they see; the message and its buttons stay as they are. */
  async refuse(inbound: InboundMessage, text: string): Promise<void> {
    const press = inbound.callback && this.presses.get(inbound.callback.id);
    if (!press) return;
    this.presses.delete(inbound.callback!.id);
    const res = await httpRequest('Slack response_url', press.responseUrl, { body: { response_type: 'ephemeral', replace_original: false, text } });
    if (res.status !== 200) throw httpFailure('Slack response_url', res, res.text.slice(0, 200));
  }

  private events(req: WebhookRequest): WebhookOutcome {
    const refused = this.refusal(req);
    if (refused) return refused;
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
    // The app's own mention that starts a message is how it was addressed, not part of the command.
    const text = decodeSlackText(e.text.replace(/^\s*<@[A-Z0-9]+(\|[^>]*)?>\s*/, ''));
    // One message that mentions the app comes as both `message` and `app_mention`, each with its own event_id
    // (a retry keeps its event_id): the message's channel and ts name it, so it runs once.
    const externalId = e.ts ? `${e.channel}:${e.ts}` : payload.event_id;
    // ts is the message's time in seconds (with a unique fraction).
    const msg: InboundMessage = { channel: 'slack', externalId, sender: e.user, chat: e.channel, text, sentAt: sentTime(Number(e.ts) * 1000) };
    return { status: 200, body: {}, inbound: [msg] };
  }

  async probe(): Promise<string> {
    if (!this.opts.botToken) return 'no bot token (incoming webhook only)';
    const res = await httpRequest('Slack', `${this.opts.baseUrl.replace(/\/$/, '')}/auth.test`, {
      headers: { authorization: `Bearer ${this.opts.botToken}` },
      body: {},
    });
    const r = res.json as { ok?: boolean; user?: string; team?: string; error?: string } | undefined;
    if (!r?.ok) throw new ChannelError(`Slack auth.test failed: ${r?.error ?? `HTTP ${res.status}`}`, false);
    return `${r.user ?? '?'} in ${r.team ?? '?'}`;
  }

  describe(): ChannelDescription {
    const problems: string[] = [];
    if (!this.opts.botToken) problems.push('no bot token: replies cannot be posted (set channels.slack.botToken)');
    if (!this.opts.allowedUserIds.length) problems.push('no allowed users: every message is ignored (set channels.slack.allowedUserIds)');
    const modes = [
      'events webhook',
      'buttons (interactions webhook)',
      ...(this.opts.botToken ? ['send'] : []),
      ...(this.opts.incomingWebhookUrl ? ['incoming webhook'] : []),
    ];
    return { channel: 'slack', modes, baseUrl: this.opts.baseUrl, allowedSenders: this.opts.allowedUserIds.length, problems };
  }
}
