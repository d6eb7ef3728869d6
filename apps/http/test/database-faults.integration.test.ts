/* eslint-disable @typescript-eslint/no-unsafe-member-access -- assertions read parsed JSON responses */
import { openDatabase, type Database } from '@storefront/adapters';
import { freshDatabaseUrl, type FreshDatabaseRef } from '@storefront/adapters/testing';
import { DEFAULT_IN_MEMORY_NOW, ManualClock } from '@storefront/application/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import type { App } from '../src/routing/route-context';
import { composeHttp, postgresPorts } from '../src/http.composition';
import { bearer, json, TEST_PORT_CONFIG, testSettings, token } from './support';

/*
 * The database misbehaving under the HTTP API: unreachable, or holding a row lock for long. The
 * requests that need it answer 503 UNAVAILABLE with Retry-After, never 500, and the rest of the
 * API keeps working.
 */

async function appOn(database: Database): Promise<App> {
  return buildApp(composeHttp(postgresPorts(database, TEST_PORT_CONFIG), testSettings(), { clock: new ManualClock(DEFAULT_IN_MEMORY_NOW) }));
}

function expectUnavailable(response: { statusCode: number; headers: Record<string, unknown>; body: string }): void {
  expect(response.statusCode).toBe(503);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
  expect(json(response)).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
}

describe('database unreachable', () => {
  it('answers 503 UNAVAILABLE with Retry-After on reads and writes, not 500', async () => {
    const database = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/unreachable', poolSize: 2 });
    const app = await appOn(database);
    try {
      const user = bearer(await token({ sub: '1' }));
      const admin = bearer(await token({ sub: '9', role: 'admin' }));
      expectUnavailable(await app.inject({ method: 'GET', url: '/products/1' }));
      expectUnavailable(await app.inject({ method: 'GET', url: '/users/1/balance', headers: user }));
      expectUnavailable(await app.inject({ method: 'POST', url: '/users/1/balance/charge', headers: user, payload: { amount: 100 } }));
      expectUnavailable(
        await app.inject({ method: 'POST', url: '/users/1/balance/charge', headers: { ...user, 'idempotency-key': 'k-1' }, payload: { amount: 100 } }),
      );
      expectUnavailable(await app.inject({ method: 'POST', url: '/admin/products', headers: admin, payload: { name: 'x', price: 1, stock: 1 } }));
    } finally {
      await app.close();
      await database.close();
    }
  });
});

describe('a row lock held long by another client', () => {
  let ref: FreshDatabaseRef;
  let database: Database;
  let app: App;
  beforeAll(async () => {
    ref = await freshDatabaseUrl();
    database = await openDatabase({ databaseUrl: ref.url, poolSize: 4, lockTimeoutMs: 300 });
    app = await appOn(database);
  });
  afterAll(async () => {
    await app.close();
    await database.close();
    await ref.drop();
  });

  it('fails the requests behind it fast with 503 while other users are served, and nothing changes', async () => {
    const charge = async (userId: number) =>
      app.inject({ method: 'POST', url: `/users/${userId}/balance/charge`, headers: bearer(await token({ sub: String(userId) })), payload: { amount: 10 } });
    expect((await charge(1)).statusCode).toBe(200);
    const holder = await openDatabase({ databaseUrl: ref.url, poolSize: 1 });
    try {
      await holder.db.transaction().execute(async (trx) => {
        await sql`select 1 from wallets where user_id = 1 for update`.execute(trx);
        const started = Date.now();
        const [blocked, others] = await Promise.all([
          Promise.all(Array.from({ length: 24 }, () => charge(1))),
          Promise.all(Array.from({ length: 24 }, (_, i) => charge(100 + i))),
        ]);
        const elapsed = Date.now() - started;
        for (const response of blocked) expectUnavailable(response);
        for (const response of others) expect(response.statusCode).toBe(200);
        // 24 blocked requests on 4 connections, 300 ms each: a few seconds, not a dead pool.
        expect(elapsed).toBeLessThan(15_000);
      });
    } finally {
      await holder.close();
    }
    const balance = await app.inject({ method: 'GET', url: '/users/1/balance', headers: bearer(await token({ sub: '1' })) });
    expect(json(balance).balance).toBe(10);
    expect((await charge(1)).statusCode).toBe(200);
  });
});
