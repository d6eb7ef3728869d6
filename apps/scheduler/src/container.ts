import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import {
  AggregateDailySales,
  attemptsSpanning,
  BusinessCalendar,
  CatchUpDailySales,
  DEFAULT_RETRY_SCHEDULE,
  DEFAULT_RETRY_SPAN_MS,
  PurgeExpiredRecords,
  RelayOutboxEvents,
  type Clock,
  type DataPlatformClient,
  type OutboxRelayStore,
  type RelayObserver,
  type RelayPolicy,
  type RetentionPolicy,
  type SalesQueries,
  type TransactionHorizon,
  type UnitOfWork,
} from '@storefront/application';
import {
  dataPlatformClientFor,
  KyselyUnitOfWork,
  PgOutboxRelayStore,
  PgRetentionStore,
  PgSalesQueries,
  PgTransactionHorizon,
  SystemClock,
  type AppConfig,
  type Database,
  type ProcessMetrics,
} from '@storefront/adapters';

/** A tsyringe key that carries the type of what it resolves to, so `resolve` needs no cast. */
export class Token<T> {
  /** Phantom: only the type checker sees it. */
  declare private readonly resolves: T;
  readonly key: symbol;

  constructor(description: string) {
    this.key = Symbol(description);
  }
}
const token = <T>(description: string): Token<T> => new Token<T>(description);

export const Tokens = {
  config: token<AppConfig>('AppConfig'),
  database: token<Database>('Database'),
  clock: token<Clock>('Clock'),
  relayPolicy: token<RelayPolicy>('RelayPolicy'),
  calendar: token<BusinessCalendar>('BusinessCalendar'),
  unitOfWork: token<UnitOfWork>('UnitOfWork'),
  transactionHorizon: token<TransactionHorizon>('TransactionHorizon'),
  salesQueries: token<SalesQueries>('SalesQueries'),
  outboxRelayStore: token<OutboxRelayStore>('OutboxRelayStore'),
  dataPlatform: token<DataPlatformClient>('DataPlatformClient'),
  relayOutboxEvents: token<RelayOutboxEvents>('RelayOutboxEvents'),
  retentionPolicy: token<RetentionPolicy>('RetentionPolicy'),
  purgeExpiredRecords: token<PurgeExpiredRecords>('PurgeExpiredRecords'),
  aggregateDailySales: token<AggregateDailySales>('AggregateDailySales'),
  catchUpDailySales: token<CatchUpDailySales>('CatchUpDailySales'),
} as const;

export function resolve<T>(container: DependencyContainer, key: Token<T>): T {
  return container.resolve<T>(key.key);
}

function provide<T>(container: DependencyContainer, key: Token<T>, factory: (c: DependencyContainer) => T): void {
  container.register<T>(key.key, { useFactory: instanceCachingFactory<T>(factory) });
}

/**
 * Outbox relay defaults. A batch goes out concurrently, so a 30 s lease outlives any pass (each
 * delivery gives up after DATA_PLATFORM_TIMEOUT_MS). Retries follow the default schedule (5 s
 * doubling to 8 h) for as many attempts as span three days, unless OUTBOX_MAX_ATTEMPTS says
 * otherwise. Ten failures in a row open the circuit; probes start after 1 s and back off to a
 * minute; a Retry-After is honoured up to an hour.
 */
export function relayPolicyFrom(config: AppConfig): RelayPolicy {
  return {
    batchSize: 100,
    leaseMs: 30_000,
    maxAttempts: config.outboxMaxAttempts ?? attemptsSpanning(DEFAULT_RETRY_SCHEDULE, DEFAULT_RETRY_SPAN_MS),
    ...DEFAULT_RETRY_SCHEDULE,
    failureThreshold: 10,
    probeIntervalMinMs: 1_000,
    probeIntervalMaxMs: 60_000,
    retryAfterCapMs: 60 * 60_000,
  };
}

