import { codeFromRandomId, formatCode, hashCode, normalizeCode, randomId, safeEqual, signLink, verifyLink } from '../../functions/shared/signing';
import { KEY, OTHER_KEY } from '../support/approval-fixtures';

describe('approval link signing', () => {
  it('produces an unpadded base64url SHA-256 MAC that verifies with the same inputs', () => {
    const sig = signLink(KEY, 'abcdefghijklmnopqrstuv', 1_735_787_045_000, 'regional-failover');
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyLink(KEY, 'abcdefghijklmnopqrstuv', 1_735_787_045_000, 'regional-failover', sig)).toBe(true);
  });

  it('binds every input: id, expiry, action and key', () => {
    const sig = signLink(KEY, 'abcdefghijklmnopqrstuv', 1_000, 'regional-failover');
    expect(verifyLink(KEY, 'abcdefghijklmnopqrstuw', 1_000, 'regional-failover', sig)).toBe(false);
    expect(verifyLink(KEY, 'abcdefghijklmnopqrstuv', 1_001, 'regional-failover', sig)).toBe(false);
    expect(verifyLink(KEY, 'abcdefghijklmnopqrstuv', 1_000, 'regional-failback', sig)).toBe(false);
    expect(verifyLink(OTHER_KEY, 'abcdefghijklmnopqrstuv', 1_000, 'regional-failover', sig)).toBe(false);
  });

  it('cannot be shifted between fields (id "a.1" + exp 2 is not id "a" + exp 12)', () => {
    const sig = signLink(KEY, 'a\n1', 2, 'x');
    expect(verifyLink(KEY, 'a', 12, 'x', sig)).toBe(false);
  });

  it('rejects malformed signatures without throwing: wrong length, padding, other alphabets', () => {
    const sig = signLink(KEY, 'abcdefghijklmnopqrstuv', 1_000, 'regional-failover');
    for (const bad of ['', sig.slice(1), `${sig}=`, `${sig}A`, sig.replace(/.$/, '+'), '🙂'.repeat(43)]) {
      expect(verifyLink(KEY, 'abcdefghijklmnopqrstuv', 1_000, 'regional-failover', bad)).toBe(false);
    }
  });
});

describe('safeEqual', () => {
  it('is true only for identical strings, whatever their lengths', () => {
    expect(safeEqual('token-123', 'token-123')).toBe(true);
    expect(safeEqual('token-123', 'token-124')).toBe(false);
    expect(safeEqual('token-123', 'token-1234')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});

describe('randomId', () => {
  it('gives 128 bits as 22 URL-safe characters, never the same twice', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('emailed one-time codes', () => {
  it('eight digits from a random id, read back with or without spaces and dashes, anything else is no code', () => {
    const code = codeFromRandomId(randomId());
    expect(code).toMatch(/^\d{8}$/);
    expect(formatCode('12345678')).toBe('1234 5678');
    expect(normalizeCode(' 1234 5678 ')).toBe('12345678');
    expect(normalizeCode('1234-5678')).toBe('12345678');
    for (const bad of ['1234567', '123456789', 'oncall@example.com', '1234 567x', '']) expect(normalizeCode(bad)).toBeUndefined();
  });

  it('the stored hash binds the code to its challenge, approval and address, under the signing key', () => {
    const c = { challengeId: 'c1', approvalId: 'a1', address: 'oncall@example.com' };
    const h = hashCode(KEY, c, '12345678');
    expect(h).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashCode(KEY, c, '12345679')).not.toBe(h);
    expect(hashCode(KEY, { ...c, challengeId: 'c2' }, '12345678')).not.toBe(h);
    expect(hashCode(KEY, { ...c, approvalId: 'a2' }, '12345678')).not.toBe(h);
    expect(hashCode(KEY, { ...c, address: 'other@example.com' }, '12345678')).not.toBe(h);
    expect(hashCode(OTHER_KEY, c, '12345678')).not.toBe(h);
  });
});
