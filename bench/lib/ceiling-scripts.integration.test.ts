import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useFreshDatabase } from '@storefront/adapters/testing';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioName } from '../report';
import { SERVICE_SCRIPTS, SERVICE_SQL_DIR, serviceVariables } from './ceilings';
import { createHotRow, hotRowScripts, LEAN_SQL_DIR, leanScripts, leanVariables } from './lean-ceilings';
import { runPgbench } from './pgbench';
import { PG_HOST, PG_PORT } from './postgres';
import { QUICK, type ScenarioWorld } from './scenarios';
import { createHotCounter, seed, seedCancellableOrders } from './seed';

/*
 * Every pgbench script of the ceilings (bench/sql, bench/sql-lean) runs, for a second, on the
 * schema as migrated and seeded the way `pnpm bench` seeds it: a migration that changes a table
 * a script uses fails here, in `pnpm test`, instead of at the end of a fifteen-minute bench run
 * (as the lean browse did when products.stock went into shards). pgbench refuses a run in which
 * any client hit an error (pgbench.ts).
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const testDb = useFreshDatabase({ poolSize: 1 });
const sizes = { ...QUICK, users: 200, catalogue: 10, flashUnits: 20, flashBuyers: 200, cancellableOrders: 2_000 };
let world: ScenarioWorld;

/** pgbench reaches the server `pnpm bench` uses; the test database must be on it. */
const onBenchServer = () => {
  const url = new URL(testDb.current.url);
  return url.hostname === PG_HOST && Number(url.port || 5432) === PG_PORT;
};

beforeAll(async () => {
  const client = new pg.Client({ connectionString: testDb.current.url });
  await client.connect();
  try {
    const seeded = await seed(client, {
      users: sizes.users,
      walletBalance: sizes.walletBalance,
      catalogue: sizes.catalogue,
      catalogueStock: 1_000_000,
      hotStock: 1_000_000,
      rushQuantity: 1_000_000,
      mixedCouponQuantity: 1_000_000,
      uncontendedCoupons: 2,
      uncontendedQuantity: 100,
      flashUnits: sizes.flashUnits,
    });
    await createHotCounter(client);
    await createHotRow(client);
    await seedCancellableOrders(client, { users: sizes.users, catalogue: sizes.catalogue, perRange: sizes.cancellableOrders });
    world = { sizes, tokens: [], adminToken: '', ...seeded };
  } finally {
    await client.end();
  }
});

const scenarios = Object.keys(SERVICE_SCRIPTS) as ScenarioName[];

describe('the ceilings’ pgbench scripts on the migrated, seeded schema', () => {
  it.for(scenarios)('%s: the service’s SQL, the lean SQL and the hot row each run clean', async (name, { skip }) => {
    if (!onBenchServer()) skip();
    const run = (scripts: { file: string; weight?: number }[], sqlDir: string, variables: Record<string, number>) =>
      runPgbench({ database: testDb.current.name, scripts, clients: 2, seconds: 1, variables, sqlDir, cwd: root });
    expect((await run(SERVICE_SCRIPTS[name]!, SERVICE_SQL_DIR, serviceVariables(name, world))).transactions).toBeGreaterThan(0);
    const lean = leanScripts(name);
    if (lean) expect((await run(lean, LEAN_SQL_DIR, leanVariables(name, world, 2, 1_000_000_000))).transactions).toBeGreaterThan(0);
    const hotRow = hotRowScripts(name);
    if (hotRow) expect((await run(hotRow, LEAN_SQL_DIR, {})).transactions).toBeGreaterThan(0);
  });
});
