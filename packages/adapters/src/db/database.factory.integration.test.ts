import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, Money } from '@storefront/domain';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPgliteDatabase, useFreshDatabase } from '../../test/harness';
import { storefrontOn } from '../../test/support/storefront';
import { migrateToLatest } from '../migrations/schema.migrator';
import { KyselyUnitOfWork } from '../unit-of-work/kysely.unit-of-work';
import { isDatabaseUnavailable } from './database.errors';
import { openDatabase, parseInt8 } from './database.factory';

const testDb = useFreshDatabase();

describe('openDatabase on PostgreSQL', () => {
  it('answers ping and reads int8 and date columns as number and YYYY-MM-DD', async () => {
    expect(testDb.current.kind).toBe('postgres');
    await testDb.current.ping();
    const { rows } = await sql<{ n: number; d: string }>`select 9007199254740991::bigint as n, date '2025-03-10' as d`.execute(testDb.current.db);
    expect(rows[0]).toEqual({ n: Number.MAX_SAFE_INTEGER, d: '2025-03-10' });
  });

  it('fails ping, not the process, when the server cannot be reached', async () => {
    const unreachable = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none' });
    try {
      await expect(unreachable.ping()).rejects.toThrow();
      await expect(unreachable.openAllConnections()).rejects.toThrow();
    } finally {
      await unreachable.close();
    }
  });

  it('opens every connection of its pool on request, before any statement needs one', async () => {
    const database = await openDatabase({ databaseUrl: testDb.current.url, poolSize: 4 });
    try {
      expect(database.poolStats?.()).toEqual({ total: 0, idle: 0, waiting: 0 });
      await database.openAllConnections();
      expect(database.poolStats?.()).toEqual({ total: 4, idle: 4, waiting: 0 });
    } finally {
      await database.close();
    }
  });
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(20);
  }
}

