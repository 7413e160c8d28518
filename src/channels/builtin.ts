import type { Config } from '../config/load.js';
import type { SettingKey } from '../config/settings.js';
import { DiscordAdapter } from './discord.js';
import { SlackAdapter } from './slack.js';
import { TelegramAdapter } from './telegram.js';
import type { ChannelAdapter, CursorStore } from './types.js';
import { OutboundWebhooksAdapter } from './outbound-webhooks.js';
import { WhatsAppAdapter } from './whatsapp.js';

/**
 * A channel that ships with Aegis, in the shape of an integration's channel: `requires` plays the
 * part of setup.json's required settings (config keys here, src/config/settings.ts) and `factory` is
 * the ChannelFactory a `channel.js|ts` exports. Both kinds go through the same validation and
 * registration (src/channels/registry.ts); built-in factories are synchronous so every process has
 * them without waiting for integrations to load.
 */
export interface BuiltinChannel {
  name: string;
  /** The adapter's source file, named in clash errors. */
  source: string;
  /** Settings that must be set for the channel to count as configured. */
  requires: readonly SettingKey[];
  factory: (ctx: BuiltinChannelContext) => ChannelAdapter;
}

/** What a built-in factory reads: config for its settings, and where a polling channel keeps its cursor. */
export interface BuiltinChannelContext {
  config: Config;
  cursors: CursorStore;
}

export const BUILTIN_CHANNELS: readonly BuiltinChannel[] = [
  {
    name: 'telegram',
    source: 'src/channels/telegram.ts',
    requires: ['channels.telegram.botToken'],
    factory: ({ config }) =>
      new TelegramAdapter({
        token: config.require('channels.telegram.botToken'),
        baseUrl: config.get('channels.telegram.baseUrl'),
        allowedChatIds: config.get('channels.telegram.allowedChatIds'),
        allowedUserIds: config.get('channels.telegram.allowedUserIds'),
        pollSeconds: config.get('channels.telegram.pollSeconds'),
        webhookUrl: config.get('channels.telegram.webhookUrl'),
        webhookSecret: config.get('channels.telegram.webhookSecret'),
      }),
  },
  {
    name: 'whatsapp',
    source: 'src/channels/whatsapp.ts',
    requires: ['channels.vonage.applicationId', 'channels.vonage.privateKey', 'channels.vonage.fromNumber'],
    factory: ({ config }) =>
      new WhatsAppAdapter({
        applicationId: config.require('channels.vonage.applicationId'),
        privateKey: config.require('channels.vonage.privateKey'),
        fromNumber: config.require('channels.vonage.fromNumber'),
        allowedNumbers: config.get('channels.vonage.allowedNumbers'),
        baseUrl: config.get('channels.vonage.baseUrl'),
        signatureSecret: config.get('channels.vonage.signatureSecret'),
        signatureMode: config.get('channels.vonage.signatureMode'),
      }),
  },
  {
    name: 'discord',
    source: 'src/channels/discord.ts',
    requires: ['channels.discord.botToken', 'channels.discord.tasksChannelId'],
    factory: ({ config, cursors }) =>
      new DiscordAdapter({
        token: config.require('channels.discord.botToken'),
        baseUrl: config.get('channels.discord.baseUrl'),
        tasksChannelId: config.require('channels.discord.tasksChannelId'),
        allowedUserIds: config.get('channels.discord.allowedUserIds'),
        pollSeconds: config.get('channels.discord.pollSeconds'),
        publicKey: config.get('channels.discord.publicKey'),
        cursors,
      }),
  },
  {
    name: 'slack',
    source: 'src/channels/slack.ts',
    requires: ['channels.slack.signingSecret'],
    factory: ({ config }) =>
      new SlackAdapter({
        signingSecret: config.require('channels.slack.signingSecret'),
        botToken: config.get('channels.slack.botToken'),
        incomingWebhookUrl: config.get('channels.slack.incomingWebhookUrl'),
        baseUrl: config.get('channels.slack.baseUrl'),
        allowedUserIds: config.get('channels.slack.allowedUserIds'),
      }),
  },
  {
    name: 'webhooks',
    source: 'src/channels/outbound-webhooks.ts',
    requires: ['hooks.webhookUrls'],
    factory: ({ config }) =>
      new OutboundWebhooksAdapter({
        urls: config.get('hooks.webhookUrls'),
        secret: config.get('hooks.webhookSecret'),
        maxAttempts: config.get('hooks.webhookMaxAttempts'),
      }),
  },
];
