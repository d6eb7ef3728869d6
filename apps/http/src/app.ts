import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { TokenVerifier } from './auth/authentication';
import type { AppDependencies } from './dependencies';
import { ErrorCode } from '@storefront/domain';
import { answerClientError } from './errors/client-errors';
import { registerErrorHandling, sendProblem, toProblem } from './errors/error-handler';
import { HttpErrorCode, HttpProblem, problem } from './errors/problem';
import { CursorCodec } from './routing/cursor';
import { REQUEST_ID, swaggerOptions } from './openapi/openapi';
import type { App, RouteContext } from './routing/route-context';
import { serializerCompiler } from './presentation/serializer';
import { IdempotencyGuard } from './idempotency/idempotency';
import { adminRoutes } from './routes/admin.routes';
import { couponRoutes } from './routes/coupons.routes';
import { healthRoutes } from './routes/health.routes';
import { orderRoutes } from './routes/orders.routes';
import { productRoutes } from './routes/products.routes';
import { walletRoutes } from './routes/wallet.routes';
import { Registry } from 'prom-client';
import { registerAdmissionMetrics } from './metrics/admission-metrics';
import { registerHttpMetrics } from './metrics/http-metrics';
import { answerWrongMethods } from './routing/method-not-allowed';
import { DEFAULT_PROTECTION, registerProtection, type ProtectionSettings } from './protection/protection';

const BODY_LIMIT_BYTES = 64 * 1024;

/** How long a client may take, and how many sockets it may hold; Node's defaults are unbounded or minutes. */
interface HttpLimits {
  /** The whole request, headers and body, must arrive within this, or it is answered 408. */
  requestTimeoutMs: number;
  /** The headers must arrive within this (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** A socket with no traffic at all for this long is closed. */
  idleSocketTimeoutMs: number;
  /** Sockets open at once; more are refused at accept. */
  maxConnections: number;
  /**
   * Requests served on one keep-alive socket before it is closed, so load spreads after a
   * scale-out. The last answer says `Connection: close` and the socket is then closed: Node's own
   * `maxRequestsPerSocket` keeps the socket open and answers 503 to every later request on it,
   * which a client that ignores the header (autocannon, some pools) takes as an outage.
   */
  maxRequestsPerSocket: number;
}

const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  idleSocketTimeoutMs: 30_000,
  maxConnections: 4_096,
  maxRequestsPerSocket: 1_000,
};

export interface BuildAppOptions {
  /** A pino logger (the process's), or false for silence in tests. */
  logger?: FastifyBaseLogger | false;
  limits?: Partial<HttpLimits>;
  /** The process's Prometheus registry (GET /metrics serves it); a fresh one when not given. */
  metrics?: Registry;
  /** CORS, rate limit and load shedding; by default none of them (the HTTP role passes its configuration). */
  protection?: ProtectionSettings;
}

export interface RegisteredRoute {
  method: string;
  url: string;
}

const routeTables = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route the app registered (docs and OpenAPI routes excluded), for the drift test. */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return routeTables.get(app) ?? [];
}

/**
 * The HTTP API (docs/api.md) as a pure function of its dependencies: tests pass in-memory adapters
 * or PostgreSQL ones, the composition root passes what the container built.
 */
export async function buildApp(deps: AppDependencies, options: BuildAppOptions = {}): Promise<App> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    // At most one access line per request (onResponse below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
    // Fastify's own 503 while closing is not problem+json: the onRequest hook below answers it.
    return503OnClosing: false,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleSocketTimeoutMs,
    // Node enforces the request and headers timeouts on this tick (30 s by default).
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
    clientErrorHandler: answerClientError,
    frameworkErrors: (error, _request, reply) => {
      void sendProblem(reply, toProblem(error) ?? problem(ErrorCode.ValidationFailed, 'The request could not be processed'));
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.server.maxConnections = limits.maxConnections;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Only JSON bodies: text/plain (Fastify's other default parser) gets a 415 like any other type.
  app.removeContentTypeParser('text/plain');
  // Fastify's JSON parser (prototype poisoning refused), except that an empty body is no body:
  // clients often send `Content-Type: application/json` on a bodyless POST such as a retry.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') done(null, undefined);
    else void parseJson(request, text, done);
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('idempotencyClaim', null);

  const routes: RegisteredRoute[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.schema?.hide) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });

  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const requestsOnSocket = new WeakMap<object, number>();
  // A callback hook, not an async one: no promise per request on the hottest path.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const socket = request.raw.socket;
    const served = (requestsOnSocket.get(socket) ?? 0) + 1;
    requestsOnSocket.set(socket, served);
    // Node closes the socket once an answer that says `Connection: close` is sent.
    if (served >= limits.maxRequestsPerSocket) reply.header('connection', 'close');
    if (closing) {
      // Draining: requests already accepted finish; new ones go to another instance.
      reply.header('connection', 'close').header('retry-after', '1');
      done(new HttpProblem(HttpErrorCode.Unavailable, 'The service is shutting down; retry on another instance'));
      return;
    }
    done();
  });
  // An access line per request is a debug-level log: at info, the line costs more than the rest
  // of a cached product read. Failures are logged at warn/error by the error handler regardless.
  if (options.logger && (options.logger.level === 'debug' || options.logger.level === 'trace')) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.debug(
        { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request completed',
      );
    });
  }

  registerErrorHandling(app);
  await registerProtection(app, options.protection ?? DEFAULT_PROTECTION);
  const registry = options.metrics ?? new Registry();
  registerHttpMetrics(app, registry);
  registerAdmissionMetrics(registry, deps.admissionGate);

  await app.register(swagger, swaggerOptions);
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The token typed into "Authorize" survives a reload of the page.
    uiConfig: { persistAuthorization: true, docExpansion: 'list', deepLinking: true },
    theme: { title: 'Storefront commerce API — docs' },
    // The docs pages carry their own Content-Security-Policy, which lets their scripts run
    // (swagger-ui's default less upgrade-insecure-requests, which breaks the page on plain http).
    staticCSP: {
      'default-src': ["'self'"],
      'base-uri': ["'self'"],
      'font-src': ["'self'", 'https:', 'data:'],
      'frame-ancestors': ["'self'"],
      'img-src': ["'self'", 'data:', 'validator.swagger.io'],
      'object-src': ["'none'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'", 'https:'],
    },
  });

  const ctx: RouteContext = {
    useCases: deps.useCases,
    tokens: new TokenVerifier(deps.jwtSecret),
    idempotency: new IdempotencyGuard(deps.idempotency, () => deps.clock.now(), deps.transactions, deps.useCases, deps.writeUseCasesOn),
    cursors: new CursorCodec(deps.jwtSecret),
    readiness: deps.readiness,
  };
  healthRoutes(app, ctx);
  walletRoutes(app, ctx);
  productRoutes(app, ctx);
  couponRoutes(app, ctx);
  orderRoutes(app, ctx);
  adminRoutes(app, ctx);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // A person who opens the service's address in a browser lands on the docs.
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/docs', 302));
  answerWrongMethods(app, routes);

  await app.ready();
  return app;
}
