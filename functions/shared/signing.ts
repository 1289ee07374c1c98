import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Approval links carry only an approval id, an expiry and an HMAC-SHA256 over both and the action:
 * nothing in a URL can be used to answer Step Functions directly.
 */
export function signLink(key: Buffer, approvalId: string, expiresAt: number, action: string): string {
  return createHmac('sha256', key).update(`${approvalId}.${expiresAt}.${action}`).digest('base64url');
}

export function verifyLink(key: Buffer, approvalId: string, expiresAt: number, action: string, signature: string): boolean {
  const expected = Buffer.from(signLink(key, approvalId, expiresAt, action));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** 128 bits of randomness, URL-safe. */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
