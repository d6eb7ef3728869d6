import { webcrypto } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors as joseErrors, jwtVerify } from 'jose';
import { HttpErrorCode, HttpProblem } from '../errors/problem';

export type Role = 'user' | 'admin';

/** Who is calling, as the verified token says. */
export interface Principal {
  userId: number;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const USER_ID = /^[1-9][0-9]{0,15}$/;
/** The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are Bearer too. */
const BEARER = /^Bearer +([A-Za-z0-9_\-.=]+)$/i;

/**
 * Verifies `Authorization: Bearer <JWT>` with jose: HS256 only (the header's `alg` is never
 * trusted, so `none` and RS/ES tokens are refused), `exp` required, `sub` a decimal user id,
 * `role` user (default) or admin. A token that verified once is remembered until its `exp`
 * (same string, same signature and claims), so a client's every request does not pay an HMAC.
 */
export class TokenVerifier {
  /** Imported once: jose would otherwise import a raw secret into WebCrypto on every request. */
  private readonly key: Promise<webcrypto.CryptoKey>;
  /** Tokens already verified, with their expiry: the same string needs no second HMAC. */
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();

  constructor(
    secret: string,
    private readonly maxCachedTokens = 20_000,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined) throw unauthenticated('A bearer token is required');
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) throw unauthenticated('The Authorization header must be "Bearer <token>"');
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      if (cached.expiresAtMs > this.nowMs()) return cached.principal;
      this.verified.delete(token);
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.key, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError || error instanceof SyntaxError) {
        throw unauthenticated(error instanceof joseErrors.JWTExpired ? 'The token has expired' : 'The token is not valid');
      }
      throw error;
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || !USER_ID.test(sub) || !Number.isSafeInteger(Number(sub))) {
      throw unauthenticated('The token subject must be a user id');
    }
    const role = payload['role'] ?? 'user';
    if (role !== 'user' && role !== 'admin') throw unauthenticated('The token role is not valid');
    const principal: Principal = { userId: Number(sub), role };
    // `exp` is required and checked by jwtVerify; a cached token still expires on time.
    if (this.verified.size >= this.maxCachedTokens) this.verified.clear();
    this.verified.set(token, { principal, expiresAtMs: (payload.exp ?? 0) * 1000 });
    return principal;
  }
}

function unauthenticated(detail: string): HttpProblem {
  return new HttpProblem(HttpErrorCode.Unauthenticated, detail);
}

export type Access = 'user' | 'admin';

/** onRequest hook of a protected route: 401 without a valid token, 403 for a user on an admin route. */
export function requireToken(verifier: TokenVerifier, access: Access) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const principal = await verifier.verify(request.headers.authorization);
    if (access === 'admin' && principal.role !== 'admin') {
      throw new HttpProblem(HttpErrorCode.Forbidden, 'This route is for administrators');
    }
    request.principal = principal;
  };
}

/** A user route: the caller must be that user, or an admin. */
export function assertActsFor(principal: Principal | null, userId: number): void {
  if (principal === null) throw unauthenticated('A bearer token is required');
  if (principal.role !== 'admin' && principal.userId !== userId) {
    throw new HttpProblem(HttpErrorCode.Forbidden, `The token does not allow acting for user ${userId}`);
  }
}

/** The verified caller of a protected route (its onRequest hook has set it). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw unauthenticated('A bearer token is required');
  return request.principal;
}