describe('openDatabase on PostgreSQL: connection faults and guards', () => {
  const backendGone = (pid: number) => async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where pid = ${pid}`.execute(testDb.current.db);
    return rows[0]?.n === 0;
  };

  it('lives through a backend terminated while its client is checked out idle in a transaction; only that transaction fails', async () => {
    const database = await openDatabase({ databaseUrl: testDb.current.url, poolSize: 2 });
    try {
      const transaction = database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        const pid = rows[0]!.pid;
        await sql`select pg_terminate_backend(${pid})`.execute(testDb.current.db);
        await waitFor(backendGone(pid), 'the backend to end');
        // The socket's end reaches the client as an 'error' event while no statement runs: the
        // event that used to be unhandled and end the process.
        await pause(200);
        await sql`select 1`.execute(trx);
      });
      const failure: unknown = await transaction.then(
        () => new Error('the transaction committed on a terminated backend'),
        (error: unknown) => error,
      );
      expect(isDatabaseUnavailable(failure)).toBe(true);
      // The broken client left the pool; the next statements get healthy connections.
      for (let i = 0; i < 4; i++) await database.ping();
    } finally {
      await database.close();
    }
  });

  it('turns a row lock held long by another client into a fast lock timeout, each transaction with its own SET LOCAL', async () => {
    const database = await openDatabase({ databaseUrl: testDb.current.url, poolSize: 3, lockTimeoutMs: 200 });
    await sql`insert into wallets (user_id, balance, updated_at) values (77, 0, now()) on conflict do nothing`.execute(testDb.current.db);
    try {
      await testDb.current.db.transaction().execute(async (holder) => {
        await sql`select 1 from wallets where user_id = 77 for update`.execute(holder);
        const started = Date.now();
        const outcomes = await Promise.allSettled(
          Array.from({ length: 9 }, () =>
            database.db.transaction().execute((trx) => sql`update wallets set balance = balance + 1 where user_id = 77`.execute(trx)),
          ),
        );
        expect(outcomes.every((o) => o.status === 'rejected' && isDatabaseUnavailable(o.reason))).toBe(true);
        // Three waves of three connections, 200 ms each: far from the 30 s statement timeout.
        expect(Date.now() - started).toBeLessThan(5_000);
      });
      // SET LOCAL ended with each transaction: the session keeps the server's default.
      const { rows } = await sql<{ lock_timeout: string }>`show lock_timeout`.execute(database.db);
      expect(rows[0]?.lock_timeout).toBe('0');
    } finally {
      await database.close();
    }
  });

});

describe('parseInt8', () => {
  it('refuses values a JS number cannot hold exactly', () => {
    expect(parseInt8('-9007199254740991')).toBe(-Number.MAX_SAFE_INTEGER);
    expect(() => parseInt8('9007199254740992')).toThrow(RangeError);
  });
});

describe('openDatabase on PGlite', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('persists in its data directory across a close and a reopen', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'storefront-pglite-'));
    dirs.push(dataDir);
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe('pglite');
    await migrateToLatest(first.db);
    await storefrontOn(first.db).chargeBalance.execute({ userId: 1, amount: 1_234 });
    await first.close();

    const second = await openDatabase({ dataDir });
    try {
      expect(await migrateToLatest(second.db)).toEqual([]);
      const row = await second.db.selectFrom('wallets').select('balance').where('user_id', '=', 1).executeTakeFirstOrThrow();
      expect(row.balance).toBe(1_234);
      const { rows } = await sql<{ n: number; d: string }>`select 9007199254740991::bigint as n, date '2025-03-10' as d`.execute(second.db);
      expect(rows[0]).toEqual({ n: Number.MAX_SAFE_INTEGER, d: '2025-03-10' });
      await expect(sql`select 9007199254740993::bigint as n`.execute(second.db)).rejects.toThrow(/MAX_SAFE_INTEGER/);
    } finally {
      await second.close();
    }
  });

  it('runs hundreds of concurrent units of work one after the other on its single connection', async () => {
    const database = await freshPgliteDatabase();
    try {
      const uow = new KyselyUnitOfWork(database.db);
      await sql`insert into wallets (user_id, balance, updated_at) values (1, 0, now())`.execute(database.db);
      const timeline: string[] = [];
      const runs = Array.from({ length: 300 }, (_, i) =>
        uow.run(async (tx) => {
          timeline.push(`begin ${i}`);
          const { wallet, transactionId } = await tx.wallets.lockForCharge(1);
          // Yield to the event loop mid-transaction: an interleaving runner would start others now.
          await new Promise((resolve) => setTimeout(resolve, 0));
          await tx.wallets.addCharge(wallet.charge(Money.of(1), Money.of(10_000_000), new Date()), Money.of(10_000_000), transactionId);
          if (i % 50 === 49) throw new Error(`run ${i} fails and rolls back alone`);
          timeline.push(`end ${i}`);
        }),
      );
      const results = await Promise.allSettled(runs);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(6);
      const row = await database.db.selectFrom('wallets').select('balance').where('user_id', '=', 1).executeTakeFirstOrThrow();
      expect(row.balance).toBe(294);
      // Every run ends (or fails) before the next begins.
      const begins = timeline.filter((e) => e.startsWith('begin'));
      expect(begins).toHaveLength(300);
      for (let k = 0; k < timeline.length; k++) {
        const [what, id] = timeline[k]!.split(' ');
        if (what === 'begin' && Number(id) % 50 !== 49) expect(timeline[k + 1]).toBe(`end ${id}`);
      }
    } finally {
      await database.close();
    }
  });

  it('keeps a domain failure inside its own run while others go on', async () => {
    const database = await freshPgliteDatabase();
    try {
      const shop = storefrontOn(database.db, { maxBalance: 5 });
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => shop.chargeBalance.execute({ userId: 9, amount: 1 })));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: ErrorCode.BalanceLimitExceeded });
      expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
    } finally {
      await database.close();
    }
  });
});
