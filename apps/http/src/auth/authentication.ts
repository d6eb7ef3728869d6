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
const BEARER = /^Bearer ([A-Za-z0-9_\-.=]+)$/;

/**
 * Verifies `Authorization: Bearer <JWT>`: HS256 only (the header's `alg` is never trusted, so
 * `none` and RS/ES tokens are refused), `exp` required, `sub` a decimal user id, `role` user
 * (default) or admin. Every failure is the same 401: the caller learns nothing about why.
 */
export class TokenVerifier {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined) throw unauthenticated('A bearer token is required');
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) throw unauthenticated('The Authorization header must be "Bearer <token>"');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] }));
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
    return { userId: Number(sub), role };
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
