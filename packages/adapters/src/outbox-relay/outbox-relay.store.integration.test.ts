import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimedOutboxEvent, DeliveryAttempt, OrderView, SettledDelivery } from '@storefront/application';
import { PgOutboxQueries } from './outbox.queries';
import { sequenceCommittedEvents } from './event.sequencer';
import { PgOutboxRelayStore } from './outbox-relay.store';
import { KyselyUnitOfWork } from '../unit-of-work/kysely.unit-of-work';
import { openDatabase, type Database } from '../db/database.factory';
import type { DB } from '../db/database.schema';
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

/** Writes events through the repository the use cases use; answers their ids, in order. */
async function addEvents(count: number, firstOrderId = 1, type: 'order.paid' | 'order.cancelled' = 'order.paid', db: Database = database): Promise<string[]> {
  // One unit of work each, committed in turn: the repository sends the event with the COMMIT.
  const transactions = new KyselyUnitOfWork(db.db);
  for (let i = 0; i < count; i += 1) {
    await transactions.run((tx) => tx.outbox.append({ type, occurredAt: new Date('2026-11-24T09:00:00.000Z'), data: orderView(firstOrderId + i) }));
  }
  const rows = await db.db.selectFrom('outbox').select('event_id').orderBy('seq', 'desc').limit(count).execute();
  return rows.map((r) => r.event_id).reverse();
}

/**
 * An order event written at once, as a row of its own, in `trx`: the repository would send it
 * with the COMMIT, so its seq would follow the commit order, and these tests need the opposite.
 */
async function writeEventNow(trx: Transaction<DB>, orderId: number): Promise<void> {
  await trx.insertInto('outbox').values({ type: 'order.paid', order_id: orderId, payload: JSON.stringify(orderView(orderId)), occurred_at: new Date() }).execute();
}

async function rowOf(eventId: string) {
  return database.db.selectFrom('outbox').selectAll().where('event_id', '=', eventId).executeTakeFirstOrThrow();
}

const attempt = (outcome: DeliveryAttempt['outcome'], error: string | null = null, httpStatus: number | null = 200): DeliveryAttempt => ({
  at: new Date(),
  outcome,
  httpStatus,
  durationMs: 12,
  error,
});
const delivered = (event: ClaimedOutboxEvent): SettledDelivery => ({ event, attempt: attempt('DELIVERED'), settlement: { kind: 'delivered' } });
const retried = (event: ClaimedOutboxEvent, nextAttemptAt: Date, error = 'HTTP 503'): SettledDelivery => ({
  event,
  attempt: attempt('FAILED', error, 503),
  settlement: { kind: 'retry', nextAttemptAt },
});
const parked = (event: ClaimedOutboxEvent, error = 'HTTP 500'): SettledDelivery => ({ event, attempt: attempt('FAILED', error, 500), settlement: { kind: 'park' } });

