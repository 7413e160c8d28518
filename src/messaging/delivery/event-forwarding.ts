import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AegisEventName } from '../../events.js';
import { plainText } from '../../channels/format.js';
import { webhookPeer } from '../../channels/outbound-webhooks.js';
import { redactDeep } from '../../util/log.js';
import type { MessagingService } from '../service.js';
import type { MessagingDeps } from '../deps.js';

/**
 * Events that happen once, in one process: the one that created the session, ran the tool call,
 * handled or sent the message, or advanced the pipeline. That process forwards them.
 */
export const ORIGIN_EVENTS = [
  'session_created',
  'before_tool_call',
  'after_tool_call',
  'message_received',
  'message_sent',
  'pipeline_stage_done',
  'budget_notice',
] as const satisfies readonly AegisEventName[];

/**
 * Events every process watching the sessions observes for itself: only the active `ag serve`
 * forwards them, so a receiver gets each once however many MCP hosts are open.
 */
export const OBSERVED_EVENTS = ['session_state_changed', 'session_turn_finished'] as const satisfies readonly AegisEventName[];

// Every lifecycle event is forwarded by exactly one of the two lists: this fails to compile otherwise.
const everyEventForwarded: Record<Exclude<AegisEventName, (typeof ORIGIN_EVENTS)[number] | (typeof OBSERVED_EVENTS)[number]>, never> = {};
void everyEventForwarded;

/**
 * Queues each of `events` as one outbox row per webhook URL: `{id, event, timestamp, context, data}`
 * (context says which Aegis process sent it), secrets masked (configured ones, and `env` maps and
 * secret-looking keys in tool arguments). The same id goes to every URL so a
 * receiver can de-duplicate retries. Rows are durable: the active `ag serve` sends them, with the
 * outbound webhooks' signature, retries and dead-letter list. Returns the unsubscriber.
 */
export function forwardEvents(
  deps: Pick<MessagingDeps, 'config' | 'events' | 'version'>,
  messaging: MessagingService,
  events: readonly AegisEventName[],
): () => void {
  const urls = deps.config.get('hooks.webhookUrls');
  if (!urls.length || !messaging.adapters.has('webhooks')) return () => {};
  const context = { aegis: deps.version, host: hostname(), pid: process.pid };
  const offs = events.map((event) =>
    deps.events.on(event, (data) => {
      const body = plainText(
        messaging.mask([JSON.stringify({ id: randomUUID(), event, timestamp: new Date().toISOString(), context, data: redactDeep(data) })]),
      );
      for (const url of urls) messaging.outbox.enqueue({ channel: 'webhooks', to: webhookPeer(url), kind: 'event', rich: [body], event });
      messaging.outbox.kick();
    }),
  );
  return () => offs.forEach((off) => off());
}
