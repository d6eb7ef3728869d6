import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OrderView } from '@storefront/application';
import { PgOutboxQueries } from './pg-outbox.queries';
import { PgOutboxRelayStore } from './pg-outbox-relay.store';
import { freshDatabase, type TestDatabase } from '../../test/harness';

let database: TestDatabase;
let store: PgOutboxRelayStore;
let queries: PgOutboxQueries;

beforeAll(async () => {
  database = await freshDatabase({ poolSize: 10 });
  store = new PgOutboxRelayStore(database.db);
  queries = new PgOutboxQueries(database.db);
});
afterAll(async () => {
  await database.close();
});
beforeEach(async () => {
  await database.db.deleteFrom('outbox').execute();
});

function orderView(orderId: number): OrderView {
  return {
    orderId,
    userId: 1,
    status: 'PAID',
    items: [{ productId: 1, name: 'Tea', unitPrice: 1000, quantity: 2, amount: 2000, paidAmount: 2000, refundedQuantity: 0 }],
    totalAmount: 2000,
    discountAmount: 0,
    paidAmount: 2000,
    refundedAmount: 0,
    userCouponId: null,
    refunds: [],
    createdAt: new Date('2026-11-24T09:00:00.000Z'),
    cancelledAt: null,
  };
}

async function addEvents(count: number, firstOrderId = 1): Promise<string[]> {
  const rows = await database.db
    .insertInto('outbox')
    .values(
      Array.from({ length: count }, (_, i) => ({
        type: 'order.paid',
        payload: JSON.stringify(orderView(firstOrderId + i)),
        occurred_at: new Date('2026-11-24T09:00:00.000Z'),
      })),
    )
    .returning('event_id')
    .execute();
  return rows.map((r) => r.event_id);
}

async function statusOf(eventId: string) {
  return database.db.selectFrom('outbox').selectAll().where('event_id', '=', eventId).executeTakeFirstOrThrow();
}

describe('PgOutboxRelayStore.claimDue', () => {
  it('claims due events oldest first, as envelopes, counting the attempt', async () => {
    const ids = await addEvents(3);
    const claimed = await store.claimDue(2, 30_000);
    expect(claimed.map((e) => e.envelope.eventId)).toEqual(ids.slice(0, 2));
    expect(claimed[0]).toMatchObject({
      attempt: 1,
      envelope: { type: 'order.paid', occurredAt: '2026-11-24T09:00:00.000Z', data: { orderId: 1, createdAt: '2026-11-24T09:00:00.000Z' } },
    });
    // The order view's fields in API.md's order, whatever order jsonb kept them in.
    expect(Object.keys(claimed[0]!.envelope.data as object)).toEqual([
      'orderId', 'userId', 'status', 'items', 'totalAmount', 'discountAmount', 'paidAmount', 'refundedAmount', 'userCouponId', 'refunds', 'createdAt', 'cancelledAt',
    ]);
    expect(Object.keys((claimed[0]!.envelope.data as { items: object[] }).items[0]!)).toEqual(['productId', 'name', 'unitPrice', 'quantity', 'amount', 'paidAmount', 'refundedQuantity']);
    expect(claimed.map((e) => e.envelope.sequence)).toEqual([1, 2]);
    const row = await statusOf(ids[0]!);
    expect(row.claim_token).toBe(claimed[0]!.claimToken);
    expect(row.lease_until!.getTime()).toBeGreaterThan(Date.now() + 20_000);
  });

  it('skips events another relay holds, until their lease passes', async () => {
    await addEvents(4);
    const first = await store.claimDue(10, 300);
    expect(first).toHaveLength(4);
    await expect(store.claimDue(10, 300)).resolves.toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const again = await store.claimDue(10, 300);
    expect(again.map((e) => e.envelope.eventId)).toEqual(first.map((e) => e.envelope.eventId));
    expect(again.every((e) => e.attempt === 2)).toBe(true);
  });

  it('never hands one event to two relays claiming at the same time', async () => {
    await addEvents(200);
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimDue(30, 30_000)));
    const ids = claims.flat().map((e) => e.envelope.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(0);
  });

  it('leaves events whose next attempt is still ahead', async () => {
    const [id] = await addEvents(1);
    await database.db.updateTable('outbox').set({ next_attempt_at: new Date(Date.now() + 60_000) }).execute();
    await expect(store.claimDue(10, 1_000)).resolves.toEqual([]);
    expect((await statusOf(id!)).attempts).toBe(0);
  });

  it('parks a malformed row instead of handing it out', async () => {
    const [good] = await addEvents(1);
    await database.db
      .insertInto('outbox')
      .values({ type: 'order.paid', payload: JSON.stringify({ hello: 'world' }), occurred_at: new Date() })
      .execute();
    const claimed = await store.claimDue(10, 30_000);
    expect(claimed.map((e) => e.envelope.eventId)).toEqual([good]);
    const failed = await queries.events('FAILED', { limit: 10, after: null });
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]!.lastError).toMatch(/malformed outbox row/);
  });
});

