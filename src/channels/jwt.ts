import { createHmac, createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { AegisError } from '../errors.js';
import { base64url, safeEqual } from './signing.js';

/**
 * The two JSON Web Tokens Vonage needs, with node:crypto only: RS256 tokens we sign with the
 * application's private key to call the Messages API, and HS256 tokens Vonage signs with the
 * signature secret on every webhook it sends us.
 */

/** The application private key from config: a PEM, or the PEM base64-encoded (easier to put in an env var). */
export function privateKeyFrom(raw: string): KeyObject {
  const text = raw.includes('-----BEGIN') ? raw : Buffer.from(raw.trim(), 'base64').toString('utf8');
  try {
    return createPrivateKey(text.replace(/\\n/g, '\n'));
  } catch {
    throw new AegisError('invalid_input', 'channels.vonage.privateKey is not a valid private key', {
      field: 'channels.vonage.privateKey',
      fix: 'set it to the private.key file Vonage gave you, as PEM text or base64 of it (`base64 -w0 private.key`)',
    });
  }
}

/** An application token for the Messages API: RS256, application_id, iat, exp, jti. */
export function signApplicationJwt(applicationId: string, key: KeyObject, nowSec = Math.floor(Date.now() / 1000), ttlSec = 900): string {
  const head = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify({ application_id: applicationId, iat: nowSec, nbf: nowSec, exp: nowSec + ttlSec, jti: randomUUID() }));
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), key);
  return `${head}.${body}.${base64url(signature)}`;
}

export type JwtCheck = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };

/**
 * Verifies an HS256 token: the algorithm must be HS256 (never "none" or an RSA/HMAC confusion), the
 * signature must match in constant time, exp (when present) must not have passed and iat must be
 * recent, so a captured request cannot be replayed days later.
 */
export function verifyHs256(token: string, secret: string, opts: { nowSec?: number; maxAgeSec?: number; skewSec?: number } = {}): JwtCheck {
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  const skew = opts.skewSec ?? 60;
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a JWT' };
  const [head, body, sig] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: unknown };
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'undecodable JWT' };
  }
  if (header.alg !== 'HS256') return { ok: false, reason: `unexpected alg ${String(header.alg)}` };
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  if (!safeEqual(sig, expected)) return { ok: false, reason: 'bad signature' };
  if (typeof claims.exp === 'number' && claims.exp + skew < now) return { ok: false, reason: 'expired' };
  if (typeof claims.iat === 'number') {
    if (claims.iat - skew > now) return { ok: false, reason: 'issued in the future' };
    if (opts.maxAgeSec !== undefined && now - claims.iat > opts.maxAgeSec) return { ok: false, reason: 'too old' };
  }
  return { ok: true, claims };
}
