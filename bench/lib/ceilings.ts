import { join } from 'node:path';
import type { ScenarioName } from '../report';
import { hotRowScripts, LEAN_SQL_DIR, leanScripts, leanVariables } from './lean-ceilings';
import { runLoad } from './load';
import { runPgbench, type PgbenchOptions, type PgbenchResult } from './pgbench';
import { freeConnections, vacuumDatabase } from './postgres';
import { startChildServer } from './processes';
import { CHARGE_AMOUNT, CONCURRENCY, isExpectedStatus, requestGenerator, type ScenarioWorld } from './scenarios';
import { lifecycleOrderVariables } from './seed';
import { describeLoad, freePort } from './util';

/*
 * The ceilings of each scenario, measured on the copy of the seeded database so they never touch
 * the rows the invariant checker judges: the service's own SQL (bench/sql, or a bare Fastify
 * route for product-read), the lean SQL and the hot row (bench/sql-lean).
 */

export interface CeilingContext {
  root: string;
  logDir: string;
  database: string;
  world: ScenarioWorld;
  quick: boolean;
  maxBalance: number;
  /** The service's DATABASE_POOL_SIZE: pgbench leaves it free, and says what the SQL does at it. */
  servicePoolSize: number;
  /** Connections left free beside pgbench and the service's pool: the checker, other users. */
  connectionMargin: number;
}

export type CeilingKind = 'service' | 'lean' | 'hot row';

export const SERVICE_SQL_DIR = 'bench/sql';
export const SERVICE_SCRIPTS: Partial<Record<ScenarioName, PgbenchOptions['scripts']>> = {
  'coupon-rush': [{ file: 'coupon-hot-row.sql' }],
  'hot-product-order': [{ file: 'order.sql' }],
  'flash-sale': [{ file: 'order.sql' }],
  charge: [{ file: 'charge.sql' }],
  cancel: [{ file: 'cancel.sql' }],
  refund: [{ file: 'refund.sql' }],
  mixed: [
    { file: 'browse.sql', weight: 70 },
    { file: 'charge.sql', weight: 10 },
    { file: 'coupon-issue.sql', weight: 5 },
    { file: 'order.sql', weight: 15 },
  ],
};

/** Whether a scenario has this ceiling at all (charge and mixed have no hot row, reads no lean SQL). */
export function hasCeiling(name: ScenarioName, kind: CeilingKind): boolean {
  if (kind === 'service') return true;
  return (kind === 'lean' ? leanScripts(name) : hotRowScripts(name)) !== null;
}

