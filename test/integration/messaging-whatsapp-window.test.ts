import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/messaging/index.js';
import { inboundText, postWebhook, startFakeVonage, statusUpdate, type FakeVonage } from '../fakes/vonage-server.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, startServe, type MessagingWorld } from './messaging-helpers.js';

const SECRET = 'vonage-signature-secret-0123456789abcdef';
const ME = '447700900000';
const BOT = '447700900001';
const WINDOW_ERROR = {
  type: 'https://developer.vonage.com/api-errors/messages#1340',
  title: 'Outside the allowed window',
  detail: 'the user has not written in the last 24 hours',
};

/**
 * WhatsApp outside the 24-hour window: Vonage accepts the message, then reports it rejected with
 * error 1340. The message is held, not lost; the configured approved template invites the person
 * back (once); when they write, everything held goes out, in order, once.
 */
describe('WhatsApp outside the 24-hour window', { timeout: 60_000 }, () => {
  let vonage: FakeVonage;
  let world: MessagingWorld;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let status: string;
  let inbound: string;

  beforeAll(async () => {
    vonage = await startFakeVonage();
    world = makeMessagingWorld({
      AEGIS_VONAGE_APPLICATION_ID: vonage.applicationId,
      AEGIS_VONAGE_PRIVATE_KEY: vonage.privateKeyBase64,
      AEGIS_VONAGE_SIGNATURE_SECRET: SECRET,
      AEGIS_VONAGE_WHATSAPP_NUMBER: BOT,
      AEGIS_VONAGE_ALLOWED_NUMBERS: ME,
      AEGIS_VONAGE_BASE_URL: vonage.url,
      AEGIS_VONAGE_TEMPLATE_NAME: 'aegis_waiting',
      AEGIS_VONAGE_TEMPLATE_LOCALE: 'en_GB',
      AEGIS_VONAGE_TEMPLATE_PARAMETERS: 'Aegis',
    });
    serve = await startServe(world.t.env);
    status = `${serve.serve.url}/api/vonage/whatsapp/status`;
    inbound = `${serve.serve.url}/api/vonage/whatsapp/inbound`;
  });
  afterAll(async () => {
    await serve?.stop();
    await vonage?.close();
    await world?.cleanup();
  });

  const rows = () => listMessages(serve.app.db, { channel: 'whatsapp', direction: 'out', limit: 100, offset: 0 }).messages;
  /** Sends through the outbox; WhatsApp takes it, then its status says the window is closed. */
  const refused = async (text: string) => {
    const [id] = await serve.app.messaging.sendDirect({ channel: 'whatsapp', to: ME, rich: [text] });
    const uuid = rows().find((r) => r.id === id)!.externalId!;
    expect(vonage.refusedByWindow.map((r) => r.messageUuid)).toContain(uuid);
    expect((await postWebhook(status, statusUpdate(uuid, ME, BOT, 'rejected', WINDOW_ERROR), { secret: SECRET })).status).toBe(200);
    return id!;
  };

  it('holds what WhatsApp refused, invites with the template once, and sends everything when the person writes', async () => {
    vonage.closeWindow(ME);
    const first = await refused('build finished: all green');
    const invite = await waitFor(() => vonage.sent.find((s) => s.to === ME && s.messageType === 'template'), { what: 'the template invitation' });
    expect(invite.template).toEqual({ name: 'aegis_waiting', parameters: ['Aegis'], locale: 'en_GB' });
    const held = rows().find((r) => r.id === first)!;
    expect(held.status).toBe('queued');
    expect(held.error).toContain("WhatsApp's 24-hour window is closed (Vonage 1340)");
    const second = await refused('second note while away');
    await waitFor(() => rows().find((r) => r.id === second)?.status === 'queued', { what: 'the second message held' });
    expect(vonage.sent.filter((s) => s.messageType === 'template')).toHaveLength(1);
    expect(vonage.sent.filter((s) => s.text?.includes('all green'))).toHaveLength(0);

    // The person answers the invitation: the window opens, and what waited goes out in order, once.
    vonage.openWindow(ME);
    expect((await postWebhook(inbound, inboundText(ME, BOT, 'hi, I am back'), { secret: SECRET })).status).toBe(200);
    await waitFor(() => [first, second].every((id) => rows().find((r) => r.id === id)?.status === 'sent'), { what: 'the held messages sent' });
    const texts = vonage.sent.filter((s) => s.to === ME && s.messageType === 'text').map((s) => s.text);
    expect(texts.filter((t) => t === 'build finished: all green' || t === 'second note while away')).toEqual([
      'build finished: all green',
      'second note while away',
    ]);
  });
});
