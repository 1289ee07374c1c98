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

/**
 * Emailed one-time codes (docs/adr/0017): eight digits, stored only as an HMAC under the signing key and bound to
 * the challenge, the approval and the address, so a code is worth nothing for any other request or person and a
 * copy of the table cannot be searched for it without the key.
 */
const CODE_PURPOSE = 'dr-approver-code/v1';
export const CODE_DIGITS = 8;

/** Eight digits from a random id's bytes (a drill passes seeded ids, so its codes repeat with the seed). */
export function codeFromRandomId(id: string): string {
  const bytes = Buffer.from(id, 'base64url');
  const n = bytes.length >= 6 ? bytes.readUIntBE(0, 6) : Number.parseInt(bytes.toString('hex') || '0', 16);
  return String(n % 10 ** CODE_DIGITS).padStart(CODE_DIGITS, '0');
}

/** `12345678` -> `1234 5678`, easier to read off a phone and type back. */
export function formatCode(code: string): string {
  return `${code.slice(0, 4)} ${code.slice(4)}`;
}

/** What a person typed, as digits: spaces and dashes dropped; anything else makes it no code at all. */
export function normalizeCode(input: string): string | undefined {
  const digits = input.replace(/[\s-]/g, '');
  return new RegExp(`^\\d{${CODE_DIGITS}}$`).test(digits) ? digits : undefined;
}

export function hashCode(key: Buffer, c: { challengeId: string; approvalId: string; address: string }, code: string): string {
  return createHmac('sha256', key).update(`${CODE_PURPOSE}\n${c.challengeId}\n${c.approvalId}\n${c.address}\n${code}`).digest('base64url');
}
