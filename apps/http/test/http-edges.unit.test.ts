/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- assertions read parsed JSON responses */
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, inMemoryApp, json, type AppOptions, type TestApp } from './support';

/*
 * The HTTP details an operator or a browser meets first: the bearer scheme in any case, the root
 * and the docs, CORS, security headers, no-store on personal data, and load shedding.
 */

const apps: TestApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((t) => t.close()));
});
async function app(options?: AppOptions): Promise<TestApp> {
  const t = await inMemoryApp(options);
  apps.push(t);
  return t;
}

describe('HTTP details', () => {
  it('accepts the Bearer scheme in any case', async () => {
    const t = await app();
    const jwt = await t.userToken(1);
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const response = await t.app.inject({ method: 'GET', url: '/users/1/balance', headers: { authorization: `${scheme} ${jwt}` } });
      expect(response.statusCode, scheme).toBe(200);
    }
  });

  it('sends a browser at / to the docs, titled for the service, remembering the token', async () => {
    const t = await app();
    const root = await t.app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/docs');
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Storefront commerce API — docs</title>');
    // The docs page runs its own scripts: its policy is swagger-ui's, not the API's `default-src 'none'`.
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    const initializer = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).toMatch(/"persistAuthorization":\s*true/);
  });

  it('documents integer path ids and realistic examples, never 9007199254740991', async () => {
    const t = await app();
    const document = json(await t.app.inject({ method: 'GET', url: '/openapi.json' }));
    const text = JSON.stringify(document);
    expect(text).not.toContain('9007199254740991');
    const parameter = document.paths['/users/{userId}/balance'].get.parameters.find((p: { name: string }) => p.name === 'userId');
    expect(parameter.schema).toMatchObject({ type: 'integer', minimum: 1 });
    expect(parameter.schema.pattern).toBeUndefined();
    expect(document.components.schemas.Balance.properties.balance.example).toBe(24_900);
  });

  it('JSON answers carry security headers that suit an API', async () => {
    const t = await app();
    const response = await t.app.inject({ method: 'GET', url: '/products' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(response.headers['strict-transport-security']).toBeDefined();
  });

  it('personal data is never cached: no-store on every answer to a token; the public catalogue may be', async () => {
    const t = await app();
    const jwt = await t.userToken(1);
    for (const url of ['/users/1/balance', '/users/1/balance/history', '/users/1/orders', '/users/1/coupons']) {
      const response = await t.app.inject({ method: 'GET', url, headers: bearer(jwt) });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['cache-control'], url).toBe('no-store');
    }
    expect((await t.app.inject({ method: 'GET', url: '/products' })).headers['cache-control']).toBeUndefined();
  });

  it('CORS: no cross-origin caller by default; the configured origins get their preflight answered', async () => {
    const closed = await app();
    const preflight = { method: 'OPTIONS' as const, url: '/orders', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } };
    expect((await closed.app.inject(preflight)).headers['access-control-allow-origin']).toBeUndefined();
    expect((await closed.app.inject({ method: 'GET', url: '/products', headers: { origin: 'https://shop.example' } })).headers['access-control-allow-origin']).toBeUndefined();

    const open = await app({ build: { protection: { corsOrigins: ['https://shop.example'], rateLimitPerMinute: 0 } } });
    const answered = await open.app.inject({
      ...preflight,
      headers: { ...preflight.headers, 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
    });
    expect(answered.statusCode).toBe(204);
    expect(answered.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(String(answered.headers['access-control-allow-headers'])).toMatch(/Idempotency-Key/);
    expect(String(answered.headers['access-control-allow-methods'])).toMatch(/POST/);
    const stranger = await open.app.inject({ ...preflight, headers: { ...preflight.headers, origin: 'https://evil.example' } });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sheds load: while the event loop lags past its limit, 503 UNAVAILABLE with Retry-After', async () => {
    const t = await app({ build: { protection: { corsOrigins: [], rateLimitPerMinute: 0, overload: { maxEventLoopDelayMs: 300, maxHeapUsedBytes: 2 ** 40, sampleIntervalMs: 20 } } } });
    // A busy machine may lag on its own: first wait for the calm answer, then make the lag.
    const calmDeadline = Date.now() + 30_000;
    let response = await t.app.inject({ method: 'GET', url: '/products' });
    while (response.statusCode !== 200 && Date.now() < calmDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      response = await t.app.inject({ method: 'GET', url: '/products' });
    }
    expect(response.statusCode).toBe(200);
    const deadline = Date.now() + 20_000;
    let liveness = 0;
    while (response.statusCode !== 503 && Date.now() < deadline) {
      const busyUntil = Date.now() + 1_000;
      while (Date.now() < busyUntil) {
        // a blocked event loop, as under a CPU-bound overload
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      // Liveness is asked first, under the same pressure: the process is alive, only busy.
      liveness = (await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode;
      response = await t.app.inject({ method: 'GET', url: '/products' });
    }
    expect(response.statusCode).toBe(503);
    expect(json(response)).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect(response.headers['retry-after']).toBe('5');
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(liveness).toBe(200);
  }, 60_000);
});
