import { Writable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, inMemoryApp, seedProduct, type TestApp } from './support';

/**
 * Every write route answers once. A handler that sends its reply and then resolves with nothing
 * makes Fastify send again (`Reply was already sent`, then `Cannot write headers after they are
 * sent`): harmless to the client, but one warning and one error per request in production logs.
 */
describe('a write answers exactly once', () => {
  let t: TestApp;
  const logged: { level: number; msg?: string; err?: { message?: string } }[] = [];

  afterEach(async () => {
    await t.close();
    logged.length = 0;
  });

  const recordingLogger = (): FastifyBaseLogger =>
    pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged.push(JSON.parse(chunk.toString()) as (typeof logged)[number]);
          done();
        },
      }),
    );

  it.each([
    ['without an Idempotency-Key', {}],
    ['with an Idempotency-Key', { 'idempotency-key': 'single-reply-1' }],
  ])('charges and orders %s with no warning or error logged', async (_, keyHeader) => {
    t = await inMemoryApp({ build: { logger: recordingLogger() } });
    const productId = await seedProduct(t, { price: 1_000, stock: 5 });
    const headers = { ...bearer(await t.userToken(7)), ...keyHeader };

    const charged = await t.app.inject({ method: 'POST', url: '/users/7/balance/charge', headers, payload: { amount: 10_000 } });
    const ordered = await t.app.inject({
      method: 'POST',
      url: '/orders',
      headers: { ...headers, ...('idempotency-key' in keyHeader ? { 'idempotency-key': 'single-reply-2' } : {}) },
      payload: { userId: 7, items: [{ productId, quantity: 1 }] },
    });

    expect([charged.statusCode, ordered.statusCode]).toEqual([200, 201]);
    // The second send, if any, happens after the response: wait for the app to settle.
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged.map((entry) => entry.err?.message ?? entry.msg)).toEqual([]);
  });
});
