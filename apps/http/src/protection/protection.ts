import { getHeapStatistics } from 'node:v8';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpErrorCode, HttpProblem, problem } from '../errors/problem';
import { sendProblem } from '../errors/error-handler';
import { securityHeadersOf } from './security-headers';

export interface ProtectionSettings {
  /** Origins a browser may call from; empty: no cross-origin call (and no CORS header at all). */
  corsOrigins: string[];
  /** Requests per caller (token subject, else client address) per minute; 0 turns it off. */
  rateLimitPerMinute: number;
  /** Load shedding: above these the process answers 503 instead of queueing; none when absent. */
  overload?: { maxEventLoopDelayMs: number; maxHeapUsedBytes: number; sampleIntervalMs?: number };
}

/**
 * What `buildApp` uses when the caller says nothing: no CORS, no limit, no shedding. The HTTP
 * role turns shedding on; an app built inside a test process must not, because there the
 * event loop also runs the test's own work (fast-check, JSON assertions), and a busy machine
 * would turn the test's delay into 503s that say nothing about the server.
 */
export const DEFAULT_PROTECTION: ProtectionSettings = { corsOrigins: [], rateLimitPerMinute: 0 };

/** Seconds a shed request is told to wait before retrying. */
const OVERLOAD_RETRY_AFTER_SECONDS = 5;

/** The default overload limits: a second of event-loop delay, or a heap 90 % full. */
export function defaultOverloadLimits(): NonNullable<ProtectionSettings['overload']> {
  return { maxEventLoopDelayMs: 1_000, maxHeapUsedBytes: Math.floor(getHeapStatistics().heap_size_limit * 0.9) };
}

/**
 * The edge's defences, each a well-kept Fastify plugin or library: CORS for the configured browser origins,
 * helmet's security headers that suit a JSON API (the /docs pages bring their own CSP), load shedding,
 * a rate limit per caller, and `Cache-Control: no-store` on every answer to an authenticated
 * request (balances, history, orders, coupons are personal).
 */
export async function registerProtection(app: FastifyInstance, settings: ProtectionSettings): Promise<void> {
  if (settings.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: settings.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
      exposedHeaders: ['Idempotent-Replayed', 'X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      maxAge: 600,
    });
  }

  // Helmet's headers, the same on every answer: computed once, set by a callback hook (no promise).
  const securityHeaders = securityHeadersOf({
    // JSON never needs to load anything; the /docs pages set their own policy (swagger-ui's staticCSP).
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    // A browser storefront on another origin reads the API through CORS; CORP must not stand in its way.
    crossOriginResourcePolicy: { policy: settings.corsOrigins.length > 0 ? 'cross-origin' : 'same-origin' },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });

  const overload = settings.overload;
  if (overload !== undefined) {
    await app.register(underPressure, {
      maxEventLoopDelay: overload.maxEventLoopDelayMs,
      maxHeapUsedBytes: overload.maxHeapUsedBytes,
      ...(overload.sampleIntervalMs !== undefined ? { sampleInterval: overload.sampleIntervalMs } : {}),
      retryAfter: OVERLOAD_RETRY_AFTER_SECONDS,
      // Liveness is let through: an overloaded process is alive, and restarting it helps no one.
      pressureHandler: (request, reply, type) => {
        if (request.url === '/health/live') return;
        reply.header('retry-after', String(OVERLOAD_RETRY_AFTER_SECONDS));
        sendProblem(reply, problem(HttpErrorCode.Unavailable, `The service is overloaded (${type}); retry in ${OVERLOAD_RETRY_AFTER_SECONDS} seconds`));
      },
    });
  }

  if (settings.rateLimitPerMinute > 0) {
    const limit = settings.rateLimitPerMinute;
    await app.register(rateLimit, {
      max: limit,
      timeWindow: 60_000,
      // After authentication (onRequest) so the token's subject is known, and before the
      // preHandlers, so a refused request never claims an idempotency key.
      hook: 'preValidation',
      keyGenerator: callerOf,
      // Health checks come from the platform's probes, not from callers.
      allowList: (request) => request.url.startsWith('/health/'),
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(HttpErrorCode.RateLimited, `More than ${limit} requests a minute from this caller; retry in ${Math.ceil(context.ttl / 1000)} seconds`),
    });
    // The combined header of the IETF draft beside the separate RateLimit-* fields.
    app.addHook('onSend', async (_request, reply) => {
      const remaining = reply.getHeader('ratelimit-remaining');
      const reset = reply.getHeader('ratelimit-reset');
      if (remaining !== undefined && reset !== undefined) reply.header('ratelimit', `limit=${limit}, remaining=${String(remaining)}, reset=${String(reset)}`);
    });
  }

  app.addHook('onSend', (request, reply, payload, done) => {
    if ((request.principal !== null || request.headers.authorization !== undefined) && !reply.hasHeader('cache-control')) {
      reply.header('cache-control', 'no-store');
    }
    done(null, payload);
  });
}

/** The rate limit's key: the verified token's user, else the client address. */
function callerOf(request: FastifyRequest): string {
  return request.principal !== null ? `user:${request.principal.userId}` : `address:${request.ip}`;
}
