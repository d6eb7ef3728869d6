import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import {
  AggregateDailySales,
  AuditInvariants,
  BusinessCalendar,
  CatchUpDailySales,
  DEFAULT_AUDIT_BUDGET_MS,
  RelayOutboxEvents,
  type Clock,
  type DataPlatformClient,
  type OutboxRelayStore,
  type RelayPolicy,
  type SalesQueries,
  type TransactionHorizon,
  type UnitOfWork,
} from '@storefront/application';
import {
  dataPlatformClientFor,
  KyselyUnitOfWork,
  PgInvariantAuditor,
  PgOutboxRelayStore,
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
  aggregateDailySales: token<AggregateDailySales>('AggregateDailySales'),
  catchUpDailySales: token<CatchUpDailySales>('CatchUpDailySales'),
  auditInvariants: token<AuditInvariants>('AuditInvariants'),
} as const;

export function resolve<T>(container: DependencyContainer, key: Token<T>): T {
  return container.resolve<T>(key.key);
}

function provide<T>(container: DependencyContainer, key: Token<T>, factory: (c: DependencyContainer) => T): void {
  container.register<T>(key.key, { useFactory: instanceCachingFactory<T>(factory) });
}

/** Outbox relay defaults: a 30 s lease outlives any delivery (the client gives up much sooner). */
export function relayPolicyFrom(config: AppConfig): RelayPolicy {
  return { batchSize: 50, leaseMs: 30_000, maxAttempts: config.outboxMaxAttempts, backoffBaseMs: 1_000, backoffCapMs: 5 * 60_000 };
}

export interface SchedulerOverrides {
  clock?: Clock;
  relayPolicy?: Partial<RelayPolicy>;
  dataPlatform?: DataPlatformClient;
  /** The process's metrics: deliveries to the data platform are counted and timed there. */
  metrics?: ProcessMetrics;
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
      ),
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
  provide(
    c,
    Tokens.auditInvariants,
    (r) =>
      new AuditInvariants(
        new PgInvariantAuditor(resolve(r, Tokens.database).db, { maxBalance: config.maxBalance, timeZone: config.businessTimeZone }),
        resolve(r, Tokens.clock),
        DEFAULT_AUDIT_BUDGET_MS,
      ),
  );
  return c;
}
