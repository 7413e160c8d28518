import { createHmac, randomUUID } from 'node:crypto';

/**
 * Slack's side of the Events API and interactivity: signs a payload the way Slack does (X-Slack-Request-Timestamp and
 * X-Slack-Signature = v0= hex HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret) and
 * POSTs it to our webhook.
 */

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/**
 * What a user typed, as Slack delivers it (Slack's "Formatting text for app surfaces"): `&`, `<`, `>`
 * escaped, a typed link wrapped as `<https://…>`, a mention picked in the client (`@U123`) as `<@U123>`.
 */
export function slackWire(typed: string): string {
  return typed
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/https?:\/\/[^\s]+/g, (url) => `<${url}>`)
    .replace(/(^|\s)@(U[A-Z0-9]+)\b/g, '$1<@$2>');
}

/** A message event for what `user` typed in `channel`; its text is on the wire as Slack writes it. */
export function messageEvent(
  user: string,
  channel: string,
  typed: string,
  eventId = `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
  /** When the message was posted (ms): its ts. */
  at = Date.now(),
): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T000',
    api_app_id: 'A000',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'message', channel, user, text: slackWire(typed), ts: (at / 1000).toFixed(6), channel_type: 'channel' },
  };
}

export const urlVerification = (challenge: string): Record<string, unknown> => ({ token: 'legacy-verification-token', challenge, type: 'url_verification' });

export async function postSlackEvent(
  url: string,
  secret: string,
  payload: unknown,
  opts: { timestamp?: number; signature?: string | null } = {},
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts) };
  if (opts.signature !== null) headers['x-slack-signature'] = opts.signature ?? slackSignature(secret, ts, body);
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}

/** A button press as Slack posts it to the Interactivity Request URL (block_actions). */
export function blockActions(
  user: string,
  channel: string,
  value: string,
  opts: { responseUrl: string; messageText: string; messageTs?: string; triggerId?: string },
): Record<string, unknown> {
  const now = `${Date.now() / 1000}`;
  return {
    type: 'block_actions',
    trigger_id: opts.triggerId ?? `${Date.now()}.${randomUUID().slice(0, 8)}`,
    user: { id: user, username: `user-${user}`, team_id: 'T000' },
    api_app_id: 'A000',
    team: { id: 'T000' },
    container: { type: 'message', message_ts: opts.messageTs ?? now, channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'general' },
    message: { type: 'message', text: opts.messageText, ts: opts.messageTs ?? now },
    response_url: opts.responseUrl,
    actions: [{ type: 'button', action_id: 'aegis-0', block_id: 'b1', value, action_ts: now }],
  };
}

/** Posts an interaction the way Slack does: form-encoded `payload=<json>`, signed like events. */
export async function postSlackInteraction(
  url: string,
  secret: string,
  payload: unknown,
  opts: { signature?: string | null } = {},
): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts) };
  if (opts.signature !== null) headers['x-slack-signature'] = opts.signature ?? slackSignature(secret, ts, body);
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}
