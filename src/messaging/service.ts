import { holderGone, leaseHolder, newHolder } from '../db/lease.js';
import { clip } from '../util/text.js';
import { SENDER_LEASE } from './serve/sender-lease.js';
import { plainText, type Rich, type Segment } from '../channels/format.js';
import { BUILTIN_CHANNELS } from '../channels/builtin.js';
import { buildBuiltinAdapters, missingSettings } from '../channels/registry.js';
import { NOT_ALLOWED, type ChannelAdapter, type ChannelName, type InboundMessage, type StatusUpdate } from '../channels/types.js';
import { AegisError, invalidInput } from '../errors.js';
import { CodeStore } from './approvals/codes.js';
import { ContextStore } from './commands/contexts.js';
import { DbCursors } from './delivery/cursors.js';
import { Inbox } from './delivery/inbox.js';
import { answeredLate, lateBy, notRunLate, onlyReads } from './delivery/late.js';
import { Journal, type JournalEntry } from './notifications/journal.js';
import { channelActivity, getMessage, GIVEN_UP, listMessages, type ListFilter, type MessageRecord } from './delivery/messages.js';
import { loadOperators, type Operator } from './commands/operators.js';
import { Outbox, type EnqueueInput } from './delivery/outbox.js';
import { PromptNotices } from './approvals/prompt-notices.js';
import { WhatsAppWindow } from './delivery/whatsapp-window.js';
import type { MessagingDeps } from './deps.js';
import type { Intent } from './commands/parser.js';
import type { Reply, Sender } from './commands/reply.js';
import { CommandRouter } from './commands/router.js';
import { alertTargets, fallbackTarget, journalTargets } from './delivery/targets.js';

/** One channel as channel_list and `ag doctor` show it: built-ins first (configured or not), then the integrations'. */
export interface ChannelEntry {
  name: string;
  /** The integration that contributes it; absent for a built-in. */
  integration?: string;
  /** Absent when the channel is not configured. */
  adapter?: ChannelAdapter;
  /** Settings a built-in still needs. */
  missing: string[];
}

/** Secrets shorter than this are not masked in replies: they would mangle ordinary words. */
const MASKABLE = 6;

export type ReceiveOutcome = { status: 'ignored' } | { status: 'handled' | 'failed'; id: number; replyId?: number; reply: Reply };

/**
 * Messaging: the inbox, the outbox, the command router and the channel adapters, wired together.
 * Every process can receive (message_handle), enqueue (message_send) and list; `ag serve` is the one
 * that polls, listens for webhooks, notifies and drains the outbox continuously.
 */
export class MessagingService {
  readonly holder = newHolder();
  readonly cursors: DbCursors;
  readonly inbox: Inbox;
  readonly codes: CodeStore;
  readonly contexts: ContextStore;
  readonly journal: Journal;
  readonly adapters: Map<ChannelName, ChannelAdapter>;
  readonly outbox: Outbox;
  readonly prompts: PromptNotices;
  private readonly whatsappWindow: WhatsAppWindow;
  private operatorsCache?: Map<string, Operator>;
  private readonly chains = new Map<string, Promise<ReceiveOutcome>>();
  private readonly secrets: string[];
  private joined?: Promise<void>;

  /** Built on the first chat command, once the interface's tools are loaded. */
  private router?: Promise<CommandRouter>;

  constructor(private readonly deps: MessagingDeps) {
    const db = deps.db;
    this.cursors = new DbCursors(db);
    this.inbox = new Inbox(db);
    this.codes = new CodeStore(db);
    this.contexts = new ContextStore(db);
    this.journal = new Journal(db);
    this.adapters = buildBuiltinAdapters(deps, this.cursors);
    this.secrets = [...deps.config.settings.values()]
      .flatMap((s) => (s.secret ? [s.value].flat() : [])) // a list (hooks.webhookUrls) is masked item by item
      .filter((v): v is string => typeof v === 'string' && v.length >= MASKABLE);
    this.outbox = new Outbox({
      db,
      adapters: this.adapters,
      log: deps.log,
      holder: this.holder,
      fallback: fallbackTarget(deps.config),
      alerts: alertTargets(deps.config),
      webhookMaxAttempts: deps.config.get('hooks.webhookMaxAttempts'),
      retry: {
        baseMs: deps.config.get('messaging.retryBaseMs'),
        capMs: deps.config.get('messaging.retryMaxSeconds') * 1_000,
        horizonMs: deps.config.get('messaging.retryHorizonHours') * 3_600_000,
      },
      journal: (text) => this.journal.add('alert', text, 'outbox'),
      hold: (row, error) => this.whatsappWindow.hold(row, error),
      onSent: (row) => {
        if (row.channel !== 'webhooks') deps.events.emit('message_sent', { channel: row.channel, to: row.peer, text: row.text });
      },
    });
    this.whatsappWindow = new WhatsAppWindow(db, () => this.outbox, deps.config);
    this.prompts = new PromptNotices(db, this.outbox, this.adapters, this.codes);
    this.journal.listener = (e) => this.mirrorJournal(e);
  }

