import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/messaging/index.js';
import {
  inboundReply,
  inboundText,
  postWebhook,
  startFakeVonage,
  statusUpdate,
  vonageWebhookToken,
  type FakeVonage,
  type VonageSent,
} from '../fakes/vonage-server.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, startServe, type MessagingWorld } from './messaging-helpers.js';

const SECRET = 'vonage-signature-secret-0123456789abcdef';
const ME = '447700900000';
const BOT = '447700900001';

/**
 * WhatsApp through the Vonage Messages API end to end: signed inbound webhooks into `ag serve`,
 * replies and notifications out through a local fake Messages API that checks the RS256 application
 * token, delivery receipts through the status webhook, and forged or replayed webhooks refused.
 */
describe('messaging over WhatsApp (Vonage)', { timeout: 60_000 }, () => {
  let vonage: FakeVonage;
  let world: MessagingWorld;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let inbound: string;
  let status: string;

  beforeAll(async () => {
    vonage = await startFakeVonage();
    world = makeMessagingWorld({
      AEGIS_VONAGE_APPLICATION_ID: vonage.applicationId,
      AEGIS_VONAGE_PRIVATE_KEY: vonage.privateKeyBase64,
      AEGIS_VONAGE_SIGNATURE_SECRET: SECRET,
      AEGIS_VONAGE_WHATSAPP_NUMBER: BOT,
      AEGIS_VONAGE_ALLOWED_NUMBERS: '+44 7700 900000',
      AEGIS_VONAGE_BASE_URL: vonage.url,
    });
    serve = await startServe(world.t.env);
    inbound = `${serve.serve.url}/api/vonage/whatsapp/inbound`;
    status = `${serve.serve.url}/api/vonage/whatsapp/status`;
  });
  afterAll(async () => {
    await serve?.stop();
    await vonage?.close();
    await world?.cleanup();
  });

  const say = (text: string, uuid?: string) => postWebhook(inbound, inboundText(ME, BOT, text, uuid), { secret: SECRET });
  const waitSent = (pred: (s: VonageSent) => boolean, what: string) => waitFor(() => vonage.sent.find(pred), { timeoutMs: 20_000, what });
  const inboundRows = () => listMessages(serve.app.db, { channel: 'whatsapp', direction: 'in', limit: 500, offset: 0 }).messages;

  it('runs a task from a signed inbound webhook, notifies the prompt, approves it by code, and replies', async () => {
    const target = join(world.workDir, 'whatsapp.txt');
    expect((await say(`task: RUN echo wa > ${target}`)).status).toBe(200);
    const started = await waitSent((s) => !!s.text?.includes('Started'), 'the task reply');
    expect(started).toMatchObject({ to: ME, from: BOT, channel: 'whatsapp', messageType: 'text' });
    expect(started.text).toMatch(/Started \*claude-[0-9a-f]{8}\*/);

    // The prompt's four choices come as a WhatsApp list (reply buttons hold three); its text still names the typed command.
    const prompt = await waitSent((s) => !!s.interactive?.body.text.includes('wants to use'), 'the permission notification');
    expect(prompt.messageType).toBe('custom');
    const body = prompt.interactive!.body.text;
    expect(body).toContain('`echo wa >');
    const code = /\*approve ([0-9a-f]{3,4})\*/.exec(body)?.[1];
    expect(code).toBeDefined();
    expect(prompt.interactive).toMatchObject({ type: 'list' });
    expect(prompt.interactive!.action.sections![0]!.rows.map((r) => r.id)).toEqual([
      `approve ${code}`,
      `reject ${code}`,
      `approve ${code} always`,
      `reason ${code}`,
    ]);

    // A press of Approve arrives as a reply message whose id is the command.
    expect((await postWebhook(inbound, inboundReply(ME, BOT, `approve ${code}`, '✅ Approve'), { secret: SECRET })).status).toBe(200);
    await waitFor(() => existsSync(target), { what: 'the approved command to run' });
    await waitSent((s) => !!s.text?.includes('Approved'), 'the approve reply');
    await waitSent((s) => !!s.text?.includes('finished') && !!s.text.includes('RAN:'), 'the finished notification');
    expect(vonage.rejectedAuth).toBe(0);
  });

  it("shows up to 3 choices as reply buttons, up to 10 as a list, and falls back to text past WhatsApp's limits", async () => {
    const wa = serve.app.messaging.adapters.get('whatsapp')!;
    const options = (n: number) => [
      Array.from({ length: n }, (_, i) => ({
        label: `${i + 1}. ${i === 0 ? 'Yes, and do not ask again for this command' : `Option ${i + 1}`}`,
        data: `answer abc ${i + 1}`,
      })),
    ];
    const sentTo = async (text: string, buttons: { label: string; data: string }[][]) => {
      const { externalId } = await wa.send({ to: ME, text, buttons });
      return vonage.sent.find((s) => s.messageUuid === externalId)!;
    };
    const list = await sentTo('Which one?', options(5));
    expect(list).toMatchObject({ messageType: 'custom', interactive: { type: 'list', body: { text: 'Which one?' }, action: { button: 'Choose' } } });
    const rows = list.interactive!.action.sections![0]!.rows;
    expect(rows.map((r) => r.id)).toEqual(['answer abc 1', 'answer abc 2', 'answer abc 3', 'answer abc 4', 'answer abc 5']);
    expect(rows[0]).toEqual({ id: 'answer abc 1', title: '1. Yes, and do not ask…', description: '1. Yes, and do not ask again for this command' });
    // A long first label cannot be a 20-character button title: three options go as a list too.
    expect((await sentTo('Pick', options(3))).interactive?.type).toBe('list');
    expect((await sentTo('x'.repeat(1500), options(2))).messageType).toBe('text');
    expect((await sentTo('Too many', options(11))).messageType).toBe('text');
  });

  it('refuses forged, tampered, stale or missing signatures with 401 and stores and runs nothing', async () => {
    const before = inboundRows().length;
    const sentBefore = vonage.sent.length;
    const payload = inboundText(ME, BOT, 'task: RUN touch forged');
    const body = JSON.stringify(payload);
    const forged = await postWebhook(inbound, payload, { secret: 'not-the-secret-at-all-0123456789' });
    const missing = await postWebhook(inbound, payload, { auth: null });
    const tampered = await postWebhook(inbound, payload, { auth: `Bearer ${vonageWebhookToken(SECRET, body.replace('forged', 'other'))}` });
    const stale = await postWebhook(inbound, payload, { auth: `Bearer ${vonageWebhookToken(SECRET, body, { iat: Math.floor(Date.now() / 1000) - 3_600 })}` });
    const noneAlg = await postWebhook(inbound, payload, {
      auth: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`,
    });
    for (const r of [forged, missing, tampered, stale, noneAlg]) expect(r.status).toBe(401);
    const statusForged = await postWebhook(status, statusUpdate(randomUUID(), ME, BOT, 'read'), { secret: 'wrong-secret-wrong-secret-wrong' });
    expect(statusForged.status).toBe(401);
    expect(inboundRows().length).toBe(before);
    // Give a wrongly accepted message the time it would need to answer, then check nothing went out.
    await say('help');
    await waitSent((s) => !!s.text?.includes('Aegis commands'), 'help');
    expect(vonage.sent.slice(sentBefore).filter((s) => s.text?.includes('Started'))).toEqual([]);
    expect(existsSync(join(world.workDir, 'forged'))).toBe(false);
  });

  it('does not run a task whose webhook comes hours after it was sent (a retry, a backlog); tells the sender', async () => {
    await postWebhook(inbound, inboundText(ME, BOT, 'task: stale whatsapp work', undefined, Date.now() - 5 * 3_600_000), { secret: SECRET });
    const told = await waitSent((s) => !!s.text?.includes('Not run') && s.text.includes('stale whatsapp work'), 'the sender told');
    expect(told.text).toContain('5h ago');
  });

  it('runs a replayed webhook (same message_uuid) once', async () => {
    const uuid = randomUUID();
    const note = `wa note ${uuid.slice(0, 8)}`;
    expect((await say(`journal: ${note}`, uuid)).status).toBe(200);
    expect((await say(`journal: ${note}`, uuid)).status).toBe(200);
    await say('journal');
    const journal = await waitSent((s) => !!s.text?.includes('Journal') && !!s.text.includes(note), 'the journal');
    expect(journal.text!.split(note).length - 1).toBe(1);
    expect(inboundRows().filter((m) => m.externalId === uuid)).toHaveLength(1);
  });

  it('keeps delivery receipts on the stored message: delivered, then read, never backwards', async () => {
    await say('tasks');
    const reply = await waitSent((s) => !!s.text?.includes('Running'), 'the reply');
    const row = () =>
      listMessages(serve.app.db, { channel: 'whatsapp', direction: 'out', limit: 200, offset: 0 }).messages.find((m) => m.externalId === reply.messageUuid)!;
    await waitFor(() => row()?.status === 'sent', { what: 'the row to be sent' });
    expect((await postWebhook(status, statusUpdate(reply.messageUuid, ME, BOT, 'delivered'), { secret: SECRET })).status).toBe(200);
    expect(row().status).toBe('delivered');
    await postWebhook(status, statusUpdate(reply.messageUuid, ME, BOT, 'read'), { secret: SECRET });
    expect(row().status).toBe('read');
    await postWebhook(status, statusUpdate(reply.messageUuid, ME, BOT, 'delivered'), { secret: SECRET });
    expect(row().status).toBe('read');
  });

  it('marks a message the service rejected as failed with its error', async () => {
    await say('pending');
    const reply = await waitSent((s) => !!s.text?.includes('Nothing waits') || !!s.text?.includes('Waiting for you'), 'the reply');
    await waitFor(
      () =>
        listMessages(serve.app.db, { channel: 'whatsapp', direction: 'out', limit: 200, offset: 0 }).messages.find(
          (m) => m.externalId === reply.messageUuid && m.status === 'sent',
        ),
      { what: 'the row to be sent' },
    );
    await postWebhook(status, statusUpdate(reply.messageUuid, ME, BOT, 'rejected', { title: 'Outside the allowed window', detail: 'the 24 h window closed' }), {
      secret: SECRET,
    });
    const row = listMessages(serve.app.db, { channel: 'whatsapp', direction: 'out', limit: 200, offset: 0 }).messages.find(
      (m) => m.externalId === reply.messageUuid,
    )!;
    expect(['failed', 'dead']).toContain(row.status);
    expect(row.error).toContain('Outside the allowed window');
  });

  it('ignores unknown numbers and refuses oversized bodies', async () => {
    const stranger = randomUUID();
    expect((await postWebhook(inbound, inboundText('15550001111', BOT, 'status', stranger), { secret: SECRET })).status).toBe(200);
    await waitFor(() => inboundRows().find((m) => m.externalId === stranger && m.status === 'ignored'), { what: 'the ignored row' });
    expect(vonage.sent.filter((s) => s.to === '15550001111')).toEqual([]);
    // A stranger's button press is answered, in a message of its own (WhatsApp has no toast), and runs nothing.
    const press = randomUUID();
    expect((await postWebhook(inbound, inboundReply('15550001111', BOT, 'journal: stranger press', 'Approve', press), { secret: SECRET })).status).toBe(200);
    await waitFor(() => vonage.sent.find((s) => s.to === '15550001111' && s.text?.includes('Not allowed')), { what: 'the not-allowed answer' });
    await waitFor(() => inboundRows().find((m) => m.externalId === press && m.status === 'ignored'), { what: 'the refused press recorded' });
    const huge = inboundText(ME, BOT, 'x'.repeat(300_000));
    expect((await postWebhook(inbound, huge, { secret: SECRET })).status).toBe(413);
  });
});
