import type pg from 'pg';
import type { ScenarioName } from '../report';
import type { PgbenchOptions } from './pgbench';
import { CHARGE_AMOUNT, type ScenarioWorld } from './scenarios';
import { lifecycleOrderVariables } from './seed';

/*
 * The two ceilings beside the service's own SQL (issue 14, item 1), as pgbench scripts in
 * bench/sql-lean/:
 * - lean: the fewest statements a DBA would write for the same effect and the same guarantees
 *   (one statement per write: data-modifying CTEs, with PostgreSQL's constraints refusing an
 *   oversell, an overdraft or a second copy of a coupon);
 * - hot row: one row updated and committed, the limit of any design that serialises on one row;
 *   only for the scenarios that have a hot row (a coupon, a product).
 */

export const LEAN_SQL_DIR = 'bench/sql-lean';

type Scripts = PgbenchOptions['scripts'];

const LEAN_SCRIPTS: Partial<Record<ScenarioName, Scripts>> = {
  'coupon-rush': [{ file: 'coupon-issue.sql' }],
  'hot-product-order': [{ file: 'order.sql' }],
  charge: [{ file: 'charge.sql' }],
  mixed: [
    { file: 'browse.sql', weight: 70 },
    { file: 'charge.sql', weight: 10 },
    { file: 'coupon-issue.sql', weight: 5 },
    { file: 'order.sql', weight: 15 },
  ],
  'flash-sale': [{ file: 'order.sql' }],
  cancel: [{ file: 'cancel.sql' }],
  refund: [{ file: 'refund.sql' }],
};

const HOT_ROW_SCENARIOS: readonly ScenarioName[] = ['coupon-rush', 'hot-product-order', 'flash-sale'];

export const leanScripts = (name: ScenarioName): Scripts | null => LEAN_SCRIPTS[name] ?? null;
export const hotRowScripts = (name: ScenarioName): Scripts | null => (HOT_ROW_SCENARIOS.includes(name) ? [{ file: 'hot-row.sql' }] : null);

/** The hot row of the hot-row ceiling, in the ceilings' database only. */
export async function createHotRow(client: pg.Client): Promise<void> {
  await client.query('CREATE TABLE bench_hot_row (id int PRIMARY KEY, n bigint NOT NULL)');
  await client.query('INSERT INTO bench_hot_row VALUES (1, 0)');
}

/** Users of the lean coupon issue start far above the seeded ones, a fresh range for every run. */
const LEAN_USER_BASE = 100_000_000;
const LEAN_USERS_PER_RUN = 10_000_000;
let leanRuns = 0;

/**
 * The variables of the lean scripts: the same products, wallets and coupon (one with plenty of
 * units) as the service's ceiling; `nclients` bounds the client ids of this run.
 */
export function leanVariables(name: ScenarioName, world: ScenarioWorld, clients: number, maxBalance: number): Record<string, number> {
  leanRuns += 1;
  const spread = name === 'mixed';
  return {
    users: world.sizes.users,
    amount: CHARGE_AMOUNT,
    max_balance: maxBalance,
    catalogue: world.sizes.catalogue,
    product_lo: spread ? 1 : world.hotProductId,
    product_hi: spread ? world.sizes.catalogue : world.hotProductId,
    coupon: world.mixedCouponId,
    user_base: LEAN_USER_BASE + leanRuns * LEAN_USERS_PER_RUN,
    nclients: clients,
    n: 0,
    ...lifecycleOrderVariables(name, world.sizes.cancellableOrders),
  };
}
