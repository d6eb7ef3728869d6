/*
 * The composition root of the HTTP role: the only file of the role that knows tsyringe. Classes in
 * packages/* stay plain (no decorators): every registration is a factory behind a typed token,
 * one instance per container. The role in production (`startHttpRole`) and the tests build the
 * app through the same `composeHttp`; a test's replacements go into a child container, so what
 * depends on a replaced port is built on the replacement.
 */
import 'reflect-metadata';
import {
  createProcessMetrics,
  KyselyUnitOfWork,
  PgCatalogQueries,
  PgCouponQueries,
  PgIdempotencyStore,
  PgInvariantAuditor,
  PgOrderQueries,
  PgOutboxQueries,
  PgOutboxRelayStore,
  PgSalesQueries,
  PgTransactionHorizon,
  PgWalletQueries,
  readinessOf,
  SystemClock,
  token,
  type AppConfig,
  type Database,
  type ProcessMetrics,
  type Service,
  type StartContext,
  type Token,
} from '@storefront/adapters';
import {
  AggregateDailySales,
  AuditInvariants,
  BusinessCalendar,
  CancelOrder,
  ChargeBalance,
  ContendedUnits,
  CreateCoupon,
  CreateProduct,
  DEFAULT_AUDIT_BUDGET_MS,
  GetBalance,
  GetBalanceHistory,
  GetCoupon,
  GetOrder,
  GetOutboxEvent,
  GetProduct,
  GetTopProducts,
  IssueCoupon,
  ListCoupons,
  ListOrders,
  ListOutboxEvents,
  ListProducts,
  ListUserCoupons,
  ListUserOrders,
  NO_PRODUCT_CACHE,
  PlaceOrder,
  ReadEventFeed,
  RefundOrder,
  RetryOutboxEvent,
  SharedReads,
  SoldOutCoupons,
  UpdateProduct,
  type CatalogQueries,
  type CouponView,
  type ProductCache,
  type StorefrontPorts,
  type UnitOfWork,
} from '@storefront/application';
import { Money } from '@storefront/domain';
import type { FastifyBaseLogger } from 'fastify';
import { container as rootContainer, instancePerContainerCachingFactory, type DependencyContainer } from 'tsyringe';
import { buildApp } from './app';
import { CachedCatalogQueries } from './caching/cached-catalog.queries';
import type { AppDependencies, SharedUseCases, WriteUseCases } from './dependencies';
import type { App } from './routing/route-context';
import { defaultOverloadLimits } from './protection/protection';

/** An admin's on-demand aggregation waits this long at most for transactions still open. */
const TRANSACTION_HORIZON = { timeoutMs: 30_000, pollMs: 50 };

/** What the HTTP role is configured with, beside its ports. */
export interface HttpSettings {
  /** HS256 secret of the identity provider's tokens. */
  jwtSecret: string;
  /** The wallet ceiling (MAX_BALANCE), for ChargeBalance (and the wallet store's condition) and the audit. */
  maxBalance: number;
  businessTimeZone: string;
  readiness: () => Promise<boolean>;
  /** How long a product read may be served from this instance's cache; 0 turns the cache off. */
  productCacheTtlMs: number;
}

/** Ports a test replaces (a unit of work that injects faults, a counting store): registered in a child container. */
export type HttpOverrides = Partial<StorefrontPorts>;

const Ports: { readonly [K in keyof StorefrontPorts]-?: Token<StorefrontPorts[K]> } = {
  transactions: token('UnitOfWork'),
  transactionHorizon: token('TransactionHorizon'),
  walletQueries: token('WalletQueries'),
  catalogQueries: token('CatalogQueries'),
  couponQueries: token('CouponQueries'),
  orderQueries: token('OrderQueries'),
  salesQueries: token('SalesQueries'),
  outboxQueries: token('OutboxQueries'),
  outboxRelayStore: token('OutboxRelayStore'),
  idempotencyStore: token('IdempotencyStore'),
  invariantAuditor: token('InvariantAuditor'),
  clock: token('Clock'),
};

const Tokens = {
  settings: token<HttpSettings>('HttpSettings'),
  maxBalance: token<Money>('MaxBalance'),
  calendar: token<BusinessCalendar>('BusinessCalendar'),
  soldOutCoupons: token<SoldOutCoupons>('SoldOutCoupons'),
  contendedUnits: token<ContendedUnits>('ContendedUnits'),
  couponReads: token<SharedReads<number, CouponView | null>>('CouponReads'),
  productCache: token<{ reads: CatalogQueries; evictions: ProductCache }>('ProductCache'),
  writeUseCasesOn: token<(transactions: UnitOfWork) => WriteUseCases>('WriteUseCasesOn'),
  sharedUseCases: token<SharedUseCases>('SharedUseCases'),
  appDependencies: token<AppDependencies>('AppDependencies'),
} as const;

