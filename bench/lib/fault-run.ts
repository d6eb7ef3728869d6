import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateToLatest, openDatabase } from '@storefront/adapters';
import { createOwnCluster, type OwnCluster } from './cluster';
import { WriteLedger } from './ledger';
import { withClientAt } from './postgres';
import { startChildServer, type ChildServer } from './processes';
import { seed, type Seeded, type SeedPlan } from './seed';
import { signAdminToken, signUserTokens } from './tokens';

/*
 * What the two fault runs share — the chaos run (bench/chaos.ts) and the outage test
 * (bench/faults/database-outage.integration.test.ts): a PostgreSQL cluster of their own, migrated
 * and seeded; shoppers' tokens and the ledger of their writes; the environment both roles run
 * with; and each role as a child process of its own.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The ceiling and business time zone the roles run with, for the invariant check afterwards. */
export const MAX_BALANCE = 10_000_000;
export const TIME_ZONE = 'Asia/Seoul';

export interface SeededCluster {
  cluster: OwnCluster;
  databaseUrl: string;
  seeded: Seeded;
}

/** A cluster of our own with a `storefront` database, migrated and seeded; dropped again if a step fails. */
export async function seededOwnCluster(name: string, plan: SeedPlan): Promise<SeededCluster> {
  const cluster = await createOwnCluster(name);
  try {
    await cluster.createDatabase('storefront');
    const databaseUrl = cluster.url('storefront');
    const migrating = await openDatabase({ databaseUrl, poolSize: 1 });
    await migrateToLatest(migrating.db).finally(() => migrating.close());
    const seeded = await withClientAt(databaseUrl, (client) => seed(client, plan));
    return { cluster, databaseUrl, seeded };
  } catch (error) {
    await cluster.drop().catch(() => undefined);
    throw error;
  }
}

/** A fresh JWT secret, a token per user (valid for `ttlSeconds`) and a ledger that writes with them. */
export async function shoppers(users: number, ttlSeconds: number): Promise<{ jwtSecret: string; tokens: Record<number, string>; ledger: WriteLedger }> {
  const jwtSecret = randomBytes(32).toString('hex');
  const tokens = await signUserTokens(jwtSecret, users, ttlSeconds);
  const ledger = new WriteLedger({ userToken: (u) => tokens[u]!, adminToken: await signAdminToken(jwtSecret, ttlSeconds) }, 8_000);
  return { jwtSecret, tokens, ledger };
}

/**
 * What both roles run with: production mode, a pool of 8, the ceiling and time zone above, no
 * per-caller rate limit (shoppers here are a load, not abusers), warnings only; `extra` last.
 */
export function roleEnv(o: { databaseUrl: string; jwtSecret: string; idempotencyLeaseMs: number; extra?: Record<string, string> }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: o.databaseUrl,
    DATABASE_POOL_SIZE: '8',
    JWT_SECRET: o.jwtSecret,
    MAX_BALANCE: String(MAX_BALANCE),
    TZ_BUSINESS: TIME_ZONE,
    IDEMPOTENCY_LEASE_MS: String(o.idempotencyLeaseMs),
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    ...o.extra,
  };
}

/** The HTTP role (apps/http/src/main.ts) on loopback `port`; ready when `readyPath` answers 200. */
export function startHttpRole(o: { name: string; env: NodeJS.ProcessEnv; port: number; logFile: string; readyPath: '/health/live' | '/health/ready' }): Promise<ChildServer> {
  return startChildServer({
    name: o.name,
    command: process.execPath,
    args: ['--import', 'tsx', 'apps/http/src/main.ts'],
    cwd: root,
    env: { ...o.env, HOST: '127.0.0.1', PORT: String(o.port) },
    logFile: o.logFile,
    readyUrl: `http://127.0.0.1:${o.port}${o.readyPath}`,
    readyTimeoutMs: 60_000,
  });
}

/** The scheduler role (apps/scheduler/src/main.ts) relaying to `platform`, its metrics on `metricsPort`. */
export function startRelayRole(o: { name: string; env: NodeJS.ProcessEnv; metricsPort: number; platform: { url: string; secret: string }; logFile: string }): Promise<ChildServer> {
  return startChildServer({
    name: o.name,
    command: process.execPath,
    args: ['--import', 'tsx', 'apps/scheduler/src/main.ts'],
    cwd: root,
    env: { ...o.env, LOG_LEVEL: 'info', METRICS_PORT: String(o.metricsPort), DATA_PLATFORM_URL: o.platform.url, DATA_PLATFORM_SECRET: o.platform.secret, DATA_PLATFORM_TIMEOUT_MS: '2000' },
    logFile: o.logFile,
    readyLine: /scheduler started/,
    readyTimeoutMs: 60_000,
  });
}