describe('recording outcomes', () => {
  it('marks delivered, schedules a retry, or parks: only for the current claim', async () => {
    const [a, b, c] = await addEvents(3);
    const [ea, eb, ec] = await store.claimDue(3, 30_000);
    const retryAt = new Date(Date.now() + 60_000);
    await store.markDelivered(ea!);
    await store.scheduleRetry(eb!, retryAt, 'HTTP 503');
    await store.park(ec!, 'HTTP 500');

    expect(await statusOf(a!)).toMatchObject({ status: 'DELIVERED', claim_token: null, lease_until: null });
    expect((await statusOf(a!)).delivered_at).toBeInstanceOf(Date);
    expect(await statusOf(b!)).toMatchObject({ status: 'PENDING', last_error: 'HTTP 503', claim_token: null, next_attempt_at: retryAt });
    expect(await statusOf(c!)).toMatchObject({ status: 'FAILED', last_error: 'HTTP 500', attempts: 1 });
  });

  it('ignores a late relay whose lease ran out and whose event was claimed again', async () => {
    const [id] = await addEvents(1);
    const [stale] = await store.claimDue(1, 50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [fresh] = await store.claimDue(1, 30_000);
    expect(fresh!.claimToken).not.toBe(stale!.claimToken);

    await store.park(stale!, 'late failure');
    await store.scheduleRetry(stale!, new Date(Date.now() + 60_000), 'late failure');
    expect(await statusOf(id!)).toMatchObject({ status: 'PENDING', claim_token: fresh!.claimToken, attempts: 2 });

    await store.markDelivered(fresh!);
    await store.park(stale!, 'even later');
    expect(await statusOf(id!)).toMatchObject({ status: 'DELIVERED', last_error: null });
  });
});

describe('PgOutboxRelayStore.requeueFailed', () => {
  it('puts a FAILED event back in line now, with its attempts reset', async () => {
    const [id] = await addEvents(1);
    const [event] = await store.claimDue(1, 30_000);
    await store.park(event!, 'HTTP 503');

    await expect(store.requeueFailed(id!)).resolves.toBe('REQUEUED');
    expect(await statusOf(id!)).toMatchObject({ status: 'PENDING', attempts: 0, claim_token: null, lease_until: null });
    const [again] = await store.claimDue(1, 30_000);
    expect(again).toMatchObject({ attempt: 1, envelope: { eventId: id } });
  });

  it('answers NOT_FAILED for a pending or delivered event, NOT_FOUND for an unknown or malformed id', async () => {
    const [pending, delivered] = await addEvents(2);
    await sql`update outbox set status = 'DELIVERED' where event_id = ${delivered}`.execute(database.db);
    await expect(store.requeueFailed(pending!)).resolves.toBe('NOT_FAILED');
    await expect(store.requeueFailed(delivered!)).resolves.toBe('NOT_FAILED');
    await expect(store.requeueFailed('6f1c1a55-3b7c-4f0e-9d55-0a4b0c1d2e3f')).resolves.toBe('NOT_FOUND');
    await expect(store.requeueFailed('not-a-uuid')).resolves.toBe('NOT_FOUND');
    await expect(store.requeueFailed("'; drop table outbox; --")).resolves.toBe('NOT_FOUND');
  });
});

describe('PgOutboxQueries.events', () => {
  it('lists one status newest first, in keyset pages', async () => {
    const ids = await addEvents(5);
    const first = await queries.events('PENDING', { limit: 2, after: null });
    expect(first.items.map((e) => e.eventId)).toEqual([ids[4], ids[3]]);
    expect(first.items[0]).toMatchObject({ type: 'order.paid', status: 'PENDING', attempts: 0, lastError: null, deliveredAt: null });
    expect(first.items[0]!.nextAttemptAt).toBeInstanceOf(Date);
    const second = await queries.events('PENDING', { limit: 2, after: first.nextAfter });
    expect(second.items.map((e) => e.eventId)).toEqual([ids[2], ids[1]]);
    const last = await queries.events('PENDING', { limit: 2, after: second.nextAfter });
    expect(last.items.map((e) => e.eventId)).toEqual([ids[0]]);
    expect(last.nextAfter).toBeNull();
    await expect(queries.events('DELIVERED', { limit: 2, after: null })).resolves.toEqual({ items: [], nextAfter: null });
  });
});
