import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/** A signing key: its bytes, or (faster to sign with, many times over) a secret KeyObject of them. */
export type SigningKey = Buffer | KeyObject;

/**
 * The signing keys of DATA_PLATFORM_SECRET: one secret or several separated by commas, newest
 * first. A secret written `whsec_<base64>` is the Standard Webhooks form and its key is the
 * decoded bytes; any other secret is used as its UTF-8 bytes.
 */
export function signingKeysFrom(secrets: string): Buffer[] {
  const keys = secrets
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '')
    .map((secret) => (secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8')));
  if (keys.length === 0 || keys.some((key) => key.length === 0)) throw new Error('DATA_PLATFORM_SECRET holds an empty secret');
  return keys;
}

/**
 * `webhook-signature` of Standard Webhooks 1.0: `v1,<base64 HMAC-SHA256 of "<id>.<t>.<raw body>">`,
 * one per key, separated by spaces: a receiver accepts the delivery when any of them verifies.
 */
export function standardWebhookSignature(keys: readonly SigningKey[], messageId: string, unixSeconds: number, rawBody: string): string {
  return keys.map((key) => `v1,${hmac(key, `${messageId}.${unixSeconds}.${rawBody}`).toString('base64')}`).join(' ');
}

/**
 * The `X-Signature` header of the first version of the contract:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, with one `v1=` per key.
 */
export function signatureHeader(keys: readonly SigningKey[], rawBody: string, unixSeconds: number): string {
  return [`t=${unixSeconds}`, ...keys.map((key) => `v1=${hmac(key, `${unixSeconds}.${rawBody}`).toString('hex')}`)].join(',');
}

/**
 * Checks an `X-Signature` header as a receiver of the first version does: true when one of its
 * `v1=` signatures verifies with one of `keys` and its timestamp is within `toleranceS`.
 */
export function verifySignatureHeader(
  keys: readonly SigningKey[],
  rawBody: string,
  header: string | undefined,
  options: { nowS?: number; toleranceS?: number } = {},
): boolean {
  const match = /^t=(\d+)((?:,v1=[0-9a-f]{64})+)$/.exec(header ?? '');
  if (!match) return false;
  const t = Number(match[1]);
  const { nowS = Math.floor(Date.now() / 1000), toleranceS = 300 } = options;
  if (Math.abs(nowS - t) > toleranceS) return false;
  const signatures = match[2]!.split(',v1=').slice(1).map((hex) => Buffer.from(hex, 'hex'));
  return keys.some((key) => {
    const expected = hmac(key, `${t}.${rawBody}`);
    return signatures.some((signature) => timingSafeEqual(signature, expected));
  });
}

function hmac(key: SigningKey, message: string): Buffer {
  return createHmac('sha256', key).update(message, 'utf8').digest();
}
