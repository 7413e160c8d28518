import * as z from 'zod';
import { NAMED_AGENTS, PERMISSION_MODES } from '../agents/names.js';
import { DEFAULT_TOOLSETS, TOOLSET_WORDS } from './toolsets.js';

/**
 * Every setting Aegis reads, as data: the dotted key used in `$AEGIS_HOME/config.json` (nested
 * objects), the environment variable that overrides it, its schema and default, and whether it is a
 * secret (masked by `ag doctor`). README's configuration table and `ag doctor` are built from this list.
 */
export interface SettingSpec {
  key: string;
  env: string;
  schema: z.ZodType;
  default?: unknown;
  secret?: boolean;
  description: string;
}

interface TypedSpec<K extends string, S extends z.ZodType> extends SettingSpec {
  key: K;
  schema: S;
  default?: z.output<S>;
}

/** One setting, typed: its key, its schema's output and whether it has a default reach `config.get(key)`. */
function setting<const K extends string, S extends z.ZodType>(spec: TypedSpec<K, S> & { default: z.output<S> }): TypedSpec<K, S> & { hasDefault: true };
function setting<const K extends string, S extends z.ZodType>(spec: TypedSpec<K, S>): TypedSpec<K, S> & { hasDefault: false };
function setting<const K extends string, S extends z.ZodType>(spec: TypedSpec<K, S>): TypedSpec<K, S> & { hasDefault: boolean } {
  return { ...spec, hasDefault: spec.default !== undefined };
}

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);
const bool = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());
/**
 * A messaging target `channel:address[#event+event]`, e.g. `telegram:12345` or `discord:987#permission+question`;
 * the channel may be an integration's (checked against the configured channels when `ag serve` starts).
 */
const TARGET = /^(?!webhooks:)[a-z][a-z0-9]*:[^\s#:][^\s#]*(#[a-z]+(\+[a-z]+)*)?$/;
const targets = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string().regex(TARGET, 'channel:address, e.g. telegram:12345 or discord:987654#permission+question')),
);
const clock = z.string().regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'HH:MM (24 h, local time) or off');