/** One ceiling run of `seconds` (at least 5, at most 60); the notes say how it ran. */
export async function measureCeiling(ctx: CeilingContext, name: ScenarioName, kind: CeilingKind, seconds: number, notes: string[], label: string): Promise<number> {
  const bounded = Math.min(60, Math.max(5, Math.ceil(seconds)));
  if (name === 'product-read') {
    if (kind !== 'service') throw new Error(`product-read has no ${kind} ceiling`);
    return bareFastifyCeiling(ctx, bounded, notes, label);
  }
  const scripts = kind === 'service' ? SERVICE_SCRIPTS[name] : kind === 'lean' ? leanScripts(name) : hotRowScripts(name);
  if (!scripts) throw new Error(`${name} has no ${kind} ceiling`);
  const sqlDir = kind === 'service' ? SERVICE_SQL_DIR : LEAN_SQL_DIR;
  const concurrency = CONCURRENCY[name];
  const { free, maxConnections } = await freeConnections(ctx.servicePoolSize, ctx.connectionMargin);
  let clients = Math.min(concurrency, free);
  if (clients < concurrency) notes.push(`${label}: pgbench at ${clients} clients, not ${concurrency}: max_connections is ${maxConnections} and the service and others hold some`);
  const variables = kind === 'service' ? serviceVariables(name, ctx.world) : leanVariables(name, ctx.world, clients, ctx.maxBalance);
  // Every ceiling run updates the same few rows of the copy (the hot product, the hot row) tens of
  // thousands of times, and nothing vacuums them between runs (this server runs with autovacuum
  // off; with it on, it would lag a run behind): the row's dead versions and their multixacts (each
  // order's line takes a key-share lock on the product) pile up, and a later run on the same row
  // measured a third of the first (hot product 101: 300 → 100 tps at 20 clients; 290 again after
  // a VACUUM). The service starts each scenario on a row no run has worn; so does each ceiling.
  await vacuumDatabase(ctx.database);
  let result: PgbenchResult | null = null;
  for (let attempt = 0; result === null; attempt += 1) {
    try {
      result = await runPgbench({ database: ctx.database, scripts, clients, seconds: bounded, variables, sqlDir, cwd: ctx.root });
    } catch (error) {
      // Someone else took connections meanwhile: try again with half the clients.
      if (attempt < 3 && clients > 1 && String(error).includes('too many clients')) {
        clients = Math.max(1, Math.floor(clients / 2));
        notes.push(`${label}: pgbench retried at ${clients} clients (too many clients)`);
        continue;
      }
      throw error;
    }
  }
  notes.push(`${label}: ${result.tps.toFixed(0)} tps, ${result.transactions} transactions in ${bounded} s, ${result.failed} failed, ${clients} clients (\`${result.command.replace(/ -h \S+ -p \S+ -U \S+/, '')}\`)`);
  // For orientation only (not a ratio): the service never has more transactions in the database
  // than its pool has connections, so the same SQL at that many clients is what the service
  // could reach if the application cost nothing. Full runs only.
  if (kind === 'service' && !ctx.quick && clients !== ctx.servicePoolSize && label.includes('after')) {
    await vacuumDatabase(ctx.database);
    const atPool = await runPgbench({ database: ctx.database, scripts, clients: ctx.servicePoolSize, seconds: Math.min(bounded, 10), variables, sqlDir, cwd: ctx.root });
    notes.push(`for orientation: the service's SQL at the service's pool size (${ctx.servicePoolSize} clients): ${atPool.tps.toFixed(0)} tps`);
  }
  return result.tps;
}

/** The variables of the service-SQL scripts: the scenario's products, wallets and coupon. */
export function serviceVariables(name: ScenarioName, world: ScenarioWorld): Record<string, number> {
  const spread = name === 'mixed';
  return {
    users: world.sizes.users,
    amount: CHARGE_AMOUNT,
    catalogue: world.sizes.catalogue,
    product_lo: spread ? 1 : world.hotProductId,
    product_hi: spread ? world.sizes.catalogue : world.hotProductId,
    coupon: world.mixedCouponId,
    ...lifecycleOrderVariables(name, world.sizes.cancellableOrders),
  };
}

/** The same load, for as long as the service took, on a bare Fastify route. */
async function bareFastifyCeiling(ctx: CeilingContext, seconds: number, notes: string[], label: string): Promise<number> {
  const port = await freePort();
  const server = await startChildServer({
    name: 'bare-fastify',
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/ceiling-server.ts'],
    cwd: ctx.root,
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), NODE_OPTIONS: '' },
    logFile: join(ctx.logDir, 'ceiling-server.log'),
    readyUrl: `http://127.0.0.1:${port}/health/ready`,
    readyTimeoutMs: 30_000,
  });
  try {
    const load = await runLoad({
      baseUrl: `http://127.0.0.1:${port}`,
      connections: CONCURRENCY['product-read'],
      durationSeconds: seconds,
      maxSeconds: ctx.world.sizes.maxSeconds,
      next: requestGenerator('product-read', ctx.world),
      expected: isExpectedStatus,
    });
    notes.push(`${label}: bare Fastify, ${load.tps.toFixed(0)} req/s, ${describeLoad(load)}, p99 ${load.p99Ms.toFixed(1)} ms`);
    return load.tps;
  } finally {
    await server.stop();
  }
}