  /**
   * Adds the integrations' channels (loaded once per process) and their secrets to mask. Built-ins
   * are there from the start; whatever sends to, lists or receives on an integration's channel
   * awaits this first.
   */
  ready(): Promise<void> {
    this.joined ??= this.deps.integrations.load().then((set) => {
      for (const c of set.channels) this.adapters.set(c.integration, c.adapter);
      this.secrets.push(...set.secrets.filter((s) => s.length >= MASKABLE));
    });
    return this.joined;
  }

  /** Every channel: the built-ins, configured or not, then the integrations' channels. */
  async channels(): Promise<ChannelEntry[]> {
    await this.ready();
    const builtin = BUILTIN_CHANNELS.map((c): ChannelEntry => ({
      name: c.name,
      adapter: this.adapters.get(c.name),
      missing: missingSettings(this.deps.config, c.name),
    }));
    const fromIntegrations = (await this.deps.integrations.load()).channels.map((c): ChannelEntry => ({
      name: c.integration,
      integration: c.integration,
      adapter: c.adapter,
      missing: [],
    }));
    return [...builtin, ...fromIntegrations];
  }

  /** Operator commands from config.json, validated on first use (a bad definition names its field). */
  operators(): Map<string, Operator> {
    this.operatorsCache ??= loadOperators(this.deps.config);
    return this.operatorsCache;
  }

  /** Secrets never leave in a reply, whatever a command printed. */
  mask(rich: Rich): Rich {
    if (!this.secrets.length) return rich;
    const hide = (s: string) => this.secrets.reduce((t, secret) => t.split(secret).join('****'), s);
    return rich.map((seg): Segment => {
      if (typeof seg === 'string') return hide(seg);
      const [key, value] = Object.entries(seg)[0] as [string, string];
      return { [key]: hide(value) } as Segment;
    });
  }

  /**
   * Stores what a channel received before anything runs, and returns each new message with its inbox
   * id: a replay (seen before) is dropped, and so is a message an adapter left a field out of
   * (logged). Each message is stamped with the receiving adapter's name, so no channel can speak
   * for another (and be checked against its allowlist).
   */
  accept(channel: ChannelName, messages: readonly InboundMessage[]): [number, InboundMessage][] {
    const fresh: [number, InboundMessage][] = [];
    for (const raw of messages) {
      const missing = (['externalId', 'sender', 'chat', 'text'] as const).filter((k) => typeof raw?.[k] !== 'string' || (k !== 'text' && !raw[k]));
      if (missing.length) {
        this.deps.log.warn('a received message was skipped: fields missing', { channel, missing });
        continue;
      }
      const m = { ...raw, channel };
      const id = this.inbox.record(m, this.holder);
      if (id !== undefined) fresh.push([id, m]);
    }
    return fresh;
  }

