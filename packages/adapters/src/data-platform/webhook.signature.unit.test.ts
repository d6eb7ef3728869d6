import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signatureHeader, signingKeysFrom, standardWebhookSignature, verifySignatureHeader } from './webhook.signature';

const body = '{"eventId":"e1","type":"order.paid"}';
const keys = signingKeysFrom('platform-secret');

describe('signing keys', () => {
  it('reads one secret or several, newest first; whsec_ secrets are their base64 bytes', () => {
    expect(signingKeysFrom('plain')).toEqual([Buffer.from('plain')]);
    expect(signingKeysFrom(' whsec_c2VjcmV0 , old ')).toEqual([Buffer.from('secret'), Buffer.from('old')]);
    expect(() => signingKeysFrom(' , ')).toThrow(/empty/);
  });
});

describe('the webhook-signature header (Standard Webhooks 1.0)', () => {
  it('verifies with the standardwebhooks library, for a whsec_ secret and for a raw one', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const t = Math.floor(Date.now() / 1000);
    const signature = standardWebhookSignature(signingKeysFrom(secret), 'msg_1', t, body);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(t), 'webhook-signature': signature };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    const raw = standardWebhookSignature(keys, 'msg_1', t, body);
    expect(new Webhook('platform-secret', { format: 'raw' }).verify(body, { ...headers, 'webhook-signature': raw })).toEqual(JSON.parse(body));
  });

  it('carries one signature per key, separated by spaces', () => {
    const both = standardWebhookSignature(signingKeysFrom('new,old'), 'msg_1', 1_764_000_000, body);
    expect(both.split(' ')).toEqual([
      standardWebhookSignature(signingKeysFrom('new'), 'msg_1', 1_764_000_000, body),
      standardWebhookSignature(signingKeysFrom('old'), 'msg_1', 1_764_000_000, body),
    ]);
  });
});

describe('the X-Signature header (first version)', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">, one v1 per key', () => {
    const expected = createHmac('sha256', 'platform-secret').update(`1764000000.${body}`).digest('hex');
    expect(signatureHeader(keys, body, 1_764_000_000)).toBe(`t=1764000000,v1=${expected}`);
    const old = createHmac('sha256', 'old').update(`1764000000.${body}`).digest('hex');
    expect(signatureHeader(signingKeysFrom('platform-secret,old'), body, 1_764_000_000)).toBe(`t=1764000000,v1=${expected},v1=${old}`);
  });

  it('verifies with any of the keys and any of the signatures, within the tolerance', () => {
    const header = signatureHeader(signingKeysFrom('new,old'), body, 1_764_000_000);
    expect(verifySignatureHeader(signingKeysFrom('old'), body, header, { nowS: 1_764_000_100 })).toBe(true);
    expect(verifySignatureHeader(signingKeysFrom('new'), body, header, { nowS: 1_764_000_100 })).toBe(true);
  });

  it('refuses another secret, a changed body, an old timestamp or a malformed header', () => {
    const header = signatureHeader(keys, body, 1_764_000_000);
    expect(verifySignatureHeader(signingKeysFrom('other-secret'), body, header, { nowS: 1_764_000_000 })).toBe(false);
    expect(verifySignatureHeader(keys, `${body} `, header, { nowS: 1_764_000_000 })).toBe(false);
    expect(verifySignatureHeader(keys, body, header, { nowS: 1_764_000_000 + 301 })).toBe(false);
    expect(verifySignatureHeader(keys, body, 'v1=abc', { nowS: 1_764_000_000 })).toBe(false);
    expect(verifySignatureHeader(keys, body, undefined)).toBe(false);
  });
});
