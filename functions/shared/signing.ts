import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Approval links carry only an approval id, an expiry and an HMAC-SHA256 over both and the action:
 * nothing in a URL can be used to answer Step Functions directly (the task token stays in the record).
 * The purpose prefix keeps a MAC made with this key for anything else from ever passing as a link.
 */
const LINK_PURPOSE = 'dr-approval-link/v1';

/** base64url of a SHA-256 digest, unpadded. */
export const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function signLink(key: Buffer, approvalId: string, expiresAt: number, action: string): string {
  return createHmac('sha256', key).update(`${LINK_PURPOSE}\n${approvalId}\n${expiresAt}\n${action}`).digest('base64url');
}

/** Constant time over the signature bytes; a malformed signature is simply not valid. */
export function verifyLink(key: Buffer, approvalId: string, expiresAt: number, action: string, signature: string): boolean {
  if (!SIGNATURE_PATTERN.test(signature)) return false;
  return safeEqual(signLink(key, approvalId, expiresAt, action), signature);
}

/**
 * Compares secrets without leaking where they differ. Both sides are hashed first so the comparison
 * runs over equal lengths and does not even reveal the length of the expected value.
 */
export function safeEqual(a: string, b: string): boolean {
  const x = createHmac('sha256', 'safe-equal').update(a).digest();
  const y = createHmac('sha256', 'safe-equal').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

/** 128 bits of randomness, URL-safe. */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
