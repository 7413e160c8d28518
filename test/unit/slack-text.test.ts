import { describe, expect, it } from 'vitest';
import { decodeSlackText } from '../../src/channels/slack-text.js';
import { SlackAdapter } from '../../src/channels/slack.js';
import type { InboundMessage } from '../../src/channels/types.js';
import { messageEvent, slackSignature } from '../fakes/slack-events.js';

const SECRET = 'slack-signing-secret-0123456789';

/** What the events webhook hands the router for what a user typed (the fake writes it on the wire as Slack does). */
function received(typed: string): string {
  const slack = new SlackAdapter({ signingSecret: SECRET, baseUrl: 'http://127.0.0.1:9', allowedUserIds: ['U1'] });
  const body = JSON.stringify(messageEvent('U1', 'C1', typed));
  const ts = Math.floor(Date.now() / 1000);
  const out = slack.webhooks[0]!.handle({
    headers: { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) },
    body: Buffer.from(body),
  });
  return (out as { inbound: InboundMessage[] }).inbound[0]!.text;
}

describe('Slack inbound text', () => {
  it('reaches the router as the person typed it, not in Slack’s escaped form', () => {
    const typed = 'c: if a < b && c > d see https://example.com/x?a=1&b=2 and &lt; stays';
    expect(received(typed)).toBe(typed);
    // The app's own mention that addresses it is not part of the command; another one is, by its id.
    expect(received('@UAEGISBOT c: ask @U0PEER about <stdin>')).toBe('c: ask @U0PEER about <stdin>');
  });

  it('reads links, mentions, channels and dates the way Slack shows them', () => {
    expect(decodeSlackText('see <https://example.com/a?b=1&amp;c=2|the docs> or <http://example.com|example.com>')).toBe(
      'see the docs (https://example.com/a?b=1&c=2) or example.com',
    );
    expect(decodeSlackText('<mailto:tess@example.com|tess@example.com> <@U123|tess> <@U456> in <#C1|general>')).toBe(
      'tess@example.com @tess @U456 in #general',
    );
    expect(decodeSlackText('<!here> <!subteam^S1|@oncall> at <!date^1392734382^{date}|Feb 18, 2014>')).toBe('@here @oncall at Feb 18, 2014');
    expect(decodeSlackText('a &amp;lt; b')).toBe('a &lt; b');
  });
});
