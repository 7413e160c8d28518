import { createHash, createHmac, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { privateKeyFrom, signApplicationJwt, verifyHs256 } from '../../src/channels/jwt.js';
import { safeEqual } from '../../src/channels/signing.js';
import { SlackAdapter } from '../../src/channels/slack.js';
import { signDelivery } from '../../src/channels/outbound-webhooks.js';
import { WhatsAppAdapter } from '../../src/channels/whatsapp.js';
import { AegisError } from '../../src/errors.js';
import { inboundText, vonageWebhookToken } from '../fakes/vonage-server.js';
import { slackSignature } from '../fakes/slack-events.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const SECRET = 'signature-secret-0123456789abcdef';

function whatsapp(mode: 'jwt' | 'hmac', secret?: string) {
  return new WhatsAppAdapter({
    applicationId: 'app-1',
    privateKey: pem,
    fromNumber: '447700900001',
    allowedNumbers: ['+44 7700 900000'],
    baseUrl: 'http://127.0.0.1:9',
    signatureSecret: secret,
    signatureMode: mode,
  });
}
const inboundRoute = (a: WhatsAppAdapter) => a.webhooks.find((r) => r.path.endsWith('/inbound'))!;

describe('Vonage application token (RS256)', () => {
  it('is a JWT signed with the private key that the public key verifies, with the claims Vonage needs', () => {
    const token = signApplicationJwt('app-1', privateKeyFrom(pem), 1_700_000_000, 900);
    const [h, p, s] = token.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ application_id: 'app-1', iat: 1_700_000_000, exp: 1_700_000_900 });
    expect(typeof claims.jti).toBe('string');
    expect(verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey(pem), Buffer.from(s, 'base64url'))).toBe(true);
    expect(verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))).toBe(true);
  });

  it('takes the key as PEM or as base64 of the PEM, and names the setting when it is neither', () => {
    expect(privateKeyFrom(Buffer.from(pem).toString('base64')).asymmetricKeyType).toBe('rsa');
    expect(() => privateKeyFrom('not a key')).toThrow(AegisError);
    try {
      privateKeyFrom('not a key');
    } catch (err) {
      expect((err as AegisError).field).toBe('channels.vonage.privateKey');
      expect((err as AegisError).message).not.toContain('not a key');
    }
  });
});

describe('signed webhooks', () => {
  it('verifies HS256 tokens and refuses alg none, bad signatures, expired and old tokens', () => {
    const now = 1_700_000_000;
    const token = vonageWebhookToken(SECRET, '{}', { iat: now });
    expect(verifyHs256(token, SECRET, { nowSec: now, maxAgeSec: 600 })).toMatchObject({ ok: true });
    expect(verifyHs256(token, 'other-secret', { nowSec: now })).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyHs256(token, SECRET, { nowSec: now + 3_600, maxAgeSec: 600 })).toEqual({ ok: false, reason: 'too old' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    expect(verifyHs256(none, SECRET)).toEqual({ ok: false, reason: 'unexpected alg none' });
    expect(verifyHs256('garbage', SECRET)).toEqual({ ok: false, reason: 'not a JWT' });
  });

  it('Vonage JWT mode: accepts a token whose payload_hash is the body, refuses any other body', () => {
    const a = whatsapp('jwt', SECRET);
    const body = JSON.stringify(inboundText('447700900000', '447700900001', 'status'));
    const ok = inboundRoute(a).handle({ headers: { authorization: `Bearer ${vonageWebhookToken(SECRET, body)}` }, body: Buffer.from(body) });
    expect(ok.status).toBe(200);
    expect(ok.inbound?.[0]).toMatchObject({ channel: 'whatsapp', sender: '447700900000', text: 'status' });
    const other = inboundRoute(a).handle({
      headers: { authorization: `Bearer ${vonageWebhookToken(SECRET, body)}` },
      body: Buffer.from(body.replace('status', 'tasks')),
    });
    expect(other).toMatchObject({ status: 401, refused: 'payload_hash does not match the body' });
    expect(other.inbound).toBeUndefined();
  });

  it('HMAC mode: X-Signature must be the hex HMAC-SHA256 of the raw body', () => {
    const a = whatsapp('hmac', SECRET);
    const body = JSON.stringify(inboundText('447700900000', '447700900001', 'help'));
    const sig = createHmac('sha256', SECRET).update(body).digest('hex');
    expect(inboundRoute(a).handle({ headers: { 'x-signature': sig }, body: Buffer.from(body) }).status).toBe(200);
    expect(inboundRoute(a).handle({ headers: { 'x-signature': `sha256=${sig}` }, body: Buffer.from(body) }).status).toBe(200);
    const forged = `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`;
    expect(inboundRoute(a).handle({ headers: { 'x-signature': forged }, body: Buffer.from(body) }).status).toBe(401);
    expect(inboundRoute(a).handle({ headers: {}, body: Buffer.from(body) }).status).toBe(401);
  });

  it('without a secret the route is marked unsigned and refuses every request (ag serve refuses to start so)', () => {
    expect(inboundRoute(whatsapp('jwt', SECRET)).signed).toBe(true);
    const route = inboundRoute(whatsapp('jwt'));
    expect(route.signed).toBe(false);
    const body = JSON.stringify(inboundText('447700900000', '447700900001', 'task: id'));
    const outcome = route.handle({ headers: { authorization: `Bearer ${vonageWebhookToken(SECRET, body)}` }, body: Buffer.from(body) });
    expect(outcome).toMatchObject({ status: 401, refused: 'channels.vonage.signatureSecret is not set' });
    expect(outcome.inbound).toBeUndefined();
  });

  it('Slack: v0 signature over timestamp and body, within five minutes', () => {
    const slack = new SlackAdapter({ signingSecret: SECRET, baseUrl: 'http://127.0.0.1:9', allowedUserIds: ['U1'] });
    const route = slack.webhooks[0]!;
    const body = JSON.stringify({ type: 'url_verification', challenge: 'c1' });
    const ts = Math.floor(Date.now() / 1000);
    expect(
      route.handle({ headers: { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) }, body: Buffer.from(body) }),
    ).toMatchObject({ status: 200, body: { challenge: 'c1' } });
    const old = ts - 301;
    expect(
      route.handle({ headers: { 'x-slack-request-timestamp': String(old), 'x-slack-signature': slackSignature(SECRET, old, body) }, body: Buffer.from(body) })
        .status,
    ).toBe(401);
  });

  it('outbound webhook signature covers the timestamp and the body', () => {
    const body = '{"event":"x"}';
    expect(signDelivery(SECRET, 1_700_000_000, body)).toBe(`t=1700000000,v1=${createHmac('sha256', SECRET).update(`1700000000.${body}`).digest('hex')}`);
  });

  it('compares signatures in constant time and tells different lengths apart', () => {
    const a = createHash('sha256').update('x').digest('hex');
    expect(safeEqual(a, a)).toBe(true);
    expect(safeEqual(a, a.slice(0, -1))).toBe(false);
    expect(safeEqual(a, 'f'.repeat(64))).toBe(false);
  });
});