function provide<T>(container: DependencyContainer, key: Token<T>, factory: (c: DependencyContainer) => T): void {
  container.register<T>(key, { useFactory: instancePerContainerCachingFactory<T>(factory) });
}

function resolve<T>(container: DependencyContainer, key: Token<T>): T {
  return container.resolve<T>(key);
}

/** The production wiring of the app over the given ports. */
function httpContainer(ports: StorefrontPorts, settings: HttpSettings): DependencyContainer {
  const c = rootContainer.createChildContainer();
  for (const name of Object.keys(Ports) as (keyof StorefrontPorts)[]) c.register(Ports[name], { useValue: ports[name] });
  c.register(Tokens.settings, { useValue: settings });
  provide(c, Tokens.maxBalance, (r) => Money.of(resolve(r, Tokens.settings).maxBalance));
  provide(c, Tokens.calendar, (r) => new BusinessCalendar(resolve(r, Tokens.settings).businessTimeZone));
  // One memory of sold-out coupons per app, whichever unit of work an issue runs on.
  provide(c, Tokens.soldOutCoupons, () => new SoldOutCoupons());
  // One admission gate of contended units (a rush's coupon, a flash sale's product) per app, likewise.
  provide(c, Tokens.contendedUnits, () => new ContendedUnits());
  // One single flight of coupon reads per app: a rush's requests share the read of its coupon.
  provide(c, Tokens.couponReads, () => new SharedReads<number, CouponView | null>());
  // One cache of product reads per app, in front of the catalogue queries; the writes that change
  // what it holds evict from it (their `ProductCache` steps).
  provide(c, Tokens.productCache, (r) => {
    const queries = resolve(r, Ports.catalogQueries);
    const ttlMs = resolve(r, Tokens.settings).productCacheTtlMs;
    if (ttlMs <= 0) return { reads: queries, evictions: NO_PRODUCT_CACHE };
    const cache = new CachedCatalogQueries(queries, ttlMs);
    return { reads: cache, evictions: cache };
  });

  provide(c, Tokens.writeUseCasesOn, (r) => {
    const clock = resolve(r, Ports.clock);
    const couponQueries = resolve(r, Ports.couponQueries);
    const maxBalance = resolve(r, Tokens.maxBalance);
    const soldOut = resolve(r, Tokens.soldOutCoupons);
    const contended = resolve(r, Tokens.contendedUnits);
    const couponReads = resolve(r, Tokens.couponReads);
    const productCache = resolve(r, Tokens.productCache).evictions;
    return (uow) => ({
      chargeBalance: new ChargeBalance(uow, clock, maxBalance),
      createProduct: new CreateProduct(uow, productCache),
      updateProduct: new UpdateProduct(uow, productCache),
      createCoupon: new CreateCoupon(uow, clock),
      issueCoupon: new IssueCoupon(uow, couponQueries, clock, soldOut, contended, couponReads),
      placeOrder: new PlaceOrder(uow, clock, productCache, contended),
      cancelOrder: new CancelOrder(uow, clock, productCache),
      refundOrder: new RefundOrder(uow, clock, productCache),
    });
  });

  provide(c, Tokens.sharedUseCases, (r) => {
    const clock = resolve(r, Ports.clock);
    const calendar = resolve(r, Tokens.calendar);
    const catalog = resolve(r, Tokens.productCache).reads;
    return {
      getBalance: new GetBalance(resolve(r, Ports.walletQueries), clock),
      getBalanceHistory: new GetBalanceHistory(resolve(r, Ports.walletQueries)),
      listProducts: new ListProducts(catalog),
      getProduct: new GetProduct(catalog),
      getTopProducts: new GetTopProducts(resolve(r, Ports.salesQueries), calendar, clock),
      getCoupon: new GetCoupon(resolve(r, Ports.couponQueries)),
      listUserCoupons: new ListUserCoupons(resolve(r, Ports.couponQueries), clock),
      listCoupons: new ListCoupons(resolve(r, Ports.couponQueries)),
      getOrder: new GetOrder(resolve(r, Ports.orderQueries)),
      listUserOrders: new ListUserOrders(resolve(r, Ports.orderQueries)),
      listOrders: new ListOrders(resolve(r, Ports.orderQueries)),
      aggregateDailySales: new AggregateDailySales(resolve(r, Ports.transactions), calendar, resolve(r, Ports.transactionHorizon)),
      auditInvariants: new AuditInvariants(resolve(r, Ports.invariantAuditor), clock, { scope: 'incremental', budgetMs: DEFAULT_AUDIT_BUDGET_MS }, resolve(r, Tokens.maxBalance)),
      listOutboxEvents: new ListOutboxEvents(resolve(r, Ports.outboxQueries)),
      getOutboxEvent: new GetOutboxEvent(resolve(r, Ports.outboxQueries)),
      retryOutboxEvent: new RetryOutboxEvent(resolve(r, Ports.outboxRelayStore)),
      readEventFeed: new ReadEventFeed(resolve(r, Ports.outboxQueries)),
    };
  });

  provide(c, Tokens.appDependencies, (r) => {
    const settings = resolve(r, Tokens.settings);
    const transactions = resolve(r, Ports.transactions);
    const writeUseCasesOn = resolve(r, Tokens.writeUseCasesOn);
    return {
      useCases: { ...writeUseCasesOn(transactions), ...resolve(r, Tokens.sharedUseCases) },
      idempotency: resolve(r, Ports.idempotencyStore),
      transactions,
      writeUseCasesOn,
      clock: resolve(r, Ports.clock),
      jwtSecret: settings.jwtSecret,
      readiness: settings.readiness,
      admissionGate: resolve(r, Tokens.contendedUnits),
    };
  });
  return c;
}

