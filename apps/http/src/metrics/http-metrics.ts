import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

/*
 * Request figures per route template (`/orders/:orderId`, never the raw URL) and the outcome of
 * every business operation, on the process's registry, served at GET /metrics.
 *
 * Operations are counted generically: every POST/PATCH route is an operation, named by its
 * template (the business operations get short names), and its outcome is `ok`, `replayed` (an
 * idempotent retry) or the problem's stable `code`. A new command route is counted without a line here.
 */

/** Short names of the business operations; other commands keep their route. */
const OPERATION_NAMES: Readonly<Record<string, string>> = {
  'POST /orders': 'order',
  'POST /orders/:orderId/cancel': 'cancellation',
  'POST /admin/orders/:orderId/refunds': 'refund',
  'POST /users/:userId/balance/charge': 'charge',
  'POST /users/:userId/coupons': 'coupon_issue',
};

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS']);
const COMMAND_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/** A problem's code, read from the body the error handler wrote (codes are upper snake case). */
const PROBLEM_CODE = /"code":"([A-Z_]{1,40})"/;
/** Requests no route matched share one label value, whatever their URL. */
const UNMATCHED = 'unmatched';

declare module 'fastify' {
  interface FastifyRequest {
    /** The problem code of the answer, when it was an error (set by the onSend hook). */
    problemCode: string | null;
  }
}

export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to answering it, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'http_request_errors_total',
    help: 'HTTP requests answered with a problem (4xx or 5xx), by method, route template and problem code',
    labelNames: ['method', 'route', 'code'],
    registers: [registry],
  });
  const operations = new Counter({
    name: 'storefront_operations_total',
    help: 'Business operations (orders, cancellations, refunds, charges, coupon issues, admin writes) by outcome: ok, replayed or the problem code',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });

  app.decorateRequest('problemCode', null);
  // Callback hooks: no promise per request.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') request.problemCode = PROBLEM_CODE.exec(payload)?.[1] ?? null;
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const method = KNOWN_METHODS.has(request.method) ? request.method : 'OTHER';
    const route = routeOf(request);
    const status = String(reply.statusCode);
    requests.inc({ method, route, status_code: status });
    duration.observe({ method, route, status_code: status }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 400) errors.inc({ method, route, code: request.problemCode ?? `HTTP_${status}` });
    if (COMMAND_METHODS.has(method) && route !== UNMATCHED) {
      operations.inc({ operation: OPERATION_NAMES[`${method} ${route}`] ?? `${method} ${route}`, outcome: outcomeOf(request, reply) });
    }
    done();
  });

  app.get('/metrics', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(text);
  });
}

function routeOf(request: FastifyRequest): string {
  // The template a route was registered with; a 404 has none (its URL must never become a label).
  return request.is404 ? UNMATCHED : (request.routeOptions.url ?? UNMATCHED);
}

function outcomeOf(request: FastifyRequest, reply: FastifyReply): string {
  if (reply.statusCode < 400) return reply.getHeader('idempotent-replayed') === 'true' ? 'replayed' : 'ok';
  return request.problemCode ?? `HTTP_${reply.statusCode}`;
}