describe('PgOutboxRelayStore.claimDue', () => {
  it('claims at once after a burst that the statistics have not seen yet', async () => {
    // Statistics taken while every event was delivered, then 5,000 new pending events: the plan
    // that estimates one pending row must not run the picking subquery once per pending row.
    await sql`alter table outbox set (autovacuum_enabled = false)`.execute(database.db);
    const quick = await openDatabase({ databaseUrl: database.url, poolSize: 1, statementTimeoutMs: 5_000 });
    try {
      const clone = (from: number, to: number) =>
        sql`insert into outbox (type, order_id, payload, occurred_at)
            select o.type, g, jsonb_set(o.payload::jsonb, '{orderId}', to_jsonb(g))::json, o.occurred_at
            from (select * from outbox order by seq limit 1) o, generate_series(${from}::int, ${to}::int) g`.execute(database.db);
      await addEvents(1, 1);
      await clone(2, 5_000);
      while ((await sequenceCommittedEvents(database.db)) > 0);
      await sql`update outbox set status = 'DELIVERED', delivered_at = now()`.execute(database.db);
      await sql`analyze outbox`.execute(database.db);
      await clone(5_001, 10_000);

      const claimed = await new PgOutboxRelayStore(quick.db).claimDue(100, 30_000);
      expect(claimed.map((event) => event.envelope.data.orderId)).toEqual(Array.from({ length: 100 }, (_, i) => 5_001 + i));
    } finally {
      await quick.close();
      await sql`alter table outbox reset (autovacuum_enabled)`.execute(database.db);
    }
  });

  it('claims due events lowest sequence first, as envelopes with the data as written, counting the attempt', async () => {
    const ids = await addEvents(3);
    const claimed = await store.claimDue(2, 30_000);
    expect(claimed.map((e) => e.envelope.eventId)).toEqual(ids.slice(0, 2));
    expect(claimed[1]!.envelope.sequence).toBeGreaterThan(claimed[0]!.envelope.sequence);
    expect(claimed[0]).toMatchObject({
      attempt: 1,
      envelope: { type: 'order.paid', occurredAt: '2026-11-24T09:00:00.000Z', data: { orderId: 1, createdAt: '2026-11-24T09:00:00.000Z' } },
    });
    // The order view's fields in the contract's order: the JSON text is kept as written.
    expect(Object.keys(claimed[0]!.envelope.data)).toEqual([
      'orderId', 'userId', 'status', 'items', 'totalAmount', 'discountAmount', 'paidAmount', 'refundedAmount', 'userCouponId', 'refunds', 'createdAt', 'cancelledAt',
    ]);
    expect(Object.keys(claimed[0]!.envelope.data.items[0]!)).toEqual(['productId', 'name', 'unitPrice', 'quantity', 'amount', 'paidAmount', 'refundedQuantity']);
    const row = await rowOf(ids[0]!);
    expect(row.claim_token).toBe(claimed[0]!.claimToken);
    expect(row.order_id).toBe(1);
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
    expect((await rowOf(id!)).attempts).toBe(0);
  });

  it('holds a later event of an order while an earlier one is claimed, pending or parked; other orders flow', async () => {
    const [paid1, paid2] = await addEvents(2, 1);
    const [cancelled1, cancelled2] = await addEvents(2, 1, 'order.cancelled');
    const first = await store.claimDue(10, 30_000);
    expect(first.map((e) => e.envelope.eventId)).toEqual([paid1, paid2]);
    // Both payments claimed (in flight): neither cancellation may go, from any relay.
    await expect(store.claimDue(10, 30_000)).resolves.toEqual([]);

    await store.settle([parked(first[0]!), delivered(first[1]!)]);
    const second = await store.claimDue(10, 30_000);
    expect(second.map((e) => e.envelope.eventId)).toEqual([cancelled2]);

    await store.requeueFailed(paid1!);
    const third = await store.claimDue(10, 30_000);
    expect(third.map((e) => e.envelope.eventId)).toEqual([paid1]);
    await store.settle([retried(third[0]!, new Date(Date.now() - 1))]);
    // Due again, and still first in its order's line.
    expect((await store.claimDue(10, 30_000)).map((e) => e.envelope.eventId)).toEqual([paid1]);
    expect(await rowOf(cancelled1!)).toMatchObject({ status: 'PENDING', attempts: 0 });
  });

  it('parks a malformed row instead of handing it out', async () => {
    const [good] = await addEvents(1);
    await database.db
      .insertInto('outbox')
      .values({ type: 'order.paid', order_id: 99, payload: JSON.stringify({ hello: 'world' }), occurred_at: new Date() })
      .execute();
    const claimed = await store.claimDue(10, 30_000);
    expect(claimed.map((e) => e.envelope.eventId)).toEqual([good]);
    const failed = await queries.events('FAILED', { limit: 10, after: null });
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]!.lastError).toMatch(/malformed outbox row/);
  });
});

