import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createProcessMetrics } from '@storefront/adapters';
import { freshDatabase, type TestDatabase } from '@storefront/adapters/testing';
import { ManualClock, DEFAULT_IN_MEMORY_NOW } from '@storefront/application/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, registeredRoutes } from '../src/app';
import type { App } from '../src/routing/route-context';
import { composeHttp, postgresPorts } from '../src/http.composition';
import { bearer, TEST_PORT_CONFIG, testSettings, token } from './support';

/*
 * GET /metrics of an HTTP process on PostgreSQL: the figures the README lists, labels from small
 * fixed sets (route templates, problem codes; never an id or a raw URL), and every metric the
 * Grafana dashboard in infra/ queries.
 */

const DASHBOARD = fileURLToPath(new URL('../../../infra/grafana/storefront-dashboard.json', import.meta.url));

let database: TestDatabase;
let app: App;
let metricNames: Set<string>;

beforeAll(async () => {
  database = await freshDatabase({ poolSize: 4 });
  const metrics = createProcessMetrics(database);
  const deps = composeHttp(postgresPorts(database, TEST_PORT_CONFIG), testSettings(), { clock: new ManualClock(DEFAULT_IN_MEMORY_NOW) });
  app = await buildApp(deps, { metrics: metrics.registry });
  metricNames = new Set(
    (await metrics.registry.getMetricsAsJSON()).flatMap((metric) =>
      String(metric.type) === 'histogram' ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`] : [metric.name],
    ),
  );
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

async function scrape(): Promise<string> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.body;
}

/** Every value a label takes in the exposition. */
function labelValues(text: string, label: string): Set<string> {
  return new Set([...text.matchAll(new RegExp(`[{,]${label}="([^"]*)"`, 'g'))].map((match) => match[1]!));
}

/** The metric names a PromQL expression reads (functions, label matchers, `by` lists and ranges removed). */
function metricsOf(expression: string): string[] {
  const bare = expression
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/\b([a-z_:][a-z0-9_:]*)\b(?!\s*\()/g)].map((match) => match[1]!).filter((name) => !/^\d/.test(name) && name.includes('_'));
}

describe('GET /metrics', () => {
  it('counts requests, latency and errors per route template and operations by outcome', async () => {
    const admin = bearer(await token({ sub: '999', role: 'admin' }));
    const user = bearer(await token({ sub: '12345' }));
    expect((await app.inject({ method: 'POST', url: '/users/12345/balance/charge', headers: user, payload: { amount: 5_000 } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/users/12345/balance/charge', headers: user, payload: { amount: 99_000_000 } })).statusCode).toBe(409);
    const product = await app.inject({ method: 'POST', url: '/admin/products', headers: admin, payload: { name: 'Tea', price: 1_000, stock: 5 } });
    const productId = (JSON.parse(product.body) as { id: number }).id;
    const order = await app.inject({ method: 'POST', url: '/orders', headers: user, payload: { userId: 12345, items: [{ productId, quantity: 1 }] } });
    expect(order.statusCode).toBe(201);
    const orderId = (JSON.parse(order.body) as { orderId: number }).orderId;
    expect((await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: user, payload: {} })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: user, payload: {} })).statusCode).toBe(409);
    expect((await app.inject({ method: 'GET', url: '/no/such/page-98765' })).statusCode).toBe(404);

    const text = await scrape();
    expect(text).toContain('http_requests_total{method="POST",route="/users/:userId/balance/charge",status_code="200"} 1');
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/orders",status_code="201"\} 1/);
    expect(text).toContain('http_request_errors_total{method="POST",route="/users/:userId/balance/charge",code="BALANCE_LIMIT_EXCEEDED"} 1');
    expect(text).toContain('storefront_operations_total{operation="charge",outcome="ok"} 1');
    expect(text).toContain('storefront_operations_total{operation="charge",outcome="BALANCE_LIMIT_EXCEEDED"} 1');
    expect(text).toContain('storefront_operations_total{operation="order",outcome="ok"} 1');
    // Routes that came later are counted by the same mechanism.
    expect(text).toContain('storefront_operations_total{operation="cancellation",outcome="ok"} 1');
    expect(text).toContain('storefront_operations_total{operation="cancellation",outcome="ORDER_NOT_CANCELLABLE"} 1');
    expect(text).toContain('http_request_errors_total{method="GET",route="unmatched",code="NOT_FOUND"} 1');
    // The pool and Node's own figures are there.
    // The order's and the cancellation's events wait in the outbox.
    expect(text).toContain('storefront_outbox_events{status="pending"} 2');
    expect(text).toContain('storefront_outbox_events{status="failed"} 0');
    expect(text).toMatch(/storefront_outbox_oldest_pending_age_seconds \d/);
    expect(text).toMatch(/storefront_db_pool_connections\{state="in_use"\} \d/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds \d/);
    // The admission gate of contended units: nothing waited here (no rush).
    expect(text).toContain('storefront_admission_waiting_requests 0');
    expect(text).toContain('storefront_admission_waits_total 0');
    expect(text).toMatch(/process_cpu_seconds_total \d/);

    // Bounded labels: route templates (or "unmatched"), never ids or raw URLs.
    const templates = new Set([...registeredRoutes(app).map((route) => route.url), '/metrics', 'unmatched']);
    for (const route of labelValues(text, 'route')) expect(templates).toContain(route);
    expect(text).not.toMatch(/12345|98765|page-/);
  });

  it('exports every metric the Grafana dashboard queries', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const used = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => metricsOf(target.expr)));
    expect(used.length).toBeGreaterThanOrEqual(12);
    const missing = used.filter((name) => !metricNames.has(name));
    expect(missing).toEqual([]);
  });
});
