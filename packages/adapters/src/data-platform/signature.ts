import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `X-Signature` header of API.md: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * Signing the timestamp with the body lets the receiver refuse replays of old deliveries.
 */
export function signatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, `${unixSeconds}.${rawBody}`)}`;
}

/**
 * Checks a header made by `signatureHeader` (what a receiver does; our tests use it). Answers
 * false for a malformed header, a wrong secret or body, or a timestamp older than `toleranceS`.
 */
export function verifySignatureHeader(
  secret: string,
  rawBody: string,
  header: string | undefined,
  options: { nowS?: number; toleranceS?: number } = {},
): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const [, t, v1] = match as unknown as [string, string, string];
  const { nowS = Math.floor(Date.now() / 1000), toleranceS = 300 } = options;
  if (Math.abs(nowS - Number(t)) > toleranceS) return false;
  return timingSafeEqual(Buffer.from(v1, 'hex'), Buffer.from(hmacHex(secret, `${t}.${rawBody}`), 'hex'));
}

function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex');
}