  /**
   * Runs a stored inbound message: an unknown sender is ignored (and logged, without the text), a
   * known one's command goes through the router and the reply is queued to where it came from. A late
   * one (late.ts) that acts is not run: its sender is told so instead.
   */
  async process(id: number, m: InboundMessage, receivedAt = Date.now()): Promise<ReceiveOutcome> {
    const adapter = this.adapters.get(m.channel);
    if (!adapter?.isAllowed(m.sender, m.chat)) {
      this.inbox.finish(id, 'ignored', m.callback ? 'button press from a sender not allowed: answered "not allowed"' : 'sender not allowed');
      this.deps.log.warn(m.callback ? 'button press from an unknown sender refused' : 'message from an unknown sender ignored', {
        channel: m.channel,
        sender: m.sender,
        chat: m.chat,
      });
      // A press is answered, or the stranger's button spins forever; nothing else happens.
      if (m.callback?.id && adapter?.refuse)
        adapter
          .refuse(m, NOT_ALLOWED)
          .catch((err: Error) => this.deps.log.warn('could not answer a refused button press', { channel: m.channel, error: err.message }));
      return { status: 'ignored' };
    }
    this.deps.events.emit('message_received', { channel: m.channel, from: m.sender, text: m.text });
    // They wrote: WhatsApp's 24-hour window is open again for what was held for them.
    if (m.channel === 'whatsapp') this.whatsappWindow.reopen(m.sender);
    const late = lateBy(m.sentAt, receivedAt);
    let reply: Reply;
    if (late && !onlyReads(await (await this.commandRouter()).intentOf(m.text))) {
      reply = { rich: notRunLate(m.text, late), ack: 'Not run: too late', failed: true };
      this.deps.log.warn('a late inbound message was not run', { channel: m.channel, id, lateMs: late });
    } else {
      this.inbox.started(id);
      reply = (await this.handle({ channel: m.channel, id: m.sender, name: m.senderName }, m.text, { callback: !!m.callback })).reply;
      if (late) reply = { ...reply, rich: [answeredLate(late), ...reply.rich] };
    }
    const failed = !!reply.failed;
    const replyId = this.outbox.enqueue({ channel: m.channel, to: m.chat, kind: 'reply', rich: this.mask(reply.rich), buttons: reply.buttons, replyTo: id });
    this.outbox.kick();
    this.inbox.finish(id, failed ? 'failed' : 'handled', failed ? plainText(reply.rich).slice(0, 500) : undefined);
    if (m.callback?.id && adapter.acknowledge) {
      adapter
        .acknowledge(m, reply.ack ?? 'Done', { keepButtons: reply.keepButtons })
        .catch((err: Error) => this.deps.log.warn('could not acknowledge a button press', { channel: m.channel, error: err.message }));
    }
    return { status: failed ? 'failed' : 'handled', id, replyId, reply };
  }

