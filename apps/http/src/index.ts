import 'reflect-metadata';
import {
  createProcessMetrics,
  KyselyUnitOfWork,
  PgCatalogQueries,
  PgCouponQueries,
  PgIdempotencyStore,
  PgOrderQueries,
  PgOutboxQueries,
  PgOutboxRelayStore,
  PgSalesQueries,
  PgTransactionHorizon,
  PgWalletQueries,
  SystemClock,
  type AppConfig,
  type Database,
  type ProcessMetrics,
} from '@storefront/adapters';
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app';
import type { StorefrontPorts } from '@storefront/application';
import { appDependencies } from './container';
import type { App } from './http/route-context';
import { defaultOverloadLimits } from './protection/protection';

export { buildApp, registeredRoutes } from './app';
export { appDependencies, createHttpContainer, Tokens, type HttpSettings } from './container';
export { createLogger, flushLogs } from './logger';
export { DEFAULT_DATA_DIR, demoTokens, exitOnStartFailure, loadServiceConfig, openServiceDatabase, SchemaMissingError } from './bootstrap';
export { installShutdown } from './shutdown';

const READINESS_TIMEOUT_MS = 2_000;
/** An admin's on-demand aggregation waits this long at most for transactions still open. */
const TRANSACTION_HORIZON = { timeoutMs: 30_000, pollMs: 50 };
/** As IDEMPOTENCY_LEASE_MS's default: longer than a request may take (lock and pool waits are bounded well below). */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 10_000;

/**
 * The PostgreSQL (or PGlite) adapters of every port the HTTP API uses, over one pool;
 * `maxBalance` arms the wallet's conditional update with the configured ceiling.
 */
export function postgresPorts(database: Database, maxBalance?: number, idempotencyLeaseMs = DEFAULT_IDEMPOTENCY_LEASE_MS): StorefrontPorts {
  const { db } = database;
  return {
    transactions: new KyselyUnitOfWork(db, { maxBalance }),
    transactionHorizon: new PgTransactionHorizon(db, TRANSACTION_HORIZON),
    walletQueries: new PgWalletQueries(db),
    catalogQueries: new PgCatalogQueries(db),
    couponQueries: new PgCouponQueries(db),
    orderQueries: new PgOrderQueries(db),
    salesQueries: new PgSalesQueries(db),
    outboxQueries: new PgOutboxQueries(db),
    outboxRelayStore: new PgOutboxRelayStore(db),
    idempotencyStore: new PgIdempotencyStore(db, idempotencyLeaseMs),
    clock: new SystemClock(),
  };
}

/** True when the database answers a trivial query within the timeout. */
export function readinessOf(database: Database): () => Promise<boolean> {
  return () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
      database.ping().then(
        () => resolve(true),
        () => resolve(false),
      ).finally(() => clearTimeout(timer));
    });
}

export interface HttpRoleOptions {
  config: AppConfig;
  database: Database;
  logger: Logger;
  /** The process's metrics, when another role shares them (`pnpm start`); else the role makes its own. */
  metrics?: ProcessMetrics;
}

export interface HttpRole {
  app: App;
  /** Where it listens, e.g. http://127.0.0.1:3000. */
  url: string;
  /** What GET /metrics serves: a role hosted beside it adds its figures here. */
  metrics: ProcessMetrics;
  /** Stops accepting connections and finishes the requests in flight; the caller closes the database. */
  close(): Promise<void>;
}

/**
 * The HTTP role: the API on the configured host and port, over the given database (which the
 * caller owns). Expired idempotency keys are purged by the scheduler role, once across instances.
 */
export async function startHttpRole({ config, database, logger, ...options }: HttpRoleOptions): Promise<HttpRole> {
  if (config.jwt.isDevelopmentDefault) {
    logger.warn('JWT_SECRET is not set: using the development secret. Set JWT_SECRET for anything but local development.');
  }
  const ports = postgresPorts(database, config.maxBalance, config.idempotencyLeaseMs);
  const deps = appDependencies(ports, {
    jwtSecret: config.jwt.secret,
    maxBalance: config.maxBalance,
    businessTimeZone: config.businessTimeZone,
    readiness: readinessOf(database),
    productCacheTtlMs: config.productCacheTtlMs,
  });
  const metrics = options.metrics ?? createProcessMetrics(database);
  const app = await buildApp(deps, {
    logger: logger as unknown as FastifyBaseLogger,
    metrics: metrics.registry,
    protection: { corsOrigins: config.corsOrigins, rateLimitPerMinute: config.rateLimitPerMinute, overload: defaultOverloadLimits() },
  });
  const url = await app.listen({ host: config.http.host, port: config.http.port });
  logger.info(
    { url, database: database.kind, corsOrigins: config.corsOrigins, rateLimitPerMinute: config.rateLimitPerMinute || 'off' },
    'HTTP API listening (GET /metrics for Prometheus)',
  );

  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    metrics,
    close() {
      closing ??= (async () => {
        // Keep-alive connections of requests still in flight become idle only once answered, after
        // close() has dropped the idle ones: sweep them until the server has closed.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
        try {
          await app.close();
        } finally {
          clearInterval(sweep);
        }
        logger.info('HTTP API stopped');
      })();
      return closing;
    },
  };
}
