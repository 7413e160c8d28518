import type { ChannelName } from '../../channels/types.js';
import type { Config } from '../../config/load.js';
import { SLACK_WEBHOOK_TARGET } from '../../channels/slack.js';

/** Kinds of notification a subscriber can pick (`telegram:123#permission+question`). */
export const NOTIFY_EVENTS = ['permission', 'question', 'finished', 'stalled', 'dead', 'pipeline', 'budget', 'briefing'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** Somewhere a message can go: a channel and an address on it (chat id, phone number, channel id). */
export interface Target {
  channel: ChannelName;
  to: string;
}

export interface Subscription extends Target {
  events: Set<NotifyEvent>;
}

export const targetKey = (t: Target): string => `${t.channel}:${t.to}`;

/** Parses `channel:address[#event+event]` (the settings schema has already checked the shape). */
export function parseTarget(spec: string): Subscription {
  const [where, events] = spec.split('#') as [string, string | undefined];
  const colon = where.indexOf(':');
  const picked = events ? events.split('+').filter((e): e is NotifyEvent => (NOTIFY_EVENTS as readonly string[]).includes(e)) : [...NOTIFY_EVENTS];
  return { channel: where.slice(0, colon), to: where.slice(colon + 1), events: new Set(picked) };
}

/**
 * Who gets notifications: `notify.subscriptions`, or when that is empty, every chat and number the
 * configured Telegram and WhatsApp channels obey, Discord's tasks channel when someone is allowed
 * there, and each allowed Slack user (a direct message from the bot; through the incoming webhook
 * when there is no bot token): the people who can answer a prompt are the people to tell about it.
 */
export function subscriptions(config: Config, configured: ReadonlySet<string>): Subscription[] {
  const explicit = config.get('notify.subscriptions');
  if (explicit.length) return explicit.map(parseTarget);
  const all = new Set<NotifyEvent>(NOTIFY_EVENTS);
  const subs: Subscription[] = [];
  if (configured.has('telegram')) {
    const ids = new Set([...config.get('channels.telegram.allowedChatIds'), ...config.get('channels.telegram.allowedUserIds')]);
    for (const to of ids) subs.push({ channel: 'telegram', to, events: all });
  }
  if (configured.has('whatsapp')) for (const to of config.get('channels.vonage.allowedNumbers')) subs.push({ channel: 'whatsapp', to, events: all });
  if (configured.has('discord') && config.get('channels.discord.allowedUserIds').length)
    subs.push({ channel: 'discord', to: config.require('channels.discord.tasksChannelId'), events: all });
  if (configured.has('slack')) {
    const users = config.get('channels.slack.allowedUserIds');
    // chat.postMessage to a user id posts in the bot's direct messages with that user.
    if (config.get('channels.slack.botToken')) for (const to of users) subs.push({ channel: 'slack', to, events: all });
    else if (users.length && config.get('channels.slack.incomingWebhookUrl')) subs.push({ channel: 'slack', to: SLACK_WEBHOOK_TARGET, events: all });
  }
  return subs;
}

export function fallbackTarget(config: Config): Target | undefined {
  const spec = config.get('notify.fallback');
  return spec ? parseTarget(spec) : undefined;
}

export const alertTargets = (config: Config): Target[] => config.get('notify.alerts').map(parseTarget);
export const journalTargets = (config: Config): Target[] => config.get('notify.journal').map(parseTarget);
