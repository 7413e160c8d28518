import type { IncomingHttpHeaders } from 'node:http';
import type { Markup } from './format.js';

/**
 * A channel's name: a built-in one (telegram, whatsapp, discord, slack, webhooks; src/channels/builtin.ts)
 * or the name of the integration that contributes it. `webhooks` are outbound event deliveries, not a chat.
 */
export type ChannelName = string;

/** A button under a message (Telegram's inline keyboard). `data` comes back in the callback query. */
export interface Button {
  label: string;
  data: string;
}

/** One message to send, already rendered for the channel and within its length limit. */
export interface OutboundMessage {
  to: string;
  text: string;
  buttons?: Button[][];
  imageUrl?: string;
  fileUrl?: string;
  /** Our outbox row id: sent along where the service keeps a client reference (Vonage client_ref). */
  clientRef?: string;
  /**
   * The same on every attempt at this part of this row and different for any other: where a service
   * de-duplicates sends by a client key (Discord's nonce), a retry after an answer that never came
   * (a timeout) is not delivered twice. At most 25 characters.
   */
  dedupKey?: string;
  /**
   * An earlier try at this part failed, perhaps after the service took it (an answer lost to a
   * timeout): where the service can be asked whether it has a message of this dedupKey (Slack's
   * history), the adapter asks before posting again.
   */
  triedBefore?: boolean;
  /** Outbound webhooks: the event name, sent as a header. */
  event?: string;
  /** WhatsApp: send this approved template instead of the text (allowed outside the 24-hour window). */
  template?: { name: string; locale: string; parameters: string[] };
}

/** What a message went out with besides its text; an edit of its text keeps it (Telegram edits the caption, Discord and Slack keep the link). */
export type Attached = Pick<OutboundMessage, 'imageUrl' | 'fileUrl'>;

/** What the service answered: its id for the message, so later status callbacks can find our row. */
export interface Delivery {
  externalId?: string;
}

/** What a stranger who pressed a button is told, on every channel. */
export const NOT_ALLOWED = 'Not allowed: you are not on this Aegis allowlist.';

/** A service's date of a message as ms, or undefined where it is missing or unreadable. */
export function sentTime(ms: number): number | undefined {
  return Number.isFinite(ms) ? ms : undefined;
}

/** A message from a person, normalized. `externalId` is the service's id for it: the dedup key. */
export interface InboundMessage {
  channel: ChannelName;
  externalId: string;
  /** Who sent it (user id, phone number): what the allowlist is checked against. */
  sender: string;
  /** Where a reply goes (chat id, channel id, phone number). */
  chat: string;
  text: string;
  senderName?: string;
  /**
   * When the person sent it (ms), as the service dates it; absent where it does not (a button press).
   * A message the service held while no ag serve was receiving arrives late, and is judged by this.
   */
  sentAt?: number;
  /** A pressed button (Telegram callback query): its id must be answered, its message loses its buttons. */
  callback?: { id: string; data: string; messageId?: string };
}

/** A delivery receipt from the service (Vonage status webhook). */
export interface StatusUpdate {
  externalId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  error?: string;
}

/**
 * A failed call to a service. `retryable` says whether trying again can help (network errors, 429,
 * 5xx) or not (401, 400: the configuration or the request is wrong); `retryAfterMs` is the wait the
 * service asked for.
 */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly opts: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

/** Where a poller keeps its place across restarts. */
export interface CursorStore {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
}

/** What a poll returned, and how to confirm it once the messages are safely stored. */
export interface PollResult {
  messages: InboundMessage[];
  /** Moves the cursor past these messages; called only after they are in the inbox. */
  commit(): void;
}

export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What a webhook route made of a request: the HTTP answer, plus what to store. */
export interface WebhookOutcome {
  status: number;
  /** JSON answer; a string is sent as text/plain. */
  body?: unknown;
  inbound?: InboundMessage[];
  statuses?: StatusUpdate[];
  /** Why a request was refused, for the log (never the secret or the signature). */
  refused?: string;
}

export interface WebhookRoute {
  path: string;
  /** Whether a signature secret is set: `ag serve` refuses to start with a route without one, on any address. */
  signed: boolean;
  /** May be async (an integration's); a throw answers that request 500 and is logged. */
  handle(req: WebhookRequest): WebhookOutcome | Promise<WebhookOutcome>;
}

/** A route that answers synchronously, as the built-in channels' do. */
export type SyncWebhookRoute = Omit<WebhookRoute, 'handle'> & { handle(req: WebhookRequest): WebhookOutcome };

/** For `channel_list` and `ag doctor`: how a channel is set up, never its secrets. */
export interface ChannelDescription {
  channel: ChannelName;
  /** polling, webhook, send-only... */
  modes: string[];
  baseUrl?: string;
  allowedSenders: number;
  problems: string[];
}

/** The one interface every service is reached through: send, receive (poll or webhook), verify, describe. */
export interface ChannelAdapter {
  readonly name: ChannelName;
  /** Longest text one message may carry. */
  readonly maxLength: number;
  /** Longest caption of a photo or document, where shorter than a message: the rest of the text follows in messages of its own. */
  readonly captionMaxLength?: number;
  /**
   * Characters send() and edit() write after the text of the part that carries `attached` (its link on a
   * line of its own): the outbox leaves that part this much room under maxLength. Absent: none.
   */
  linkRoom?(attached: Attached): number;
  /** How bold/italic/code are written on this channel. */
  readonly markup: Markup;
  send(msg: OutboundMessage): Promise<Delivery>;
  /** Whether a message from `sender` in `chat` is obeyed. */
  isAllowed(sender: string, chat: string): boolean;
  describe(): ChannelDescription;
  /** A live check of the credentials (getMe, auth.test...); returns who we are. */
  probe?(): Promise<string>;
  /** Called each time `ag serve` becomes the sender, before receiving starts (Telegram registers or removes its webhook). A failure is logged; the rest goes on. */
  start?(): Promise<void>;
  /** Long-poll receivers (Telegram getUpdates, Discord REST). Resolves when something came or the poll timed out. */
  poll?(signal: AbortSignal): Promise<PollResult>;
  /** After a button press was handled: stop the client's spinner and remove the buttons so it is not pressed twice. */
  acknowledge?(inbound: InboundMessage, text: string, opts?: { keepButtons?: boolean }): Promise<void>;
  /**
   * Replaces the text of a message sent earlier (`externalId` as send() returned it) and removes its
   * buttons: a prompt answered elsewhere. `attached`: what that message was sent with, which stays.
   * Channels that cannot edit (WhatsApp) leave it out, and get a follow-up message instead.
   */
  edit?(to: string, externalId: string, text: string, attached?: Attached): Promise<void>;
  /**
   * A button pressed by someone not allowed: answer them (so their client stops spinning) and change
   * nothing else; the buttons stay for the people who may press them. Discord answers in the
   * interaction response itself and has no refuse().
   */
  refuse?(inbound: InboundMessage, text: string): Promise<void>;
  /** Webhook receivers, mounted by `ag serve`. */
  webhooks?: WebhookRoute[];
}