/**
 * The dependencies of `buildApp`, wired from ports: in-memory or PostgreSQL ones, each of
 * `overrides` in place of the port of that name.
 */
export function composeHttp(ports: StorefrontPorts, settings: HttpSettings, overrides: HttpOverrides = {}): AppDependencies {
  const app = httpContainer(ports, settings).createChildContainer();
  for (const name of Object.keys(overrides) as (keyof StorefrontPorts)[]) {
    const port = overrides[name];
    if (port !== undefined) app.register(Ports[name], { useValue: port });
  }
  return resolve(app, Tokens.appDependencies);
}

/** The PostgreSQL (or PGlite) adapters of every port the HTTP API uses, over the database's one pool. */
export function postgresPorts(database: Database, config: Pick<AppConfig, 'idempotencyLeaseMs' | 'businessTimeZone' | 'eventRetentionDays'>): StorefrontPorts {
  const { db } = database;
  return {
    transactions: new KyselyUnitOfWork(db),
    transactionHorizon: new PgTransactionHorizon(db, TRANSACTION_HORIZON),
    walletQueries: new PgWalletQueries(db),
    catalogQueries: new PgCatalogQueries(db),
    couponQueries: new PgCouponQueries(db),
    orderQueries: new PgOrderQueries(db),
    salesQueries: new PgSalesQueries(db),
    outboxQueries: new PgOutboxQueries(db),
    outboxRelayStore: new PgOutboxRelayStore(db),
    idempotencyStore: new PgIdempotencyStore(db, config.idempotencyLeaseMs),
    invariantAuditor: new PgInvariantAuditor(db, { timeZone: config.businessTimeZone, othersMayWrite: database.kind === 'postgres', eventRetentionDays: config.eventRetentionDays }),
    clock: new SystemClock(),
  };
}

function httpSettingsFrom(config: AppConfig, database: Database): HttpSettings {
  return {
    jwtSecret: config.jwt.secret,
    maxBalance: config.maxBalance,
    businessTimeZone: config.businessTimeZone,
    readiness: readinessOf(database),
    productCacheTtlMs: config.productCacheTtlMs,
  };
}

/** Where the HTTP role listens, as a failed start names it. */
export function httpAddressOf(config: AppConfig): NonNullable<StartContext['listen']> {
  return { host: config.http.host, port: config.http.port, variable: 'PORT' };
}

export interface HttpRoleOptions extends Service {
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
 * caller owns), with load shedding on. Expired idempotency keys are purged by the scheduler role,
 * once across instances.
 */
export async function startHttpRole({ config, database, logger, ...options }: HttpRoleOptions): Promise<HttpRole> {
  if (config.jwt.isDevelopmentDefault) {
    logger.warn('JWT_SECRET is not set: using the development secret. Set JWT_SECRET for anything but local development.');
  }
  const deps = composeHttp(postgresPorts(database, config), httpSettingsFrom(config, database));
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
