import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, Money } from '@storefront/domain';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPgliteDatabase, useFreshDatabase } from '../../test/harness';
import { storefrontOn } from '../../test/support/storefront';
import { migrateToLatest } from '../migrations/migrate-to-latest';
import { KyselyUnitOfWork } from '../unit-of-work/kysely-unit-of-work';
import { openDatabase, parseInt8 } from './open-database';

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
    } finally {
      await unreachable.close();
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
          const wallet = await tx.wallets.lockForUser(1, new Date());
          // Yield to the event loop mid-transaction: an interleaving runner would start others now.
          await new Promise((resolve) => setTimeout(resolve, 0));
          wallet.charge(Money.of(1), Money.of(10_000_000), new Date());
          await tx.wallets.save(wallet);
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
