import { createHmac, createSecretKey, timingSafeEqual, webcrypto, type KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
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
 * Verifies `Authorization: Bearer <JWT>`: HS256 only (the header's `alg` is never trusted, so
 * `none` and RS/ES tokens are refused), `exp` required, `sub` a decimal user id, `role` user
 * (default) or admin. A token that verified once is remembered until its `exp` (same string, same
 * signature and claims), so a client's every request does not pay an HMAC.
 *
 * A new token of the shape the identity provider issues (a header of `alg` HS256 and at most
 * `typ`, canonical base64url, `exp` in the future, no `nbf` ahead) is checked synchronously with
 * node:crypto: an HMAC and a constant-time comparison, no async WebCrypto job per token. Anything
 * else — a bad signature, an expired token, an unusual header or claim — goes to jose, whose
 * answer is the reference: the quick path only ever accepts what jose accepts.
 */
export class TokenVerifier {
  /** Imported once: jose would otherwise import a raw secret into WebCrypto on every request. */
  private readonly key: Promise<webcrypto.CryptoKey>;
  /** The same secret for the synchronous check of the usual token. */
  private readonly hmacKey: KeyObject;
  /** Tokens already verified, with their expiry: the same string needs no second HMAC. */
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();

  constructor(
    secret: string,
    private readonly maxCachedTokens = 20_000,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    this.hmacKey = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    return this.verifyNow(authorization);
  }

  /**
   * The caller, at once when the token is remembered or of the usual shape (no promise on the
   * hot path), else jose's answer later. Throws at once on a missing or malformed header, or a
   * usual token whose claims are refused.
   */
  verifyNow(authorization: string | undefined): Principal | Promise<Principal> {
    if (authorization === undefined) throw unauthenticated('A bearer token is required');
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) throw unauthenticated('The Authorization header must be "Bearer <token>"');
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      if (cached.expiresAtMs > this.nowMs()) return cached.principal;
      this.verified.delete(token);
    }
    const usual = usualTokenClaims(token, this.hmacKey, Math.floor(this.nowMs() / 1000));
    if (usual !== undefined) return this.admit(token, usual);
    return this.verifyWithJose(token).then((payload) => this.admit(token, payload));
  }

  /** The principal of verified claims, remembered with the token until its `exp`. */
  private admit(token: string, payload: JWTPayload): Principal {
    const sub = payload.sub;
    if (typeof sub !== 'string' || !USER_ID.test(sub) || !Number.isSafeInteger(Number(sub))) {
      throw unauthenticated('The token subject must be a user id');
    }
    const role = payload['role'] ?? 'user';
    if (role !== 'user' && role !== 'admin') throw unauthenticated('The token role is not valid');
    const principal: Principal = { userId: Number(sub), role };
    // `exp` is required and checked by both paths; a cached token still expires on time.
    if (this.verified.size >= this.maxCachedTokens) this.verified.clear();
    this.verified.set(token, { principal, expiresAtMs: (payload.exp ?? 0) * 1000 });
    return principal;
  }

  private async verifyWithJose(token: string): Promise<JWTPayload> {
    try {
      return (await jwtVerify(token, await this.key, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'], currentDate: new Date(this.nowMs()) })).payload;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError || error instanceof SyntaxError) {
        throw unauthenticated(error instanceof joseErrors.JWTExpired ? 'The token has expired' : 'The token is not valid');
      }
      throw error;
    }
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const HEADER_NAMES = new Set(['alg', 'typ']);

/**
 * The claims of a token of the usual shape whose HS256 signature is right, checked as jose's
 * jwtVerify would (with `algorithms: ['HS256']`, `requiredClaims: ['exp', 'sub']`, no tolerance);
 * undefined for anything else, which jose then judges. `nowSeconds` is jose's clock: the wall
 * clock in whole seconds.
 */
export function usualTokenClaims(token: string, key: KeyObject, nowSeconds: number): JWTPayload | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, body, signature] = parts as [string, string, string];
  if (!BASE64URL.test(header) || !BASE64URL.test(body) || header.length % 4 === 1 || body.length % 4 === 1 || signature.length !== 43) return undefined;
  // The canonical encoding of the expected MAC, compared in constant time: a non-canonical one
  // (another spelling of the same bytes) is left to jose.
  const expected = Buffer.from(createHmac('sha256', key).update(`${header}.${body}`).digest('base64url'), 'latin1');
  const given = Buffer.from(signature, 'latin1');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const protectedHeader = jsonObject(header);
  if (protectedHeader === undefined || protectedHeader['alg'] !== 'HS256' || !Object.keys(protectedHeader).every((name) => HEADER_NAMES.has(name))) return undefined;
  const claims = jsonObject(body);
  if (claims === undefined || !Object.hasOwn(claims, 'sub')) return undefined;
  const { exp, nbf, iat } = claims;
  if (typeof exp !== 'number' || exp <= nowSeconds) return undefined;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds)) return undefined;
  if (iat !== undefined && typeof iat !== 'number') return undefined;
  return claims;
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(STRICT_UTF8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function unauthenticated(detail: string): HttpProblem {
  return new HttpProblem(HttpErrorCode.Unauthenticated, detail);
}

export type Access = 'user' | 'admin';

/**
 * onRequest hook of a protected route: 401 without a valid token, 403 for a user on an admin route.
 * A callback hook: a remembered or usual token is admitted without a promise.
 */
export function requireToken(verifier: TokenVerifier, access: Access) {
  return function authenticate(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
    const admit = (principal: Principal): void => {
      if (access === 'admin' && principal.role !== 'admin') {
        done(new HttpProblem(HttpErrorCode.Forbidden, 'This route is for administrators'));
        return;
      }
      request.principal = principal;
      done();
    };
    let answer: Principal | Promise<Principal>;
    try {
      answer = verifier.verifyNow(request.headers.authorization);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (answer instanceof Promise) answer.then(admit, (error: unknown) => done(error as Error));
    else admit(answer);
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
