/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- reads the parsed OpenAPI document field by field */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../src/app';
import { ALL_ERROR_CODES, statusOfCode, type ApiErrorCode } from '../src/errors/problem';
import { OpenApiContract } from './openapi-contract';
import { inMemoryApp, json, type TestApp } from './support';

/** The contract's routes (docs/api.md), written out once here: the document and the app must both match it. */
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
  'GET /admin/audit',
  'GET /health/live',
  'GET /health/ready',
].sort();

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: any;
  beforeAll(async () => {
    t = await inMemoryApp();
    doc = json(await t.app.inject({ method: 'GET', url: '/openapi.json' }));
  });
  afterAll(async () => {
    await t.app.close();
  });

  const operations = (): Array<{ key: string; operation: any }> =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ key: `${method} ${path}`, operation })),
    );

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

  it("lists exactly the contract's routes", () => {
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
    expect(Object.keys(charge.responses).sort()).toEqual(['200', '400', '401', '403', '409', '413', '415', '422', '429', '500', '503']);
    expect(charge.responses['409'].content).toHaveProperty(['application/problem+json']);
    expect(doc.paths['/products'].get.security).toBeUndefined();
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('names every stable code once, each tied to its status and with its extension members', () => {
    const problemComponents = Object.entries(doc.components.schemas as Record<string, any>).filter(([name]) => name.endsWith('Problem'));
    const codes = problemComponents.map(([, schema]) => schema.properties.code.const as string);
    // A wrong method on a known path reaches no operation: an OpenAPI document has nowhere to list it.
    expect([...codes].sort()).toEqual(ALL_ERROR_CODES.filter((code) => code !== 'METHOD_NOT_ALLOWED').sort());
    for (const [name, schema] of problemComponents) {
      const code = schema.properties.code.const as ApiErrorCode;
      expect(schema.properties.status.const, name).toBe(statusOfCode[code]);
      expect(schema.required, name).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
      expect(schema.additionalProperties, name).toBe(false);
    }
    expect(doc.components.schemas.OutOfStockProblem.properties).toHaveProperty('productId');
    expect(doc.components.schemas.OutOfStockProblem.properties).toHaveProperty('available');
    expect(doc.components.schemas.OutOfStockProblem.required).toContain('productId');
    expect(doc.components.schemas.BalanceLimitExceededProblem.required).toEqual(expect.arrayContaining(['balance', 'maxBalance']));
  });

  it('every operation: an operationId, a description, a described answer per status, and the errors it can answer', () => {
    const ids = new Set<string>();
    for (const { key, operation } of operations()) {
      expect(operation.operationId, key).toMatch(/^[a-z][A-Za-z]+$/);
      expect(ids.has(operation.operationId), `${key}: operationId ${operation.operationId} twice`).toBe(false);
      ids.add(operation.operationId);
      expect(operation.summary, key).toEqual(expect.any(String));
      expect(operation.description, key).toEqual(expect.any(String));
      const statuses = Object.keys(operation.responses);
      expect(statuses, `${key} documents what any route may answer`).toEqual(expect.arrayContaining(['429', '500', '503']));
      if (operation.security) expect(statuses, `${key} is secured`).toContain('401');
      if ((operation.parameters ?? []).length > 0 || operation.requestBody) expect(statuses, `${key} validates input`).toContain('400');
      if (/^(post|patch)/.test(key)) expect(statuses, `${key} reads a body`).toEqual(expect.arrayContaining(['413', '415']));
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        expect(response.description, `${key} ${status}`).not.toMatch(/^(Default Response)?$/);
        expect(response.headers['x-request-id'], `${key} ${status}`).toEqual({ $ref: '#/components/headers/RequestId' });
        if (Number(status) < 400) continue;
        // Every problem answer of this status is one of the codes of this status, and says which.
        const schema = response.content['application/problem+json'].schema;
        const refs: string[] = schema.oneOf ? schema.oneOf.map((branch: { $ref: string }) => branch.$ref) : [schema.$ref];
        // Client generators read the code of each branch from the mapping (without one, they take the component names).
        if (schema.oneOf) expect(Object.values(schema.discriminator.mapping).sort(), `${key} ${status}`).toEqual([...refs].sort());
        for (const ref of refs) {
          const component = doc.components.schemas[ref.replace('#/components/schemas/', '')];
          expect(component.properties.status.const, `${key} ${status} ${ref}`).toBe(Number(status));
          expect(response.description, `${key} ${status}`).toContain(component.properties.code.const);
        }
      }
    }
  });

  it('says what the contract says: header rules, integer parameters with ranges, bounds, patches, servers', () => {
    const placeOrder = doc.paths['/orders'].post;
    const key = placeOrder.parameters.find((p: { name: string }) => p.name === 'idempotency-key');
    expect(key.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]{1,255}$' });
    expect(placeOrder.responses['201'].headers['Idempotent-Replayed']).toBeDefined();
    expect(placeOrder.responses['409'].headers['Idempotent-Replayed']).toBeDefined();
    expect(placeOrder.responses['500'].headers['Idempotent-Replayed']).toBeUndefined();
    expect(doc.paths['/products'].get.responses['200'].headers['Idempotent-Replayed']).toBeUndefined();
    expect(placeOrder.responses['503'].headers['Retry-After']).toEqual({ $ref: '#/components/headers/RetryAfter' });
    expect(placeOrder.responses['429'].headers).toMatchObject({ 'Retry-After': { $ref: '#/components/headers/RetryAfter' }, RateLimit: { $ref: '#/components/headers/RateLimit' } });
    expect(placeOrder.responses['429'].headers['Idempotent-Replayed']).toBeUndefined();
    for (const name of ['RequestId', 'RetryAfter', 'RateLimit']) expect(doc.components.headers[name].required, name).toBe(true);

    for (const { key: where, operation } of operations()) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'path' && parameter.name !== 'eventId') {
          expect(parameter.schema, `${where} ${parameter.name}`).toMatchObject({ type: 'integer', minimum: 1 });
        }
      }
    }
    const top = Object.fromEntries(doc.paths['/products/top'].get.parameters.map((p: { name: string; schema: unknown }) => [p.name, p.schema]));
    expect(top).toEqual({ days: { type: 'integer', minimum: 1, maximum: 30, default: 3 }, limit: { type: 'integer', minimum: 1, maximum: 50, default: 5 } });
    const page = doc.paths['/products'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(page.schema).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 20 });

    expect(doc.paths['/admin/products/{productId}'].patch.requestBody.content['application/json'].schema.minProperties).toBe(1);
    const newItems = placeOrder.requestBody.content['application/json'].schema.properties.items;
    expect(newItems).toMatchObject({ minItems: 1, maxItems: 50, items: { properties: { quantity: { minimum: 1, maximum: 1000 } } } });
    const orderItems = doc.components.schemas.Order.properties.items;
    expect(orderItems).toMatchObject({ minItems: 1, maxItems: 50, items: { properties: { quantity: { minimum: 1, maximum: 1000 } } } });
    expect(doc.servers).toEqual([expect.objectContaining({ url: expect.stringMatching(/^http/) })]);
  });

  it('has no unused component and only examples its own schemas accept', () => {
    const text = JSON.stringify(doc.paths) + JSON.stringify(doc.components.schemas);
    for (const name of Object.keys(doc.components.schemas)) expect(text, name).toContain(`"#/components/schemas/${name}"`);
    for (const name of Object.keys(doc.components.headers)) expect(JSON.stringify(doc.paths), name).toContain(`"#/components/headers/${name}"`);

    const contract = new OpenApiContract(doc);
    let examples = 0;
    for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, { examples?: unknown[] }>)) {
      expect(schema.examples, `${name} has an example`).toHaveLength(1);
      for (const example of schema.examples ?? []) {
        expect(contract.errorsAt(`#/components/schemas/${name}`, example), name).toEqual([]);
        examples++;
      }
    }
    expect(examples).toBeGreaterThan(20);
  });

  it('serves the docs UI at /docs', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
  });
});
