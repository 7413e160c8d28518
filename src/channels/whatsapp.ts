import type { KeyObject } from 'node:crypto';
import { clip } from '../util/text.js';
import { httpFailure, httpRequest } from './http.js';
import { privateKeyFrom, signApplicationJwt, verifyHs256 } from './jwt.js';
import { header, hmacSha256Hex, safeEqual, sha256Hex } from './signing.js';
import {
  sentTime,
  type Button,
  type ChannelAdapter,
  type ChannelDescription,
  type Delivery,
  type InboundMessage,
  type OutboundMessage,
  type StatusUpdate,
  type WebhookOutcome,
  type WebhookRequest,
  type SyncWebhookRoute,
} from './types.js';

export interface WhatsAppOptions {
  applicationId: string;
  /** PEM or base64 PEM; parsed on first send so a bad key fails that send with the fix, not start-up. */
  privateKey: string;
  fromNumber: string;
  allowedNumbers: string[];
  baseUrl: string;
  signatureSecret?: string;
  signatureMode: 'jwt' | 'hmac';
}

/** Vonage re-signs each delivery; a token older than this is a replay. */
const MAX_TOKEN_AGE_SEC = 600;
/** Application tokens are reused until shortly before they expire. */
const TOKEN_TTL_SEC = 900;

/** Phone numbers compare by digits: "+44 7700 900000" is "447700900000", Vonage's E.164 without '+'. */
export const phoneDigits = (n: string): string => n.replace(/\D/g, '');

/**
 * WhatsApp refuses free-form messages to someone who has not written for 24 hours; Vonage reports it
 * as error 1340 ("Outside the allowed window"), in the status webhook or in the answer. Such an error
 * starts with this note, so the outbox can tell it apart (a template invites the person back).
 */
