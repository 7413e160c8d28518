/**
 * Settings of the chat channels: Telegram, Vonage (WhatsApp), Discord and Slack credentials,
 * allow-lists, API base URLs and polling. Assembled with the other areas' in ../settings.ts.
 */
import * as z from 'zod';
import { intFrom, list, setting } from './define.js';

export const CHANNEL_SETTINGS = [
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
] as const;
