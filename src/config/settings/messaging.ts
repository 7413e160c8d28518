/**
 * Settings of messaging around the channels: `ag serve`, outbound lifecycle webhooks, where
 * notifications go and how often, chat tasks, the outbox's retries and the daily briefings.
 * Assembled with the other areas' in ../settings.ts.
 */
import * as z from 'zod';
import { NAMED_AGENTS } from '../../agents/names.js';
import { bool, folder, intFrom, list, setting, splitCommas } from './define.js';

/**
 * A messaging target `channel:address[#event+event]`, e.g. `telegram:12345` or `discord:987#permission+question`;
 * the channel may be an integration's (checked against the configured channels when `ag serve` starts).
 */
const TARGET = /^(?!webhooks:)[a-z][a-z0-9]*:[^\s#:][^\s#]*(#[a-z]+(\+[a-z]+)*)?$/;
const targets = z.preprocess(splitCommas, z.array(z.string().regex(TARGET, 'channel:address, e.g. telegram:12345 or discord:987654#permission+question')));
const clock = z.string().regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'HH:MM (24 h, local time) or off');

export const MESSAGING_SETTINGS = [
  setting({
    key: 'serve.host',
    env: 'AEGIS_SERVE_HOST',
    schema: z.string().min(1),
    default: '127.0.0.1',
    description: 'address `ag serve` listens on for webhooks',
  }),
  setting({ key: 'serve.port', env: 'AEGIS_SERVE_PORT', schema: intFrom(0, 65_535), default: 7077, description: 'port `ag serve` listens on for webhooks' }),
  setting({
    key: 'serve.maxBodyBytes',
    env: 'AEGIS_SERVE_MAX_BODY_BYTES',
    schema: intFrom(1_024, 10_485_760),
    default: 262_144,
    description: 'largest webhook body `ag serve` accepts (bigger gets 413)',
  }),
  setting({
    key: 'hooks.webhookUrls',
    env: 'AEGIS_HOOK_WEBHOOK_URLS',
    schema: list,
    default: [],
    // Such a URL often carries its token (Discord's, Slack's): shown only as its origin.
    secret: true,
    description: 'URLs that receive every lifecycle event (comma-separated)',
  }),
  setting({
    key: 'hooks.webhookSecret',
    env: 'AEGIS_HOOK_WEBHOOK_SECRET',
    schema: z.string().min(1),
    secret: true,
    description: 'HMAC secret for outbound webhooks',
  }),
  setting({
    key: 'hooks.webhookMaxAttempts',
    env: 'AEGIS_HOOK_WEBHOOK_MAX_ATTEMPTS',
    schema: intFrom(1, 20),
    default: 8,
    description: 'attempts per outbound webhook delivery before it goes to the dead-letter list',
  }),
  setting({ key: 'notify.enabled', env: 'AEGIS_NOTIFY', schema: bool, default: true, description: 'send session notifications to subscribed channels' }),
  setting({
    key: 'notify.subscriptions',
    env: 'AEGIS_NOTIFY_SUBSCRIPTIONS',
    schema: targets,
    default: [],
    description:
      'where notifications go: channel:address[#event+event] (events: permission, question, finished, stalled, dead, pipeline, budget, briefing); empty = every allowed Telegram chat and WhatsApp number, the Discord tasks channel, and each allowed Slack user (direct message; the incoming webhook without a bot token)',
  }),
  setting({
    key: 'notify.fallback',
    env: 'AEGIS_NOTIFY_FALLBACK',
    schema: z.string().regex(TARGET, 'channel:address, e.g. whatsapp:447700900000'),
    description: 'second strike: the target a message goes to when its own channel keeps failing',
  }),
  setting({
    key: 'notify.alerts',
    env: 'AEGIS_NOTIFY_ALERTS',
    schema: targets,
    default: [],
    description: 'third strike: targets alerted when a message could not be delivered anywhere (e.g. discord:<alerts channel id>)',
  }),
  setting({
    key: 'notify.journal',
    env: 'AEGIS_NOTIFY_JOURNAL',
    schema: targets,
    default: [],
    description: 'targets that receive every journal entry (e.g. discord:<journal channel id>)',
  }),
  setting({
    key: 'notify.ratePerMinute',
    env: 'AEGIS_NOTIFY_RATE',
    schema: intFrom(1, 600),
    default: 20,
    description: 'notifications per target per minute; permission prompts and questions are never held back',
  }),
  setting({
    key: 'notify.dedupSeconds',
    env: 'AEGIS_NOTIFY_DEDUP_SECONDS',
    schema: intFrom(0, 3_600),
    default: 60,
    description: 'an identical notification within this window is sent once',
  }),
  setting({
    key: 'messaging.workDir',
    env: 'AEGIS_MESSAGING_WORKDIR',
    schema: folder,
    description: 'folder (absolute, or ~/…) in which `task: <brief>` from a chat starts its session',
  }),
  setting({
    key: 'messaging.agent',
    env: 'AEGIS_MESSAGING_AGENT',
    schema: z.enum(NAMED_AGENTS),
    default: 'claude',
    description: 'agent that `task: <brief>` from a chat starts',
  }),
  setting({
    key: 'messaging.retentionDays',
    env: 'AEGIS_MESSAGING_RETENTION_DAYS',
    schema: intFrom(1, 3650),
    default: 30,
    description: 'days `ag serve` keeps finished messages (handled, sent, dead...); delivered event-webhook rows are kept one day',
  }),
  setting({
    key: 'messaging.retryHorizonHours',
    env: 'AEGIS_MESSAGING_RETRY_HORIZON_HOURS',
    schema: z.coerce.number().positive().max(720),
    default: 24,
    description:
      'how long the outbox keeps retrying a message a service failed to take (5xx, 429, unreachable), across restarts, before it gives up (fallback, then alerts); errors that cannot succeed (unknown chat, blocked bot, bad credentials) give up at once',
  }),
  setting({
    key: 'messaging.retryBaseMs',
    env: 'AEGIS_MESSAGING_RETRY_BASE_MS',
    schema: intFrom(10, 600_000),
    default: 1_000,
    description: 'first retry delay of the outbox; each further retry doubles it (with jitter) up to messaging.retryMaxSeconds',
  }),
  setting({
    key: 'messaging.retryMaxSeconds',
    env: 'AEGIS_MESSAGING_RETRY_MAX_SECONDS',
    schema: intFrom(1, 86_400),
    default: 300,
    description: 'longest wait between two outbox retries',
  }),
  setting({
    key: 'messaging.morningBriefing',
    env: 'AEGIS_MORNING_BRIEFING',
    schema: clock,
    default: '08:00',
    description: 'local time `ag serve` sends the morning briefing to subscribers, or off',
  }),
  setting({
    key: 'messaging.eveningBriefing',
    env: 'AEGIS_EVENING_BRIEFING',
    schema: clock,
    default: '18:00',
    description: 'local time `ag serve` sends the evening briefing to subscribers, or off',
  }),
] as const;