/** Delivered events after EVENT_RETENTION_DAYS, idempotency keys after 24 hours; 1,000 rows a statement. */
export function retentionPolicyFrom(config: AppConfig): RetentionPolicy {
  const day = 24 * 60 * 60 * 1000;
  return { eventRetentionMs: config.eventRetentionDays * day, idempotencyKeyRetentionMs: day, batchSize: 1_000, maxBatches: 200 };
}

export interface SchedulerOverrides {
  clock?: Clock;
  relayPolicy?: Partial<RelayPolicy>;
  retentionPolicy?: Partial<RetentionPolicy>;
  dataPlatform?: DataPlatformClient;
  /** The process's metrics: deliveries to the data platform are counted and timed there. */
  metrics?: ProcessMetrics;
  /** Sees every delivery attempt: where counters of attempts, latency and parked events hook in. */
  relayObserver?: RelayObserver;
}

/**
 * The scheduler's composition root. A child container per role instance, so two schedulers in
 * one process (tests, or `pnpm start` hosting HTTP beside it) share no state. Every class from
 * `packages/*` is built here with a factory; none of them knows tsyringe.
 */
export function createSchedulerContainer(config: AppConfig, database: Database, overrides: SchedulerOverrides = {}): DependencyContainer {
  const c = rootContainer.createChildContainer();
  c.register(Tokens.config.key, { useValue: config });
  c.register(Tokens.database.key, { useValue: database });
  provide(c, Tokens.clock, () => overrides.clock ?? new SystemClock());
  provide(c, Tokens.relayPolicy, () => ({ ...relayPolicyFrom(config), ...overrides.relayPolicy }));
  provide(c, Tokens.calendar, () => new BusinessCalendar(config.businessTimeZone));
  provide(c, Tokens.unitOfWork, (r) => new KyselyUnitOfWork(resolve(r, Tokens.database).db));
  // The 00:00 job waits up to a minute for transactions that may still stamp the day that ended
  // (statement and idle-in-transaction timeouts bound ours well below that).
  provide(c, Tokens.transactionHorizon, (r) => new PgTransactionHorizon(resolve(r, Tokens.database).db, { timeoutMs: 60_000, pollMs: 50 }));
  provide(c, Tokens.salesQueries, (r) => new PgSalesQueries(resolve(r, Tokens.database).db));
  provide(c, Tokens.outboxRelayStore, (r) => new PgOutboxRelayStore(resolve(r, Tokens.database).db));
  provide(c, Tokens.dataPlatform, () => {
    const client = overrides.dataPlatform ?? dataPlatformClientFor(config.dataPlatform);
    return overrides.metrics ? overrides.metrics.meterDeliveries(client) : client;
  });
  provide(
    c,
    Tokens.relayOutboxEvents,
    (r) =>
      new RelayOutboxEvents(
        resolve(r, Tokens.outboxRelayStore),
        resolve(r, Tokens.dataPlatform),
        resolve(r, Tokens.clock),
        resolve(r, Tokens.relayPolicy),
        Math.random,
        overrides.relayObserver ?? null,
      ),
  );
  provide(c, Tokens.retentionPolicy, () => ({ ...retentionPolicyFrom(config), ...overrides.retentionPolicy }));
  provide(
    c,
    Tokens.purgeExpiredRecords,
    (r) => new PurgeExpiredRecords(new PgRetentionStore(resolve(r, Tokens.database).db), resolve(r, Tokens.clock), resolve(r, Tokens.retentionPolicy)),
  );
  provide(
    c,
    Tokens.aggregateDailySales,
    (r) => new AggregateDailySales(resolve(r, Tokens.unitOfWork), resolve(r, Tokens.calendar), resolve(r, Tokens.transactionHorizon)),
  );
  provide(
    c,
    Tokens.catchUpDailySales,
    (r) =>
      new CatchUpDailySales(
        resolve(r, Tokens.salesQueries),
        resolve(r, Tokens.aggregateDailySales),
        resolve(r, Tokens.calendar),
        resolve(r, Tokens.clock),
      ),
  );
  return c;
}
