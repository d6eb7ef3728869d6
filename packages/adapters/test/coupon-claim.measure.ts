/*
 * Measures first-come coupon issuance with the sharded stock of PgCouponRepository against a
 * single counter row, through the real IssueCoupon use case on PostgreSQL. Not a test: timings
 * vary by machine, so nothing here asserts them. Run:
 *
 *   node --import tsx packages/adapters/test/coupon-claim.measure.ts
 *
 * Each round: N users press "issue" at once for one coupon, with P pooled connections.
 * Reported: wall time, issues per second and the p50/p95 latency of one request.
 */
import { ContendedUnits, IssueCoupon, SharedReads, SoldOutCoupons, type CouponRepository, type TransactionScope, type UnitOfWork } from '@storefront/application';
import { Coupon, type CouponPrimitives, type UserCoupon } from '@storefront/domain';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/db/database.factory';
import type { DB } from '../src/db/database.schema';
import { PgCouponQueries } from '../src/queries/coupon.queries';
import { PgCouponRepository } from '../src/repositories/coupon.repository';
import { PgUserCouponRepository } from '../src/repositories/user-coupon.repository';
import { transactionScope } from '../src/unit-of-work/kysely.unit-of-work';
import { copyTemplate, createTemplateDatabase, dropDatabase } from './harness/databases';
import { findPostgresServer } from './harness/postgres-server';

/** The design we did not take: every unit counted on one row of its own table. */
class SingleCounterCouponRepository implements CouponRepository {
  private readonly sharded: PgCouponRepository;

  constructor(private readonly db: Kysely<DB>) {
    this.sharded = new PgCouponRepository(db);
  }

  async add(fields: Omit<CouponPrimitives, 'id'>): Promise<Coupon> {
    const coupon = await this.sharded.add(fields);
    await sql`insert into measure_coupon_counter (coupon_id, remaining) values (${coupon.id}, ${fields.totalQuantity})`.execute(this.db);
    return coupon;
  }

  async claimUnit(couponId: number): Promise<boolean> {
    const { rows } = await sql`
      update measure_coupon_counter set remaining = remaining - 1
      where coupon_id = ${couponId} and remaining > 0 returning remaining`.execute(this.db);
    return rows.length === 1;
  }

  async issueUnit(userCoupon: UserCoupon): Promise<UserCoupon | null> {
    const saved = await new PgUserCouponRepository(this.db).add(userCoupon);
    return (await this.claimUnit(userCoupon.couponId)) ? saved : null;
  }
}

type Variant = 'sharded (32 rows, SKIP LOCKED)' | 'single counter row';

function unitOfWork(db: Kysely<DB>, variant: Variant): UnitOfWork {
  return {
    run: <T>(work: (tx: TransactionScope) => Promise<T>) =>
      db.transaction().execute((trx) =>
        work({ ...transactionScope(trx), coupons: variant === 'single counter row' ? new SingleCounterCouponRepository(trx) : new PgCouponRepository(trx) }),
      ),
  };
}

const clock = { now: () => new Date() };
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function round(url: string, variant: Variant, claimers: number, total: number, poolSize: number) {
  const database = await openDatabase({ databaseUrl: url, poolSize });
  try {
    // Warm the pool so connection set-up is not measured.
    await Promise.all(Array.from({ length: poolSize }, () => sql`select 1`.execute(database.db)));
    const uow = unitOfWork(database.db, variant);
    const coupon = await uow.run((tx) =>
      tx.coupons.add({ name: 'Measure', discountType: 'FIXED', discountValue: 1_000, totalQuantity: total, expiresAt: new Date(Date.now() + 3_600_000) }),
    );
    // Both variants share the early sold-out read of the shards; the claim in the transaction decides.
    const issue = new IssueCoupon(uow, new PgCouponQueries(database.db), clock, new SoldOutCoupons(), new ContendedUnits(), new SharedReads());
    const latencies: number[] = [];
    let issued = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: claimers }, async (_, i) => {
        const t0 = performance.now();
        try {
          await issue.execute({ userId: 1_000_000 + i, couponId: coupon.id });
          issued++;
        } catch {
          // sold out
        }
        latencies.push(performance.now() - t0);
      }),
    );
    const wall = performance.now() - started;
    latencies.sort((a, b) => a - b);
    return { wall, issued, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
  } finally {
    await database.close();
  }
}

const server = await findPostgresServer();
const template = await createTemplateDatabase(server.adminUrl);
const fresh = await copyTemplate(server.adminUrl, template);
try {
  const admin = new pg.Client({ connectionString: fresh.url });
  await admin.connect();
  await admin.query('create table measure_coupon_counter (coupon_id bigint primary key, remaining int not null check (remaining >= 0))');
  const repeats = Number(process.env.MEASURE_REPEATS ?? 3);
  const cases: Array<{ claimers: number; total: number; poolSize: number }> = [
    { claimers: 200, total: 200, poolSize: 20 },
    { claimers: 500, total: 500, poolSize: 20 },
    { claimers: 500, total: 500, poolSize: 40 },
    { claimers: 500, total: 100, poolSize: 20 },
  ];
  for (const synchronousCommit of ['on', 'off']) {
    await admin.query(`alter database "${fresh.name}" set synchronous_commit = ${synchronousCommit}`);
    console.log(`\nsynchronous_commit = ${synchronousCommit} (${server.source} PostgreSQL), median of ${repeats} rounds`);
    for (const c of cases) {
      for (const variant of ['single counter row', 'sharded (32 rows, SKIP LOCKED)'] as const) {
        const results = [];
        for (let r = 0; r < repeats; r++) results.push(await round(fresh.url, variant, c.claimers, c.total, c.poolSize));
        results.sort((a, b) => a.wall - b.wall);
        const m = results[Math.floor(results.length / 2)]!;
        console.log(
          `${String(c.claimers).padStart(4)} claims, ${String(c.total).padStart(3)} units, pool ${String(c.poolSize).padStart(2)} | ${variant.padEnd(31)} | ` +
            `${m.wall.toFixed(0).padStart(5)} ms  ${((c.claimers / m.wall) * 1000).toFixed(0).padStart(5)} req/s  ` +
            `p50 ${m.p50.toFixed(0).padStart(4)} ms  p95 ${m.p95.toFixed(0).padStart(4)} ms  issued ${m.issued}`,
        );
      }
    }
  }
  await admin.end();
} finally {
  await fresh.drop();
  await dropDatabase(server.adminUrl, template);
}
