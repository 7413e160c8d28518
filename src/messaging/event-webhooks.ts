import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { App } from '../app.js';
import type { AegisEventName } from '../events.js';
import type { MessagingService } from './service.js';

/**
 * Lifecycle events delivered to the outbound webhooks. Tool-call events are left out: they are many
 * per second under load and their inputs may hold text users did not mean to publish.
 */
export const FORWARDED_EVENTS = ['session_created', 'session_state_changed', 'session_turn_finished', 'message_received', 'message_sent', 'pipeline_stage_done'] as const satisfies readonly AegisEventName[];

/**
 * Queues every forwarded event as one outbox row per webhook URL: `{id, event, timestamp, context, data}`
 * (context says which Aegis sent it); the same id goes to every URL so a receiver can de-duplicate
 * retries. Returns the unsubscriber.
 */
export function forwardEvents(app: App, messaging: MessagingService): () => void {
  const urls = app.config.get<string[]>('hooks.webhookUrls');
  if (!urls.length || !messaging.adapters.has('webhooks')) return () => {};
  const context = { aegis: app.version, host: hostname(), pid: process.pid };
  const offs = FORWARDED_EVENTS.map((event) =>
    app.events.on(event, (data) => {
      const body = JSON.stringify({ id: randomUUID(), event, timestamp: new Date().toISOString(), context, data });
      for (const url of urls) messaging.outbox.enqueue({ channel: 'webhooks', to: url, kind: 'event', rich: [body], event });
      messaging.outbox.kick();
    }),
  );
  return () => offs.forEach((off) => off());
}
