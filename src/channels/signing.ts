import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Compares a received signature with the expected one in constant time, so response timing never
 * tells an attacker how many leading characters were right. Different lengths are unequal (checked
 * on digests of equal length, so the length check itself leaks nothing useful).
 */
export function safeEqual(received: string, expected: string): boolean {
  const a = createHash('sha256').update(received).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && received.length === expected.length;
}

export const hmacSha256Hex = (secret: string | Buffer, data: string | Buffer): string => createHmac('sha256', secret).update(data).digest('hex');

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** Header value as one string (node gives repeated headers as arrays). */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
