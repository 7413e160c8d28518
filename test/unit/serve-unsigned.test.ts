import { describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../src/channels/telegram.js';
import { refuseUnsigned, type MountedRoute } from '../../src/messaging/serve/inbound-webhook-server.js';

const route = (channel: MountedRoute['channel'], signed: boolean): MountedRoute => ({ channel, route: { signed } as MountedRoute['route'] });

describe('ag serve receives only signed webhooks, whatever address it binds', () => {
  it('refuses an unsigned route, naming the setting and its environment variable', () => {
    let err: unknown;
    try {
      refuseUnsigned([route('telegram', true), route('whatsapp', false)]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ message: expect.stringContaining('whatsapp') as unknown, field: 'channels.vonage.signatureSecret' });
    expect((err as { fix: string }).fix).toContain('AEGIS_VONAGE_SIGNATURE_SECRET');
    expect((err as { fix: string }).fix).not.toMatch(/127\.0\.0\.1|tunnel/);
  });

  it("names an integration's channel it has no setting for", () => {
    expect(() => refuseUnsigned([route('example', false)])).toThrow(/webhooks of example/);
  });

  it('lets signed routes through', () => {
    expect(() => refuseUnsigned([route('slack', true), route('telegram', true)])).not.toThrow();
  });

  it('a Telegram webhook without a configured secret is signed with a generated one: an update without it is refused', () => {
    const tg = new TelegramAdapter({
      token: '1:x',
      baseUrl: 'http://127.0.0.1:9',
      allowedChatIds: ['42'],
      allowedUserIds: [],
      pollSeconds: 0,
      webhookUrl: 'https://aegis.example.test/api/telegram/webhook',
    });
    const hook = tg.webhooks[0]!;
    expect(hook.signed).toBe(true);
    const body = Buffer.from(JSON.stringify({ update_id: 1, message: { message_id: 1, from: { id: 42 }, chat: { id: 42 }, text: 'task: id' } }));
    const outcome = hook.handle({ headers: {}, body });
    expect(outcome.status).toBe(401);
    expect(outcome.inbound).toBeUndefined();
  });
});
