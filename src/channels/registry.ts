import type { Config } from '../config/load.js';
import { CHANNEL_REQUIREMENTS } from '../config/settings.js';
import { DiscordAdapter } from './discord.js';
import { SlackAdapter } from './slack.js';
import { TelegramAdapter } from './telegram.js';
import { CHANNEL_NAMES, type ChannelAdapter, type ChannelName, type CursorStore } from './types.js';
import { WebhooksAdapter } from './webhooks.js';
import { WhatsAppAdapter } from './whatsapp.js';

/** Settings a channel still needs before it counts as configured (CHANNEL_REQUIREMENTS is the one list). */
export function missingSettings(config: Config, channel: ChannelName): string[] {
  return (CHANNEL_REQUIREMENTS[channel] ?? []).filter((key) => {
    const v = config.settings.get(key)?.value;
    return v === undefined || (Array.isArray(v) && v.length === 0);
  });
}

const isConfigured = (config: Config, channel: ChannelName): boolean => missingSettings(config, channel).length === 0;

function build(config: Config, channel: ChannelName, cursors: CursorStore): ChannelAdapter {
  const get = <T>(key: string) => config.get<T>(key);
  switch (channel) {
    case 'telegram':
      return new TelegramAdapter({
        token: get('channels.telegram.botToken'),
        baseUrl: get('channels.telegram.baseUrl'),
        allowedChatIds: get('channels.telegram.allowedChatIds'),
        allowedUserIds: get('channels.telegram.allowedUserIds'),
        pollSeconds: get('channels.telegram.pollSeconds'),
      });
    case 'whatsapp':
      return new WhatsAppAdapter({
        applicationId: get('channels.vonage.applicationId'),
        privateKey: get('channels.vonage.privateKey'),
        fromNumber: get('channels.vonage.fromNumber'),
        allowedNumbers: get('channels.vonage.allowedNumbers'),
        baseUrl: get('channels.vonage.baseUrl'),
        signatureSecret: get('channels.vonage.signatureSecret'),
        signatureMode: get('channels.vonage.signatureMode'),
      });
    case 'discord':
      return new DiscordAdapter({
        token: get('channels.discord.botToken'),
        baseUrl: get('channels.discord.baseUrl'),
        tasksChannelId: get('channels.discord.tasksChannelId'),
        allowedUserIds: get('channels.discord.allowedUserIds'),
        pollSeconds: get('channels.discord.pollSeconds'),
        cursors,
      });
    case 'slack':
      return new SlackAdapter({
        signingSecret: get('channels.slack.signingSecret'),
        botToken: get('channels.slack.botToken'),
        incomingWebhookUrl: get('channels.slack.incomingWebhookUrl'),
        baseUrl: get('channels.slack.baseUrl'),
        allowedUserIds: get('channels.slack.allowedUserIds'),
      });
    case 'webhooks':
      return new WebhooksAdapter({ urls: get('hooks.webhookUrls'), secret: get('hooks.webhookSecret'), maxAttempts: get('hooks.webhookMaxAttempts') });
  }
}

/** An adapter for every configured channel, built from config; unconfigured channels are absent. */
export function buildAdapters(config: Config, cursors: CursorStore): Map<ChannelName, ChannelAdapter> {
  const adapters = new Map<ChannelName, ChannelAdapter>();
  for (const name of CHANNEL_NAMES) if (isConfigured(config, name)) adapters.set(name, build(config, name, cursors));
  return adapters;
}
