/*
 * Measures the invariant checks on a large database: N paid orders seeded by SQL, then the
 * checker run once with each statement timed. Not a test: timings vary by machine. Run:
 *
 *   node --import tsx packages/adapters/test/audit.measure.ts [orders=50000] [stale]
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { checkInvariants } from '../src/invariants/invariant.checks';
import type { DB } from '../src/db/database.schema';
import { parseInt8 } from '../src/db/database.factory';
import { copyTemplate, createTemplateDatabase, dropDatabase } from './harness/databases';
import { findPostgresServer } from './harness/postgres-server';
import { seedLargeShop } from './support/large-shop';

const orders = Number(process.argv[2] ?? 50_000);
/** `stale`: run before any ANALYZE, as a live database between autovacuum runs. */
const analyze = process.argv[3] !== 'stale';
const timeZone = 'Asia/Seoul';
const server = await findPostgresServer();
const template = await createTemplateDatabase(server.adminUrl);
const fresh = await copyTemplate(server.adminUrl, template);
const timings: { ms: number; sql: string }[] = [];
const getTypeParser = (oid: number, format?: 'text' | 'binary'): ((text: string) => unknown) =>
  oid === 20 ? parseInt8 : (pg.types.getTypeParser(oid, format) as (text: string) => unknown);
// Minutes, not the service's 30 s: the point is to see how long each check takes.
const pool = new pg.Pool({ connectionString: fresh.url, max: 2, statement_timeout: 600_000, types: { getTypeParser } });
const db = new Kysely<DB>({
  dialect: new PostgresDialect({ pool }),
  log: (event) => {
    if (event.level === 'query') timings.push({ ms: event.queryDurationMillis, sql: event.query.sql.replace(/\s+/g, ' ').slice(0, 110) });
  },
});
try {
  let started = performance.now();
  await seedLargeShop(db, { orders, days: 10, timeZone, analyze });
  console.log(`seeded ${orders} orders in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  timings.length = 0;
  started = performance.now();
  const report = await checkInvariants(db, { maxBalance: 10_000_000, timeZone });
  console.log(`checkInvariants: ${(performance.now() - started).toFixed(0)} ms, ok ${report.ok}, ${report.violations.length} violations`);
  for (const v of report.violations.slice(0, 5)) console.log(`  violation ${v.invariant}: ${v.detail}`);
  for (const t of timings.sort((a, b) => b.ms - a.ms)) console.log(`  ${t.ms.toFixed(0).padStart(7)} ms  ${t.sql}`);
} finally {
  await db.destroy();
  await fresh.drop();
  await dropDatabase(server.adminUrl, template);
}