  /**
   * Processes stored messages of one sender one after another (a `task:` must exist before the
   * `c:` that follows it), different senders in parallel. Never rejects: a crash is recorded.
   */
  inOrder(id: number, m: InboundMessage, receivedAt = Date.now()): Promise<ReceiveOutcome> {
    const key = `${m.channel}:${m.sender}`;
    const run = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.process(id, m, receivedAt))
      .catch((err: Error): ReceiveOutcome => {
        this.inbox.finish(id, 'failed', err.message);
        this.deps.log.error('inbound message failed', { channel: m.channel, id, error: err.message });
        return { status: 'failed', id, reply: { rich: [], failed: true } };
      });
    this.chains.set(key, run);
    void run.finally(() => {
      if (this.chains.get(key) === run) this.chains.delete(key);
    });
    return run;
  }

  /** Resolves once every message this process runs now (and those queued behind them) is done: a clean stop waits for it. */
  async settle(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  /**
   * Run by the process that just became the sender, before it receives anything: inbound messages a
   * sender that is gone (killed, crashed) stored and confirmed to the service but did not finish. One
   * that never began runs now, in order, as late as it is (process()); one that began may have acted
   * in part and is never run again: its sender is told, however long ago it came. Adopting the row
   * first makes each told once.
   */
  recover(): void {
    for (const u of this.inbox.unfinished()) {
      if (u.holder === this.holder || (u.holder !== null && !holderGone(u.holder))) continue;
      if (!this.inbox.adopt(u.id, u.holder, this.holder)) continue;
      const m = u.message;
      // Stored before starts were counted: whether it began is unknown, so it is not run again.
      if (!u.started && u.holder !== null) {
        void this.inOrder(u.id, m, u.at);
        continue;
      }
      const why = 'Aegis restarted while it was running: it may have done part of it';
      this.inbox.finish(u.id, 'failed', `not run: ${why}`);
      this.deps.log.warn('an inbound message left unfinished by a restart was not run', { channel: m.channel, id: u.id });
      if (!this.adapters.get(m.channel)?.isAllowed(m.sender, m.chat)) continue;
      this.outbox.enqueue({
        channel: m.channel,
        to: m.chat,
        kind: 'reply',
        rich: this.mask(['⚠️ Not run: "', clip(m.text, 80), `" (${why}).`, '\n→ check with pending or sessions, then send it again if it is still needed']),
        replyTo: u.id,
      });
    }
    this.outbox.kick();
  }

  /** Delivery receipts (Vonage status webhook): a failed one escalates like a failed send. */
  applyStatuses(channel: ChannelName, statuses: StatusUpdate[]): void {
    for (const s of statuses) {
      const r = this.inbox.applyStatus(channel, s);
      if (r?.failed) {
        const row = getMessage(this.deps.db, r.id);
        if (row) this.outbox.giveUp(row, s.error ?? 'the service reported the message as failed');
      }
    }
  }

  /** Queues a message (sent by the outbox); throws with the fix when the channel is not configured. */
  enqueue(input: EnqueueInput): number {
    if (!this.adapters.has(input.channel)) {
      throw new AegisError('invalid_input', `channel ${input.channel} is not configured`, {
        field: 'channel',
        fix: `configured: ${[...this.adapters.keys()].join(', ') || 'none'}; see channel_list for what ${input.channel} needs`,
      });
    }
    return this.outbox.enqueue(input);
  }

  /** Queues and sends at once in this process (message_send), returning the row ids. */
  async sendDirect(input: Omit<EnqueueInput, 'kind'>): Promise<number[]> {
    await this.ready();
    if (!input.to.trim()) throw invalidInput('to', 'to is empty', 'pass a chat id, phone number, channel id, or URL');
    const id = this.enqueue({ ...input, kind: 'direct', rich: this.mask(input.rich) });
    await this.outbox.sendNow([id]);
    return [id];
  }

  /** Journal entries also go to the journal channels (e.g. a Discord #journal). */
  /** The holder of the sender lease: the `ag serve` that polls, notifies and drains the outbox now (undefined: none). */
  sender(): string | undefined {
    return leaseHolder(this.deps.db, SENDER_LEASE);
  }

  /** Runs a chat command for a sender and returns the reply; nothing is sent (message_handle). `callback`: a pressed button sent it. */
  async handle(sender: Sender, text: string, opts: { callback?: boolean } = {}): Promise<{ intent: Intent; reply: Reply }> {
    return (await this.commandRouter()).handle(sender, text, opts);
  }

  private commandRouter(): Promise<CommandRouter> {
    this.router ??= this.deps.chatTools().then(
      (tools) =>
        new CommandRouter(this.deps, {
          tools,
          codes: this.codes,
          prompts: this.prompts,
          contexts: this.contexts,
          journal: this.journal,
          operators: () => this.operators(),
        }),
    );
    return this.router;
  }

  /** One stored message by id (what message_send reports back). */
  message(id: number): MessageRecord | undefined {
    return getMessage(this.deps.db, id);
  }

  /** Stored messages, newest first, with the total that matches the filter. */
  messages(filter: ListFilter): { messages: MessageRecord[]; total: number } {
    return listMessages(this.deps.db, filter);
  }

  /** A channel's last traffic and how many of its outbound messages are stuck or dead. */
  activity(channel: string): ReturnType<typeof channelActivity> {
    return channelActivity(this.deps.db, channel);
  }

  /**
   * Puts outbound messages given up on (GIVEN_UP; 'all' for every one) back in the outbox and tries
   * them now; ids that are unknown, inbound or not given up are skipped.
   */
  async resend(which: number[] | 'all'): Promise<{ resent: number[]; skipped: number[] }> {
    await this.ready();
    const ids = which === 'all' ? this.messages({ direction: 'out', status: GIVEN_UP, limit: 500, offset: 0 }).messages.map((m) => m.id) : which;
    const resent = this.outbox.resend(ids);
    await this.outbox.sendNow(resent);
    return { resent, skipped: ids.filter((id) => !resent.includes(id)) };
  }

  private mirrorJournal(e: JournalEntry): void {
    for (const t of journalTargets(this.deps.config)) {
      if (!this.adapters.has(t.channel)) continue;
      const icon = e.kind === 'note' ? '📝' : e.kind === 'alert' ? '⚠️' : '•';
      this.outbox.enqueue({ channel: t.channel, to: t.to, kind: 'journal', rich: [`${icon} `, e.text] });
    }
    this.outbox.kick();
  }
}