export const WINDOW_CLOSED = "WhatsApp's 24-hour window is closed (Vonage 1340): ";
function windowNote(err: { type?: string; title?: string } | undefined): string {
  return err && (/#1340$/.test(err.type ?? '') || /outside the allowed window/i.test(err.title ?? '')) ? WINDOW_CLOSED : '';
}

const STATUS: Record<string, StatusUpdate['status']> = { submitted: 'sent', delivered: 'delivered', read: 'read', rejected: 'failed', undeliverable: 'failed' };

/** WhatsApp's limits on interactive messages (reply buttons and lists); clip() may add one character, the ellipsis. */
const INTERACTIVE = { body: 1024, buttons: 3, buttonTitle: 20, rows: 10, rowTitle: 24, rowDescription: 72, id: 256 } as const;

/**
 * Buttons as a WhatsApp interactive message: up to 3 become reply buttons (Approve / Reject), up to
 * 10 a list (a question's options). A press comes back as an inbound `reply` whose id is the
 * button's data, so it runs exactly like the typed command. Undefined when WhatsApp could not show
 * them (body too long, too many): the text, which always names the typed command, goes alone.
 */
function interactive(text: string, buttons: Button[][] | undefined): Record<string, unknown> | undefined {
  const flat = buttons?.flat() ?? [];
  if (!flat.length || flat.length > INTERACTIVE.rows || !text || text.length > INTERACTIVE.body || flat.some((b) => b.data.length > INTERACTIVE.id))
    return undefined;
  if (flat.length <= INTERACTIVE.buttons && flat.every((b) => b.label.length <= INTERACTIVE.buttonTitle)) {
    return { type: 'button', body: { text }, action: { buttons: flat.map((b) => ({ type: 'reply', reply: { id: b.data, title: b.label } })) } };
  }
  const rows = flat.map((b) => ({
    id: b.data,
    title: clip(b.label, INTERACTIVE.rowTitle - 1),
    ...(b.label.length > INTERACTIVE.rowTitle ? { description: clip(b.label, INTERACTIVE.rowDescription - 1) } : {}),
  }));
  return { type: 'list', body: { text }, action: { button: 'Choose', sections: [{ title: 'Options', rows }] } };
}

interface VonageInbound {
  channel?: string;
  message_uuid?: string;
  from?: string;
  to?: string;
  message_type?: string;
  text?: string;
  image?: { caption?: string };
  file?: { caption?: string };
  reply?: { id?: string; title?: string };
  profile?: { name?: string };
  /** ISO 8601: when it was sent. */
  timestamp?: string;
}

interface VonageStatus {
  message_uuid?: string;
  status?: string;
  error?: { title?: string; detail?: string; type?: string };
}

/**
 * WhatsApp through the Vonage Messages API (the official Business API): text, image and file
 * messages with an RS256 application token; inbound and status webhooks verified either as Vonage
 * signed webhooks (an HS256 token in Authorization whose payload_hash is the SHA-256 of the body)
 * or, behind a relay, as an HMAC-SHA256 of the body in X-Signature. Comparisons are constant-time.
 */
export class WhatsAppAdapter implements ChannelAdapter {
  readonly name = 'whatsapp' as const;
  readonly maxLength = 4096;
  /** WhatsApp's media caption: at most 1024 characters. */
  readonly captionMaxLength = 1024;
  readonly markup = 'whatsapp' as const;
  readonly webhooks: SyncWebhookRoute[];
  private key?: KeyObject;
  private token?: { value: string; until: number };
  private readonly allowed: Set<string>;

  constructor(private readonly opts: WhatsAppOptions) {
    this.allowed = new Set(opts.allowedNumbers.map(phoneDigits));
    const signed = !!opts.signatureSecret;
    this.webhooks = [
      { path: '/api/vonage/whatsapp/inbound', signed, handle: (req) => this.verified(req, () => this.inbound(req)) },
      { path: '/api/vonage/whatsapp/status', signed, handle: (req) => this.verified(req, () => this.status(req)) },
    ];
  }

  private bearer(): string {
    const now = Math.floor(Date.now() / 1000);
    if (this.token && this.token.until > now) return this.token.value;
    this.key ??= privateKeyFrom(this.opts.privateKey);
    const value = signApplicationJwt(this.opts.applicationId, this.key, now, TOKEN_TTL_SEC);
    this.token = { value, until: now + TOKEN_TTL_SEC - 60 };
    return value;
  }

  async send(msg: OutboundMessage): Promise<Delivery> {
    const base = { to: phoneDigits(msg.to), from: phoneDigits(this.opts.fromNumber), channel: 'whatsapp', client_ref: msg.clientRef };
    const choices = interactive(msg.text, msg.buttons);
    const body = msg.template
      ? {
          ...base,
          message_type: 'template',
          template: { name: msg.template.name, parameters: msg.template.parameters },
          whatsapp: { policy: 'deterministic', locale: msg.template.locale },
        }
      : msg.imageUrl
        ? { ...base, message_type: 'image', image: { url: msg.imageUrl, caption: msg.text || undefined } }
        : msg.fileUrl
          ? { ...base, message_type: 'file', file: { url: msg.fileUrl, caption: msg.text || undefined } }
          : choices
            ? { ...base, message_type: 'custom', custom: { type: 'interactive', interactive: choices } }
            : { ...base, message_type: 'text', text: msg.text };
    const res = await httpRequest('Vonage', `${this.opts.baseUrl.replace(/\/$/, '')}/v1/messages`, {
      headers: { authorization: `Bearer ${this.bearer()}` },
      body,
    });
    if (res.status === 202 || res.status === 200) return { externalId: (res.json as { message_uuid?: string } | undefined)?.message_uuid };
    const err = res.json as { type?: string; title?: string; detail?: string } | undefined;
    const hint = res.status === 401 ? ' (check channels.vonage.applicationId and channels.vonage.privateKey)' : '';
    throw httpFailure('Vonage', res, `${windowNote(err)}${[err?.title, err?.detail].filter(Boolean).join(': ')}${hint}`);
  }

  isAllowed(sender: string): boolean {
    return this.allowed.has(phoneDigits(sender));
  }

  /** A press from a number not allowed: told so in a message of its own (WhatsApp has no other answer to a press). */
  async refuse(inbound: InboundMessage, text: string): Promise<void> {
    if (inbound.callback) await this.send({ to: inbound.sender, text });
  }

  /**
   * Runs `then` only for a request whose signature holds; anything else is a 401 and is not stored.
   * Without a secret nothing holds (`ag serve` refuses to start so): on loopback too, any local user could post.
   */
  private verified(req: WebhookRequest, then: () => WebhookOutcome): WebhookOutcome {
    const secret = this.opts.signatureSecret;
    if (!secret) return { status: 401, body: { error: 'no signature secret' }, refused: 'channels.vonage.signatureSecret is not set' };
    if (this.opts.signatureMode === 'hmac') {
      const sig = header(req.headers, 'x-signature')?.replace(/^sha256=/, '');
      if (!sig) return { status: 401, body: { error: 'missing signature' }, refused: 'no X-Signature header' };
      if (!safeEqual(sig.toLowerCase(), hmacSha256Hex(secret, req.body)))
        return { status: 401, body: { error: 'bad signature' }, refused: 'X-Signature does not match the body' };
      return then();
    }
    const auth = header(req.headers, 'authorization');
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    if (!token) return { status: 401, body: { error: 'missing signature' }, refused: 'no Bearer token' };
    const check = verifyHs256(token, secret, { maxAgeSec: MAX_TOKEN_AGE_SEC });
    if (!check.ok) return { status: 401, body: { error: 'bad signature' }, refused: `token: ${check.reason}` };
    const hash = check.claims.payload_hash;
    if (typeof hash !== 'string' || !safeEqual(hash.toLowerCase(), sha256Hex(req.body)))
      return { status: 401, body: { error: 'bad signature' }, refused: 'payload_hash does not match the body' };
    return then();
  }

  private parse<T>(req: WebhookRequest): T | undefined {
    try {
      const v = JSON.parse(req.body.toString('utf8')) as unknown;
      return v && typeof v === 'object' ? (v as T) : undefined;
    } catch {
      return undefined;
    }
  }

  private inbound(req: WebhookRequest): WebhookOutcome {
    const m = this.parse<VonageInbound>(req);
    if (!m) return { status: 400, body: { error: 'body must be JSON' } };
    // Only WhatsApp, and only what carries words; other types (audio, location...) are acknowledged and dropped.
    const text = m.text ?? m.reply?.id ?? m.reply?.title ?? m.image?.caption ?? m.file?.caption;
    if (m.channel !== 'whatsapp' || !m.message_uuid || !m.from || text === undefined) return { status: 200, body: {} };
    // A reply button or list row pressed: a press, like Telegram's callback query (answered with a message: WhatsApp has no toast).
    const callback = m.reply?.id ? { id: m.message_uuid, data: text } : undefined;
    const msg: InboundMessage = {
      channel: 'whatsapp',
      externalId: m.message_uuid,
      sender: phoneDigits(m.from),
      chat: phoneDigits(m.from),
      text,
      senderName: m.profile?.name,
      sentAt: sentTime(Date.parse(m.timestamp ?? '')),
      callback,
    };
    return { status: 200, body: {}, inbound: [msg] };
  }

  private status(req: WebhookRequest): WebhookOutcome {
    const s = this.parse<VonageStatus>(req);
    if (!s) return { status: 400, body: { error: 'body must be JSON' } };
    const mapped = s.status ? STATUS[s.status] : undefined;
    if (!s.message_uuid || !mapped) return { status: 200, body: {} };
    const error = s.error ? `${windowNote(s.error)}${[s.error.title, s.error.detail].filter(Boolean).join(': ') || s.error.type}` : undefined;
    return { status: 200, body: {}, statuses: [{ externalId: s.message_uuid, status: mapped, error }] };
  }

  describe(): ChannelDescription {
    const problems: string[] = [];
    if (!this.allowed.size) problems.push('no allowed numbers: every message is ignored (set channels.vonage.allowedNumbers)');
    if (!this.opts.signatureSecret) problems.push('webhooks are unsigned: `ag serve` refuses them (set channels.vonage.signatureSecret)');
    return { channel: 'whatsapp', modes: ['webhook', 'send'], baseUrl: this.opts.baseUrl, allowedSenders: this.allowed.size, problems };
  }
}
