import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignatureHeader } from './signature';

const secret = 'platform-secret';
const body = '{"eventId":"e1","type":"order.paid"}';

describe('the X-Signature header', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">', () => {
    const expected = createHmac('sha256', secret).update(`1764000000.${body}`).digest('hex');
    expect(signatureHeader(secret, body, 1_764_000_000)).toBe(`t=1764000000,v1=${expected}`);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies with the same secret and body, within the tolerance', () => {
    const header = signatureHeader(secret, body, 1_764_000_000);
    expect(verifySignatureHeader(secret, body, header, { nowS: 1_764_000_100 })).toBe(true);
  });

  it('refuses another secret, a changed body, an old timestamp or a malformed header', () => {
    const header = signatureHeader(secret, body, 1_764_000_000);
    expect(verifySignatureHeader('other-secret', body, header, { nowS: 1_764_000_000 })).toBe(false);
    expect(verifySignatureHeader(secret, `${body} `, header, { nowS: 1_764_000_000 })).toBe(false);
    expect(verifySignatureHeader(secret, body, header, { nowS: 1_764_000_000 + 301 })).toBe(false);
    expect(verifySignatureHeader(secret, body, 'v1=abc', { nowS: 1_764_000_000 })).toBe(false);
    expect(verifySignatureHeader(secret, body, undefined)).toBe(false);
  });
});
