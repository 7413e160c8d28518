import { httpFailure, httpRequest } from './http.js';
import { hmacSha256Hex, sha256Hex } from './signing.js';
import { ChannelError, type ChannelAdapter, type ChannelDescription, type Delivery, type OutboundMessage } from './types.js';

export interface OutboundWebhooksOptions {
  urls: string[];
  secret?: string;
  maxAttempts: number;
}

/**
 * Signs a delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The timestamp is inside
 * the signed text, so a receiver that rejects old timestamps cannot be fed a replayed delivery.
 */
export function signDelivery(secret: string, timestampSec: number, body: string): string {
  return `t=${timestampSec},v1=${hmacSha256Hex(secret, `${timestampSec}.${body}`)}`;
}

/**
 * How a delivery names its URL (a message's peer, shown by message_list and the chat's failed list):
 * the origin and a short hash that tells two URLs of one host apart. The URL itself often carries a
 * token (Discord's and Slack's webhooks do), so it is never stored or shown.
 */
export function webhookPeer(url: string): string {
  let origin = 'a URL that does not parse';
  try {
    origin = new URL(url).origin;
  } catch {
    // Not a URL: still told apart by the hash; sending to it fails.
  }
  return `${origin} [${sha256Hex(url).slice(0, 8)}]`;
}

/**
 * Outbound webhooks: every lifecycle event POSTed as JSON to each configured URL, HMAC-signed with a
 * timestamp. Any failure is worth retrying (a receiver may be redeploying); the outbox retries with
 * exponential backoff and jitter, then moves the delivery to the dead-letter list.
 */
export class OutboundWebhooksAdapter implements ChannelAdapter {
  readonly name = 'webhooks' as const;
  readonly maxLength = Number.POSITIVE_INFINITY;
  readonly markup = 'plain' as const;

  constructor(readonly opts: OutboundWebhooksOptions) {}

  async send(msg: OutboundMessage): Promise<Delivery> {
    const ts = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { 'x-aegis-event': msg.event ?? 'message', 'x-aegis-timestamp': String(ts), 'user-agent': 'aegis-webhooks' };
    if (msg.clientRef) headers['x-aegis-delivery'] = msg.clientRef;
    if (this.opts.secret) headers['x-aegis-signature'] = signDelivery(this.opts.secret, ts, msg.text);
    const url = this.opts.urls.find((u) => webhookPeer(u) === msg.to);
    if (!url) throw new ChannelError(`no URL of hooks.webhookUrls is ${msg.to} any more: the setting changed after this event was queued`, false);
    const res = await httpRequest('webhook receiver', url, { headers, body: msg.text, timeoutMs: 10_000 });
    if (res.status >= 200 && res.status < 300) return {};
    const failure = httpFailure('webhook receiver', res);
    throw new ChannelError(failure.message, true, failure.opts);
  }

  isAllowed(): boolean {
    return false;
  }

  describe(): ChannelDescription {
    return {
      channel: 'webhooks',
      modes: [`POST to ${this.opts.urls.length} URL(s)`],
      allowedSenders: 0,
      problems: this.opts.secret ? [] : ['deliveries are unsigned (set hooks.webhookSecret)'],
    };
  }
}