describe('PgOutboxRelayStore.settle', () => {
  it('marks delivered, schedules a retry, or parks, in one go; every attempt goes to the log', async () => {
    const [a, b, c] = await addEvents(3);
    const [ea, eb, ec] = await store.claimDue(3, 30_000);
    const retryAt = new Date(Date.now() + 60_000);
    await store.settle([delivered(ea!), retried(eb!, retryAt), parked(ec!)]);

    expect(await rowOf(a!)).toMatchObject({ status: 'DELIVERED', claim_token: null, lease_until: null });
    expect((await rowOf(a!)).delivered_at).toBeInstanceOf(Date);
    expect(await rowOf(b!)).toMatchObject({ status: 'PENDING', last_error: 'HTTP 503', claim_token: null, next_attempt_at: retryAt });
    expect(await rowOf(c!)).toMatchObject({ status: 'FAILED', last_error: 'HTTP 500', attempts: 1 });

    const detail = await queries.event(b!);
    expect(detail).toMatchObject({
      envelope: { eventId: b, type: 'order.paid', sequence: eb!.envelope.sequence },
      status: 'PENDING',
      nextAttemptAt: retryAt,
      attempts: [{ outcome: 'FAILED', httpStatus: 503, durationMs: 12, error: 'HTTP 503' }],
    });
    expect((await queries.event(a!))!.attempts).toEqual([expect.objectContaining({ outcome: 'DELIVERED', httpStatus: 200, error: null })]);
    expect((await queries.event(a!))!.nextAttemptAt).toBeNull();
    await expect(queries.event('6f1c1a55-3b7c-4f0e-9d55-0a4b0c1d2e3f')).resolves.toBeNull();
    await expect(queries.event('not-a-uuid')).resolves.toBeNull();
  });

  it('logs a late relay’s attempt but lets it change nothing once its event was claimed again', async () => {
    const [id] = await addEvents(1);
    const [stale] = await store.claimDue(1, 50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [fresh] = await store.claimDue(1, 30_000);
    expect(fresh!.claimToken).not.toBe(stale!.claimToken);

    await store.settle([parked(stale!, 'late failure')]);
    await store.settle([retried(stale!, new Date(Date.now() + 60_000), 'late failure')]);
    expect(await rowOf(id!)).toMatchObject({ status: 'PENDING', claim_token: fresh!.claimToken, attempts: 2 });

    await store.settle([delivered(fresh!)]);
    await store.settle([parked(stale!, 'even later')]);
    expect(await rowOf(id!)).toMatchObject({ status: 'DELIVERED', last_error: null });
    expect((await queries.event(id!))!.attempts.map((a) => a.outcome)).toEqual(['FAILED', 'FAILED', 'DELIVERED', 'FAILED']);
  });
});

describe('PgOutboxRelayStore.requeueFailed', () => {
  it('puts a FAILED event back in line now, with its attempts reset', async () => {
    const [id] = await addEvents(1);
    const [event] = await store.claimDue(1, 30_000);
    await store.settle([parked(event!, 'HTTP 503')]);

    await expect(store.requeueFailed(id!)).resolves.toBe('REQUEUED');
    expect(await rowOf(id!)).toMatchObject({ status: 'PENDING', attempts: 0, claim_token: null, lease_until: null });
    const [again] = await store.claimDue(1, 30_000);
    expect(again).toMatchObject({ attempt: 1, envelope: { eventId: id } });
  });

  it('answers NOT_FAILED for a pending or delivered event, NOT_FOUND for an unknown or malformed id', async () => {
    const [pending, deliveredId] = await addEvents(2);
    await sql`update outbox set status = 'DELIVERED' where event_id = ${deliveredId}`.execute(database.db);
    await expect(store.requeueFailed(pending!)).resolves.toBe('NOT_FAILED');
    await expect(store.requeueFailed(deliveredId!)).resolves.toBe('NOT_FAILED');
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

/** Reads the whole feed from `after`, page by page, as a data team's consumer does. */
async function readFeed(after: number, limit: number, feed: PgOutboxQueries = queries): Promise<{ sequences: number[]; nextAfter: number }> {
  const sequences: number[] = [];
  for (;;) {
    const page = await feed.feed(after, limit, null);
    sequences.push(...page.items.map((e) => e.envelope.sequence));
    if (page.items.length === 0) return { sequences, nextAfter: page.nextAfter };
    after = page.nextAfter;
  }
}

describe('PgOutboxQueries.feed', () => {
  it('serves events ascending by sequence with their delivery status, filtered by type on request', async () => {
    const paid = await addEvents(3, 1);
    const [cancelled] = await addEvents(1, 2, 'order.cancelled');
    const [first] = await store.claimDue(1, 30_000);
    await store.settle([delivered(first!)]);

    const page = await queries.feed(0, 10, null);
    expect(page.items.map((e) => e.envelope.eventId)).toEqual([...paid, cancelled]);
    expect(page.items[0]).toMatchObject({ status: 'DELIVERED', attempts: 1, envelope: first!.envelope });
    expect(page.items[0]!.deliveredAt).toBeInstanceOf(Date);
    expect(page.items[1]).toMatchObject({ status: 'PENDING', attempts: 0, deliveredAt: null });
    expect(page.nextAfter).toBe(page.items[3]!.envelope.sequence);

    const cancellations = await queries.feed(0, 10, 'order.cancelled');
    expect(cancellations.items.map((e) => e.envelope.eventId)).toEqual([cancelled]);
    await expect(queries.feed(page.nextAfter, 10, null)).resolves.toEqual({ items: [], nextAfter: page.nextAfter });
  });

  it('never skips: an event written before others but committed after a page was read is still seen', async () => {
    await addEvents(2, 1);
    // A transaction writes its event and stays open, on a connection of its own. Written by a
    // statement of its own (the repository sends it with the COMMIT), it takes its seq now,
    // before the events written after it.
    const late = await openDatabase({ databaseUrl: database.url, poolSize: 1 });
    let commitLate!: () => void;
    const lateCommitted = new Promise<void>((resolve) => (commitLate = resolve));
    let lateWrote!: () => void;
    const written = new Promise<void>((resolve) => (lateWrote = resolve));
    const lateTransaction = late.db.transaction().execute(async (trx) => {
      await writeEventNow(trx, 100);
      lateWrote();
      await lateCommitted;
    });
    try {
      await written;
      // Events written after it commit at once.
      const after = await addEvents(3, 200);
      const before = await readFeed(0, 2);
      // The five committed events, numbered one after another; the open one is not numbered yet.
      const first = before.sequences[0]!;
      expect(before.sequences).toEqual([first, first + 1, first + 2, first + 3, first + 4]);

      commitLate();
      await lateTransaction;
      const rest = await readFeed(before.nextAfter, 2);
      expect(rest.sequences).toEqual([first + 5]);
      const numbered = await database.db.selectFrom('outbox').select(['event_id', 'sequence', 'order_id']).orderBy('sequence').execute();
      expect(numbered.map((r) => r.order_id)).toEqual([1, 2, 200, 201, 202, 100]);
      expect(numbered.slice(2, 5).map((r) => r.event_id)).toEqual(after);
    } finally {
      commitLate();
      await lateTransaction.catch(() => undefined);
      await late.close();
    }
  });

  it('never skips under concurrent writers and sequencers: a reader paging all along sees every event exactly once', async () => {
    const seen: number[] = [];
    let after = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const page = await queries.feed(after, 7, null);
        seen.push(...page.items.map((e) => e.envelope.sequence));
        after = page.nextAfter;
      }
    })();
    // Other readers and a relay number events too, at the same time.
    const readerTwo = (async () => {
      while (writing) await queries.feed(0, 1, null);
    })();
    const relays = (async () => {
      while (writing) await store.claimDue(5, 60_000);
    })();
    // 20 writers of 10 events each, every event written by a statement of its own (so it takes
    // its seq then) in a transaction that stays open a moment after it, so commits overtake one another.
    await Promise.all(
      Array.from({ length: 20 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 10; i += 1) {
            await database.db.transaction().execute(async (trx) => {
              await writeEventNow(trx, 1_000 + w * 10 + i);
              await sql`select pg_sleep(${(i % 3) * 0.003})`.execute(trx);
            });
          }
        })(),
      ),
    );
    writing = false;
    await reader;
    await Promise.all([readerTwo, relays]);
    seen.push(...(await readFeed(after, 50)).sequences);
    const stored = (await database.db.selectFrom('outbox').select('sequence').orderBy('sequence').execute()).map((r) => Number(r.sequence));
    expect(seen).toEqual(stored);
    expect(stored).toHaveLength(200);
  });
});