export const SETTINGS = [
  setting({
    key: 'tmux.socket',
    env: 'AEGIS_TMUX_SOCKET',
    schema: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    default: 'aegis',
    description: 'tmux -L socket name that holds every agent pane',
  }),
  setting({ key: 'tmux.command', env: 'AEGIS_TMUX', schema: z.string().min(1), default: 'tmux', description: 'tmux executable' }),
  setting({
    key: 'agents.claude.command',
    env: 'AEGIS_CLAUDE_COMMAND',
    schema: z.string().min(1),
    default: 'claude',
    description: 'Claude Code executable (name on PATH or absolute path)',
  }),
  setting({ key: 'agents.codex.command', env: 'AEGIS_CODEX_COMMAND', schema: z.string().min(1), default: 'codex', description: 'Codex CLI executable' }),
  setting({
    key: 'agents.codex.baseUrl',
    env: 'AEGIS_CODEX_BASE_URL',
    schema: z.string().url(),
    default: 'https://api.openai.com/v1',
    description: 'Responses API base URL Codex sessions use (a session env OPENAI_BASE_URL overrides it); the key comes from OPENAI_API_KEY',
  }),
  setting({ key: 'agents.gemini.command', env: 'AEGIS_GEMINI_COMMAND', schema: z.string().min(1), default: 'gemini', description: 'Gemini CLI executable' }),
  setting({
    key: 'agents.gemini.baseUrl',
    env: 'AEGIS_GEMINI_BASE_URL',
    schema: z.string().url(),
    default: 'https://generativelanguage.googleapis.com',
    description: 'Gemini API base URL Gemini CLI sessions use (a session env GOOGLE_GEMINI_BASE_URL overrides it); the key comes from GEMINI_API_KEY',
  }),
  setting({
    key: 'sessions.stallSeconds',
    env: 'AEGIS_STALL_SECONDS',
    schema: intFrom(5, 86_400),
    default: 300,
    description: 'working without screen or transcript change for this long = stalled',
  }),
  setting({ key: 'sessions.paneWidth', env: 'AEGIS_PANE_WIDTH', schema: intFrom(40, 500), default: 200, description: 'columns of a new agent pane' }),
  setting({ key: 'sessions.paneHeight', env: 'AEGIS_PANE_HEIGHT', schema: intFrom(10, 200), default: 50, description: 'rows of a new agent pane' }),
  setting({
    key: 'sessions.defaultPermissionMode',
    env: 'AEGIS_PERMISSION_MODE',
    schema: z.enum(PERMISSION_MODES),
    default: 'default',
    description: 'permission mode for new Claude Code sessions',
  }),
  setting({
    key: 'sessions.worktree',
    env: 'AEGIS_SESSION_WORKTREE',
    schema: bool,
    default: false,
    description: 'start every session in its own git worktree and branch (session_create worktree overrides it)',
  }),
  setting({
    key: 'worktrees.dir',
    env: 'AEGIS_WORKTREES_DIR',
    schema: z.string().min(1),
    description: 'folder that holds session worktrees as <repo>/<session name>; default $AEGIS_HOME/worktrees',
  }),
  setting({
    key: 'sessions.maxLive',
    env: 'AEGIS_MAX_LIVE_SESSIONS',
    schema: intFrom(0, 10_000),
    default: 0,
    description: 'most sessions alive at once; a create over it is refused (0 = no limit)',
  }),
  setting({
    key: 'sessions.idleTimeoutMinutes',
    env: 'AEGIS_IDLE_TIMEOUT_MINUTES',
    schema: z.coerce.number().min(0).max(525_600),
    default: 0,
    description: 'an agent idle this long is stopped by the watching Aegis process, its worktree kept (0 = never)',
  }),
  setting({
    key: 'pipelines.maxConcurrent',
    env: 'AEGIS_PIPELINE_CONCURRENCY',
    schema: intFrom(1, 64),
    default: 4,
    description: 'sessions a pipeline runs at once',
  }),
  setting({
    key: 'mcp.toolsets',
    env: 'AEGIS_MCP_TOOLSETS',
    schema: list.pipe(z.array(z.enum(TOOLSET_WORDS))),
    default: ['default'],
    description: `tool groups \`ag mcp\` serves (comma-separated; \`ag mcp --toolsets\` overrides): ${TOOLSET_WORDS.join(', ')}; default = ${DEFAULT_TOOLSETS.join(', ')}`,
  }),
  setting({
    key: 'log.level',
    env: 'AEGIS_LOG_LEVEL',
    schema: z.enum(['debug', 'info', 'warn', 'error', 'silent']),
    default: 'warn',
    description: 'log level (logs go to stderr and $AEGIS_HOME/logs)',
  }),
  setting({ key: 'channels.telegram.botToken', env: 'AEGIS_TELEGRAM_BOT_TOKEN', schema: z.string().min(1), secret: true, description: 'Telegram bot token' }),
  setting({
    key: 'channels.telegram.allowedChatIds',
    env: 'AEGIS_TELEGRAM_ALLOWED_CHAT_IDS',
    schema: list,
    default: [],
    description: 'chat ids obeyed (comma-separated)',
  }),
  setting({
    key: 'channels.telegram.baseUrl',
    env: 'AEGIS_TELEGRAM_BASE_URL',
    schema: z.url(),
    default: 'https://api.telegram.org',
    description: 'Telegram Bot API base URL',
  }),
  setting({
    key: 'channels.telegram.allowedUserIds',
    env: 'AEGIS_TELEGRAM_ALLOWED_USER_IDS',
    schema: list,
    default: [],
    description: 'Telegram user ids obeyed in any chat with the bot (comma-separated)',
  }),
  setting({
    key: 'channels.telegram.pollSeconds',
    env: 'AEGIS_TELEGRAM_POLL_SECONDS',
    schema: intFrom(0, 50),
    default: 25,
    description: 'long-poll timeout of getUpdates, in seconds',
  }),
  setting({
    key: 'channels.telegram.webhookUrl',
    env: 'AEGIS_TELEGRAM_WEBHOOK_URL',
    schema: z.url().regex(/^https:/, 'Telegram only calls https URLs'),
    description: 'public https URL that reaches `ag serve` at /api/telegram/webhook: set, Telegram pushes updates there instead of being long-polled',
  }),
  setting({
    key: 'channels.telegram.webhookSecret',
    env: 'AEGIS_TELEGRAM_WEBHOOK_SECRET',
    schema: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, '1-256 letters, digits, _ or -'),
    secret: true,
    description: 'secret Telegram sends with every webhook update (X-Telegram-Bot-Api-Secret-Token)',
  }),
  setting({
    key: 'channels.vonage.applicationId',
    env: 'AEGIS_VONAGE_APPLICATION_ID',
    schema: z.string().min(1),
    description: 'Vonage application id (WhatsApp)',
  }),
  setting({
    key: 'channels.vonage.privateKey',
    env: 'AEGIS_VONAGE_PRIVATE_KEY',
    schema: z.string().min(1),
    secret: true,
    description: 'Vonage application private key, base64 PEM',
  }),
  setting({
    key: 'channels.vonage.signatureSecret',
    env: 'AEGIS_VONAGE_SIGNATURE_SECRET',
    schema: z.string().min(1),
    secret: true,
    description: 'Vonage signed-webhook secret',
  }),
  setting({ key: 'channels.vonage.fromNumber', env: 'AEGIS_VONAGE_WHATSAPP_NUMBER', schema: z.string().min(1), description: 'WhatsApp sender number' }),
  setting({
    key: 'channels.vonage.allowedNumbers',
    env: 'AEGIS_VONAGE_ALLOWED_NUMBERS',
    schema: list,
    default: [],
    description: 'phone numbers obeyed (comma-separated)',
  }),
  setting({
    key: 'channels.vonage.baseUrl',
    env: 'AEGIS_VONAGE_BASE_URL',
    schema: z.url(),
    default: 'https://api.nexmo.com',
    description: 'Vonage Messages API base URL',
  }),
  setting({
    key: 'channels.vonage.templateName',
    env: 'AEGIS_VONAGE_TEMPLATE_NAME',
    schema: z.string().min(1),
    description:
      'an approved WhatsApp template sent when WhatsApp refuses a message because the 24-hour window is closed; what was refused follows once the person answers',
  }),
  setting({
    key: 'channels.vonage.templateLocale',
    env: 'AEGIS_VONAGE_TEMPLATE_LOCALE',
    schema: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a WhatsApp template language code such as en_GB or en'),
    default: 'en_GB',
    description: 'language of channels.vonage.templateName',
  }),
  setting({
    key: 'channels.vonage.templateParameters',
    env: 'AEGIS_VONAGE_TEMPLATE_PARAMETERS',
    schema: list,
    default: [],
    description: "values for the template's {{1}}, {{2}}... (comma-separated), in order",
  }),
  setting({
    key: 'channels.vonage.signatureMode',
    env: 'AEGIS_VONAGE_SIGNATURE_MODE',
    schema: z.enum(['jwt', 'hmac']),
    default: 'jwt',
    description:
      'webhook signatures: jwt = Vonage signed webhooks (Authorization: Bearer, HS256, payload_hash); hmac = X-Signature header holding the hex HMAC-SHA256 of the body',
  }),
  setting({ key: 'channels.discord.botToken', env: 'AEGIS_DISCORD_BOT_TOKEN', schema: z.string().min(1), secret: true, description: 'Discord bot token' }),
  setting({
    key: 'channels.discord.tasksChannelId',
    env: 'AEGIS_DISCORD_TASKS_CHANNEL',
    schema: z.string().min(1),
    description: 'Discord channel polled for tasks',
  }),
  setting({
    key: 'channels.discord.baseUrl',
    env: 'AEGIS_DISCORD_BASE_URL',
    schema: z.url(),
    default: 'https://discord.com/api/v10',
    description: 'Discord REST base URL',
  }),
  setting({
    key: 'channels.discord.allowedUserIds',
    env: 'AEGIS_DISCORD_ALLOWED_USER_IDS',
    schema: list,
    default: [],
    description: 'Discord user ids obeyed in the tasks channel (comma-separated)',
  }),
  setting({
    key: 'channels.discord.publicKey',
    env: 'AEGIS_DISCORD_PUBLIC_KEY',
    schema: z.string().regex(/^[0-9a-fA-F]{64}$/, "the application's public key: 64 hex characters (developer portal, General Information)"),
    description:
      'Discord application public key: enables Approve/Reject buttons, received at /api/discord/interactions (set it as the Interactions Endpoint URL)',
  }),
  setting({
    key: 'channels.discord.pollSeconds',
    env: 'AEGIS_DISCORD_POLL_SECONDS',
    schema: intFrom(1, 300),
    default: 3,
    description: 'how often the tasks channel is polled, in seconds',
  }),
  setting({
    key: 'channels.slack.signingSecret',
    env: 'AEGIS_SLACK_SIGNING_SECRET',
    schema: z.string().min(1),
    secret: true,
    description: 'Slack signing secret',
  }),
  setting({ key: 'channels.slack.botToken', env: 'AEGIS_SLACK_BOT_TOKEN', schema: z.string().min(1), secret: true, description: 'Slack bot token' }),
  setting({
    key: 'channels.slack.baseUrl',
    env: 'AEGIS_SLACK_BASE_URL',
    schema: z.url(),
    default: 'https://slack.com/api',
    description: 'Slack Web API base URL',
  }),
  setting({
    key: 'channels.slack.allowedUserIds',
    env: 'AEGIS_SLACK_ALLOWED_USER_IDS',
    schema: list,
    default: [],
    description: 'Slack user ids obeyed (comma-separated)',
  }),
  setting({
    key: 'channels.slack.incomingWebhookUrl',
    env: 'AEGIS_SLACK_WEBHOOK_URL',
    schema: z.url(),
    secret: true,
    description: 'Slack incoming webhook for notifications (target slack:webhook)',
  }),
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
      'where notifications go: channel:address[#event+event] (events: permission, question, finished, stalled, dead, pipeline, briefing); empty = every allowed Telegram chat and WhatsApp number, the Discord tasks channel, and each allowed Slack user (direct message; the incoming webhook without a bot token)',
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
    schema: z.string().min(1),
    description: 'folder in which `task: <brief>` from a chat starts its session',
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

type AnySetting = (typeof SETTINGS)[number];
/** Every key `config.get` accepts. */
export type SettingKey = AnySetting['key'];
type SpecOf<K extends SettingKey> = Extract<AnySetting, { key: K }>;
/** A setting's value: its schema's output, or undefined when it has no default and is not set. */
export type SettingValue<K extends SettingKey> =
  SpecOf<K> extends { schema: infer S extends z.ZodType; hasDefault: infer H } ? (H extends true ? z.output<S> : z.output<S> | undefined) : never;
