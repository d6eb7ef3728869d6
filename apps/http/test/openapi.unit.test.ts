/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- reads the parsed OpenAPI document */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../src/app';
import { inMemoryApp, json, type TestApp } from './support';

/** API.md's routes, written out once here: the document and the app must both match it. */
const CONTRACT = [
  'GET /users/{userId}/balance',
  'POST /users/{userId}/balance/charge',
  'GET /users/{userId}/balance/history',
  'GET /products',
  'GET /products/{productId}',
  'GET /products/top',
  'POST /admin/products',
  'PATCH /admin/products/{productId}',
  'POST /admin/coupons',
  'GET /coupons/{couponId}',
  'POST /users/{userId}/coupons',
  'GET /users/{userId}/coupons',
  'POST /orders',
  'GET /orders/{orderId}',
  'GET /users/{userId}/orders',
  'POST /orders/{orderId}/cancel',
  'POST /admin/orders/{orderId}/refunds',
  'GET /admin/orders',
  'GET /admin/coupons',
  'GET /admin/outbox',
  'GET /admin/outbox/{eventId}',
  'GET /admin/events',
  'POST /admin/outbox/{eventId}/retry',
  'POST /admin/jobs/aggregate-sales',
  'GET /health/live',
  'GET /health/ready',
].sort();

describe('OpenAPI document', () => {
  let t: TestApp;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, checked field by field below
  let doc: any;
  beforeAll(async () => {
    t = await inMemoryApp();
    doc = json(await t.app.inject({ method: 'GET', url: '/openapi.json' }));
  });
  afterAll(async () => {
    await t.app.close();
  });

  const documented = () =>
    Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();

  it('is OpenAPI 3.1 and lists exactly the routes the app registered', () => {
    expect(doc.openapi).toBe('3.1.0');
    const registered = registeredRoutes(t.app)
      .filter((route) => !route.url.startsWith('/docs') && route.url !== '/openapi.json')
      .map((route) => `${route.method} ${route.url.replace(/:([A-Za-z]+)/g, '{$1}')}`)
      .sort();
    expect(documented()).toEqual(registered);
  });

  it("lists exactly API.md's routes", () => {
    expect(documented()).toEqual(CONTRACT);
  });

  it('documents request bodies, parameters, auth and problem responses from the zod schemas', () => {
    const charge = doc.paths['/users/{userId}/balance/charge'].post;
    expect(charge.security).toEqual([{ bearerAuth: [] }]);
    expect(charge.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      properties: { amount: { type: 'integer', minimum: 1 } },
      required: ['amount'],
      additionalProperties: false,
    });
    expect(charge.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual(['header:idempotency-key', 'path:userId']);
    expect(Object.keys(charge.responses).sort()).toEqual(['200', '400', '401', '403', '409', '413', '415', '422']);
    expect(charge.responses['409'].content).toHaveProperty(['application/problem+json']);
    expect(doc.paths['/products'].get.security).toBeUndefined();
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('serves the docs UI at /docs', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
  });
});
