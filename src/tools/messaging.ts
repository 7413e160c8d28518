import * as z from 'zod';
import { render } from '../channels/format.js';
import { invalidInput } from '../errors.js';
import { GIVEN_UP, MESSAGE_STATUSES } from '../messaging/index.js';
import { defineTool } from './define.js';
import { INPUT_LIMITS as L, str } from './schemas.js';

const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
/** A built-in channel or an integration's (its name); whether it is configured is checked when used. */
const channel = str(64).regex(/^[a-z][a-z0-9]*$/, "a channel name: telegram, whatsapp, discord, slack, webhooks or an integration's (see channel_list)");

/** `since`: an ISO date/time, or a duration back from now like 30m, 2h, 7d. */
function parseSince(since: string): number {
  const d = /^(\d+)\s*([smhd])$/i.exec(since.trim());
  if (d) return Date.now() - Number(d[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[d[2]!.toLowerCase() as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(since);
  if (Number.isNaN(t))
    throw invalidInput('since', `"${since}" is neither a date nor a duration`, 'pass an ISO date like 2026-03-12T08:00 or a duration like 30m, 2h, 7d');
  return t;
}

const messageSend = defineTool({
  name: 'message_send',
  title: 'Send a message',
  description:
    'Sends a message through a configured channel: telegram (to = chat id), whatsapp (to = phone number, digits), discord (to = channel id), slack (to = channel id, or "webhook" for the incoming webhook), webhooks (to = URL, text = JSON body), or a channel an integration adds (named after it; channel_list shows them). Optional imageUrl or fileUrl attaches media (Telegram, WhatsApp; a link elsewhere). Long text is split at the channel\'s limit. The message is stored in the outbox first and sent at once; if sending fails it stays queued and `ag serve` retries it (status says which).',
  input: z.object({
    channel: channel.describe("telegram, whatsapp, discord, slack, webhooks, or an integration's channel"),
    to: str(L.addressChars).min(1).describe('Chat id, phone number, channel id, or URL, depending on the channel'),
    text: str(L.textChars).describe('The text; for images and files, the caption'),
    imageUrl: z.url().max(L.addressChars).optional().describe('Public URL of an image to send'),
    fileUrl: z.url().max(L.addressChars).optional().describe('Public URL of a file (document) to send'),
  }),
  output: z.object({
    id: z.number(),
    status: z.enum(MESSAGE_STATUSES),
    attempts: z.number(),
    error: z.string().optional(),
    externalId: z.string().optional().describe("The service's id for the message"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['channel', 'to', 'text'] },
  handler: async ({ app }, input) => {
    if (!input.text.trim() && !input.imageUrl && !input.fileUrl) throw invalidInput('text', 'text is empty', 'pass the text to send, or an imageUrl/fileUrl');
    const [id] = await app.messaging.sendDirect({ channel: input.channel, to: input.to, rich: [input.text], imageUrl: input.imageUrl, fileUrl: input.fileUrl });
    const row = app.messaging.message(id!)!;
    return { id: row.id, status: row.status, attempts: row.attempts, error: row.error, externalId: row.externalId };
  },
});

const messageRow = z.object({
  id: z.number(),
  channel: z.string(),
  direction: z.enum(['in', 'out']),
  kind: z.string().describe('in: command or callback; out: reply, notification, alert, journal, briefing, event, direct'),
  peer: z.string().describe('Sender (in) or recipient (out)'),
  status: z.enum(MESSAGE_STATUSES),
  text: z.string(),
  attempts: z.number(),
  error: z.string().optional(),
  externalId: z.string().optional(),
  nextAttemptAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const messageList = defineTool({
  name: 'message_list',
  title: 'List messages',
  description:
    'Lists inbound and outbound messages, newest first, filtered by channel, direction (in/out), status and time; failed=true lists the dead letters (what message_resend can send again). Statuses: in = received, handled, ignored (sender not allowed), failed; out = queued (waiting or retrying at nextAttemptAt), sending, sent, delivered, read, failed (gave up on this channel; a fallback took over), dead (the dead-letter list: undeliverable, including outbound webhooks that exhausted their retries), suppressed (held back by the rate limit until the next digest), merged (went out inside a digest). Paginated: total counts every match.',
  input: z.object({
    channel: channel.optional(),
    direction: z.enum(['in', 'out']).optional(),
    status: z.array(z.enum(MESSAGE_STATUSES)).max(L.listItems).optional().describe('Only these statuses, e.g. ["dead"] for the dead-letter list'),
    failed: z
      .boolean()
      .default(false)
      .describe('Only outbound messages given up on (dead and failed), each with the reason: what message_resend can send again'),
    kind: str(L.shortChars).optional().describe('Only this kind, e.g. notification or event'),
    since: str(L.shortChars).optional().describe('ISO date/time, or a duration back from now: 30m, 2h, 7d'),
    limit: z.number().int().min(1).max(500).default(50),
    offset: z.number().int().min(0).default(0),
  }),
  output: z.object({ messages: z.array(messageRow), total: z.number(), nextOffset: z.number().optional() }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: {
    render: ({ messages, total }) =>
      [
        ...messages.map(
          (m) =>
            `${String(m.id).padStart(5)} ${m.direction === 'in' ? '←' : '→'} ${m.channel.padEnd(8)} ${m.status.padEnd(10)} ${m.peer.slice(0, 24).padEnd(24)} ${m.text.replace(/\s+/g, ' ').slice(0, 60)}${m.error ? `  [${m.error.slice(0, 60)}]` : ''}`,
        ),
        `${messages.length} of ${total}`,
      ].join('\n'),
  },
  handler: async ({ app }, input) => {
    const failed = input.failed ? { direction: 'out' as const, status: GIVEN_UP } : {};
    const { messages, total } = app.messaging.messages({
      channel: input.channel,
      direction: input.direction,
      status: input.status,
      kind: input.kind,
      ...failed,
      since: input.since ? parseSince(input.since) : undefined,
      limit: input.limit,
      offset: input.offset,
    });
    const next = input.offset + messages.length;
    return {
      messages: messages.map((m) => ({
        id: m.id,
        channel: m.channel,
        direction: m.direction,
        kind: m.kind,
        peer: m.peer,
        status: m.status,
        text: m.text.length > 2_000 ? `${m.text.slice(0, 2_000)}…` : m.text,
        attempts: m.attempts,
        error: m.error,
        externalId: m.externalId,
        nextAttemptAt: m.status === 'queued' ? iso(m.nextAttemptAt) : undefined,
        createdAt: iso(m.createdAt)!,
        updatedAt: iso(m.updatedAt)!,
      })),
      total,
      nextOffset: next < total ? next : undefined,
    };
  },
});

const channelList = defineTool({
  name: 'channel_list',
  title: 'List messaging channels',
  description:
    'Every messaging channel (telegram, whatsapp, discord, slack, webhooks, then those integrations add): whether it is configured and which settings it still needs, how it receives (polling, webhook) and sends, how many senders are allowed, problems with the setup, when it last received and sent, how many messages are pending or dead. probe=true also checks the credentials live (Telegram getMe, Discord /users/@me, Slack auth.test). Secrets are never shown.',
  input: z.object({ probe: z.boolean().default(false).describe('Also call the service to check the credentials') }),
  output: z.object({
    channels: z.array(
      z.object({
        channel: z.string(),
        integration: z.string().optional().describe('The integration that adds this channel; absent for a built-in'),
        configured: z.boolean(),
        missing: z.array(z.string()).describe('Settings still needed'),
        modes: z.array(z.string()),
        baseUrl: z.string().optional(),
        allowedSenders: z.number(),
        problems: z.array(z.string()),
        lastInbound: z.string().optional(),
        lastOutbound: z.string().optional(),
        pending: z.number(),
        dead: z.number(),
        lastError: z.string().optional(),
        probe: z.object({ ok: z.boolean(), detail: z.string() }).optional(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  handler: async ({ app }, input) => {
    const channels = [];
    for (const { name, integration, adapter, missing } of await app.messaging.channels()) {
      const d = adapter?.describe();
      const activity = app.messaging.activity(name);
      let probe: { ok: boolean; detail: string } | undefined;
      if (input.probe && adapter?.probe)
        probe = await adapter.probe().then(
          (detail) => ({ ok: true, detail }),
          (err: Error) => ({ ok: false, detail: err.message }),
        );
      channels.push({
        channel: name,
        integration,
        configured: !!adapter,
        missing,
        modes: d?.modes ?? [],
        baseUrl: d?.baseUrl,
        allowedSenders: d?.allowedSenders ?? 0,
        problems: d?.problems ?? [],
        lastInbound: iso(activity.lastIn),
        lastOutbound: iso(activity.lastOut),
        pending: activity.pending,
        dead: activity.dead,
        lastError: activity.lastError,
        probe,
      });
    }
    return { channels };
  },
});

export const messageResend = defineTool({
  name: 'message_resend',
  title: 'Resend dead letters',
  description:
    'Puts outbound messages that were given up on (status dead or failed: see message_list with failed=true) back in the outbox and tries to send them now; `ag serve` keeps retrying them with backoff for messaging.retryHorizonHours. Pass ids, or all=true for every one. Returns the ids re-queued and the ids skipped (unknown, inbound, or not given up).',
  input: z.object({
    ids: z.array(z.coerce.number().int().positive()).max(L.listItems).default([]).describe('Message ids from message_list --failed'),
    all: z.boolean().default(false).describe('Every dead or failed outbound message'),
  }),
  output: z.object({ resent: z.array(z.number()), skipped: z.array(z.number()) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['ids'] },
  handler: async ({ app }, input) => {
    if (!input.all && !input.ids.length) throw invalidInput('ids', 'no message named', 'pass the ids shown by `ag message list --failed`, or --all');
    return app.messaging.resend(input.all ? 'all' : input.ids);
  },
});

const messageHandle = defineTool({
  name: 'message_handle',
  title: 'Run a chat command',
  description:
    'Runs the chat command router on a text as if it came from a sender, and returns the reply (nothing is sent). The same grammar as Telegram/WhatsApp/Discord/Slack: "task: <brief>", "c: <text>", "sessions", "session <id>", "stop session", "input: <text>", "pending", "approve [code] [always]", "reject [code] [reason]", "reason <code>" (the next message is the reason), "answer <code> <n or text>" (a multi-select list: "answer <code> 1,3"; a review page: "answer <code> submit"), "failed", "resend <id>|all", "recall [full] <query>", "status", "tasks", "journal [date]", "journal: <note>", "morning", "evening", "help", and the operator commands from config. The sender (channel + from) keeps its own current session between calls.',
  input: z.object({
    text: str(L.textChars).describe('The command text, e.g. "pending" or "task: fix the flaky login test"'),
    channel: str(L.shortChars).min(1).default('cli').describe('Channel the command is attributed to (keys the sender context)'),
    from: str(L.shortChars).min(1).default('local').describe('Sender id (keys the sender context)'),
  }),
  output: z.object({ intent: z.string(), reply: z.string(), failed: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  cli: { positional: ['text'], render: (o) => o.reply },
  handler: async ({ app }, input) => {
    await app.messaging.ready(); // so the reply is masked of integration secrets too
    const { intent, reply } = await app.messaging.handle({ channel: input.channel, id: input.from }, input.text);
    return { intent: intent.kind, reply: render(app.messaging.mask(reply.rich), 'plain'), failed: !!reply.failed };
  },
});

export const messagingTools = [messageSend, messageList, messageResend, channelList, messageHandle];
