import { SignJWT } from 'jose';
import type { Role } from './authentication';

export interface TokenRequest {
  /** The user id the token speaks for (decimal, positive). */
  sub: number;
  role: Role;
  /** How long it is valid: a number and a unit, `90s`, `30m`, `1h`, `7d`. */
  ttl: string;
}

export const TTL = /^[1-9][0-9]{0,5}[smhd]$/;

/** An HS256 token as the identity provider issues them (docs/api.md#authentication). */
export function issueToken(secret: string, request: TokenRequest): Promise<string> {
  if (!Number.isSafeInteger(request.sub) || request.sub < 1) throw new RangeError('sub must be a positive integer');
  if (!TTL.test(request.ttl)) throw new RangeError('ttl must be a number and a unit: 90s, 30m, 1h, 7d');
  return new SignJWT({ sub: String(request.sub), role: request.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(request.ttl)
    .sign(new TextEncoder().encode(secret));
}

/** Ready-to-paste tokens for the embedded demo: user 1 and an admin, valid 30 days. */
export async function demoTokens(secret: string): Promise<{ user: string; admin: string }> {
  return {
    user: await issueToken(secret, { sub: 1, role: 'user', ttl: '30d' }),
    admin: await issueToken(secret, { sub: 1_000_000, role: 'admin', ttl: '30d' }),
  };
}
