/*
 * The composition root of the scheduler role: the only file of the role that knows tsyringe.
 * Every class from packages/* is built here with a factory behind a typed token, one instance per
 * container; a container per role instance, so two schedulers in one process (tests, or
 * `pnpm start` hosting HTTP beside it) share no state. The role in production and the tests go
 * through the same `composeScheduler`; a test's replacements go into a child container.
 */
import 'reflect-metadata';
import {
  createProcessMetrics,
  dataPlatformClientFor,
  JobLeases,
  JobLockKeys,
  KyselyUnitOfWork,
  PgInvariantAuditor,
  PgOutboxRelayStore,
  PgRetentionStore,
  PgSalesQueries,
  PgTransactionHorizon,
  readinessOf,
  runUnderAdvisoryLock,
  runUnderLease,
  SystemClock,
  token,
  type AppConfig,
  type Database,
  type ProcessMetrics,
  type RunningRoles,
  type Service,
  type StartContext,
  type Token,
} from '@storefront/adapters';
import {
  AggregateDailySales,
  attemptsSpanning,
  AuditInvariants,
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
} from '@storefront/application';
import { Money } from '@storefront/domain';
import { container as rootContainer, instancePerContainerCachingFactory, type DependencyContainer } from 'tsyringe';
import { DailySalesJob } from './daily-sales.job';
import { InvariantAuditJob } from './invariant-audit.job';
import type { SchedulerLogger } from './logger';
import { startMetricsServer } from './metrics-server';
import { OutboxRelayLoop } from './outbox-relay.loop';
import { RetentionJob } from './retention.job';

/**
 * Outbox relay defaults. A batch goes out concurrently, so a 30 s lease outlives any pass (each
 * delivery gives up after DATA_PLATFORM_TIMEOUT_MS). Retries follow the default schedule (5 s
 * doubling to 8 h) for as many attempts as span three days, unless OUTBOX_MAX_ATTEMPTS says
 * otherwise. Ten failures in a row open the circuit; probes start after 1 s and back off to a
 * minute; a Retry-After is honoured up to an hour.
 */
function relayPolicyFrom(config: AppConfig): RelayPolicy {
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
function retentionPolicyFrom(config: AppConfig): RetentionPolicy {
  const day = 24 * 60 * 60 * 1000;
  return { eventRetentionMs: config.eventRetentionDays * day, idempotencyKeyRetentionMs: day, batchSize: 1_000, maxBatches: 200 };
}

/** When the jobs run; every field has the production default. */
interface SchedulerSchedule {
  /** Pause between relay passes that found less than a full batch (300 ms). */
  pollIntervalMs: number;
  /** Pause after a relay pass that failed (2 s). */
  relayErrorDelayMs: number;
  /** Relay passes side by side in this process (4). */
  relayConcurrency: number;
  /** Business days caught up at most on start and at 00:00 (31). */
  maxCatchUpDays: number;
  /** The aggregation's schedule; 00:00 in TZ_BUSINESS when not given. */
  cronExpression: string | undefined;
  /** Whether to run the catch-up once on start (true). */
  catchUpOnStart: boolean;
  /** The retention purge's schedule; hourly at :30 when not given. It also runs once on start. */
  retentionCronExpression: string | undefined;
}

const DEFAULT_SCHEDULE: SchedulerSchedule = {
  pollIntervalMs: 300,
  relayErrorDelayMs: 2_000,
  relayConcurrency: 4,
  maxCatchUpDays: 31,
  cronExpression: undefined,
  catchUpOnStart: true,
  retentionCronExpression: undefined,
};

/** What a test replaces: registered in a child container, so everything built on it sees the replacement. */
interface SchedulerOverrides extends Partial<SchedulerSchedule> {
  clock?: Clock;
  relayPolicy?: Partial<RelayPolicy>;
  retentionPolicy?: Partial<RetentionPolicy>;
  dataPlatform?: DataPlatformClient;
  outboxRelayStore?: OutboxRelayStore;
  /** Sees every delivery attempt: where counters of attempts, latency and parked events hook in. */
  relayObserver?: RelayObserver;
}

export interface SchedulerRoleOptions extends SchedulerOverrides {
  config: AppConfig;
  database: Database;
  logger: SchedulerLogger;
  /** The process's metrics: deliveries to the data platform are counted and timed there, and the audit's violations. */
  metrics?: ProcessMetrics;
}

const Tokens = {
  config: token<AppConfig>('AppConfig'),
  database: token<Database>('Database'),
  logger: token<SchedulerLogger>('SchedulerLogger'),
  metrics: token<ProcessMetrics | null>('ProcessMetrics'),
  schedule: token<SchedulerSchedule>('SchedulerSchedule'),
  clock: token<Clock>('Clock'),
  maxBalance: token<Money>('MaxBalance'),
  calendar: token<BusinessCalendar>('BusinessCalendar'),
  relayPolicy: token<RelayPolicy>('RelayPolicy'),
  retentionPolicy: token<RetentionPolicy>('RetentionPolicy'),
  unitOfWork: token<KyselyUnitOfWork>('UnitOfWork'),
  outboxRelayStore: token<OutboxRelayStore>('OutboxRelayStore'),
  dataPlatform: token<DataPlatformClient>('DataPlatformClient'),
  relayObserver: token<RelayObserver | null>('RelayObserver'),
  deliveries: token<DataPlatformClient>('MeteredDataPlatformClient'),
  relayOutboxEvents: token<RelayOutboxEvents>('RelayOutboxEvents'),
  purgeExpiredRecords: token<PurgeExpiredRecords>('PurgeExpiredRecords'),
  catchUpDailySales: token<CatchUpDailySales>('CatchUpDailySales'),
  auditInvariants: token<AuditInvariants>('AuditInvariants'),
  relay: token<OutboxRelayLoop>('OutboxRelayLoop'),
  audit: token<InvariantAuditJob>('InvariantAuditJob'),
  dailySales: token<DailySalesJob>('DailySalesJob'),
  retention: token<RetentionJob>('RetentionJob'),
} as const;

function provide<T>(container: DependencyContainer, key: Token<T>, factory: (c: DependencyContainer) => T): void {
  container.register<T>(key, { useFactory: instancePerContainerCachingFactory<T>(factory) });
}

function resolve<T>(container: DependencyContainer, key: Token<T>): T {
  return container.resolve<T>(key);
}

/** The production wiring of the role. */
function schedulerContainer({ config, database, logger, metrics }: SchedulerRoleOptions): DependencyContainer {
  const c = rootContainer.createChildContainer();
  c.register(Tokens.config, { useValue: config });
  c.register(Tokens.database, { useValue: database });
  c.register(Tokens.logger, { useValue: logger });
  // Factories, not values, for what may be null: tsyringe takes a null `useValue` for a class to construct.
  c.register(Tokens.metrics, { useFactory: () => metrics ?? null });
  c.register(Tokens.relayObserver, { useFactory: () => null });
  c.register(Tokens.schedule, { useValue: DEFAULT_SCHEDULE });
  provide(c, Tokens.clock, () => new SystemClock());
  provide(c, Tokens.maxBalance, () => Money.of(config.maxBalance));
  provide(c, Tokens.calendar, () => new BusinessCalendar(config.businessTimeZone));
  provide(c, Tokens.relayPolicy, () => relayPolicyFrom(config));
  provide(c, Tokens.retentionPolicy, () => retentionPolicyFrom(config));
  provide(c, Tokens.unitOfWork, () => new KyselyUnitOfWork(database.db));
  provide(c, Tokens.outboxRelayStore, () => new PgOutboxRelayStore(database.db));
  provide(c, Tokens.dataPlatform, () => dataPlatformClientFor(config.dataPlatform));
  provide(c, Tokens.deliveries, (r) => {
    const client = resolve(r, Tokens.dataPlatform);
    return resolve(r, Tokens.metrics)?.meterDeliveries(client) ?? client;
  });

  provide(
    c,
    Tokens.relayOutboxEvents,
    (r) =>
      new RelayOutboxEvents(
        resolve(r, Tokens.outboxRelayStore),
        resolve(r, Tokens.deliveries),
        resolve(r, Tokens.clock),
        resolve(r, Tokens.relayPolicy),
        Math.random,
        resolve(r, Tokens.relayObserver),
      ),
  );
  provide(c, Tokens.purgeExpiredRecords, (r) => new PurgeExpiredRecords(new PgRetentionStore(database.db), resolve(r, Tokens.clock), resolve(r, Tokens.retentionPolicy)));
  provide(c, Tokens.catchUpDailySales, (r) => {
    const calendar = resolve(r, Tokens.calendar);
    // The 00:00 job waits up to a minute for transactions that may still stamp the day that ended
    // (statement and idle-in-transaction timeouts bound ours well below that).
    const horizon = new PgTransactionHorizon(database.db, { timeoutMs: 60_000, pollMs: 50 });
    const aggregate = new AggregateDailySales(resolve(r, Tokens.unitOfWork), calendar, horizon);
    return new CatchUpDailySales(new PgSalesQueries(database.db), aggregate, calendar, resolve(r, Tokens.clock));
  });
  provide(
    c,
    Tokens.auditInvariants,
    // After each daily aggregation, the full audit: nobody waits for it, and it also finds silent
    // edits of rows an incremental audit (GET /admin/audit) no longer reads.
    (r) =>
      new AuditInvariants(
        new PgInvariantAuditor(database.db, { timeZone: config.businessTimeZone, othersMayWrite: database.kind === 'postgres', eventRetentionDays: config.eventRetentionDays }),
        resolve(r, Tokens.clock),
        { scope: 'full', budgetMs: config.auditFullBudgetMs },
        resolve(r, Tokens.maxBalance),
      ),
  );

  provide(c, Tokens.relay, (r) => {
    const schedule = resolve(r, Tokens.schedule);
    return new OutboxRelayLoop(
      resolve(r, Tokens.relayOutboxEvents),
      {
        batchSize: resolve(r, Tokens.relayPolicy).batchSize,
        pollIntervalMs: schedule.pollIntervalMs,
        errorDelayMs: schedule.relayErrorDelayMs,
        concurrency: schedule.relayConcurrency,
      },
      resolve(r, Tokens.logger),
    );
  });
  provide(c, Tokens.audit, (r) => {
    const audit = new InvariantAuditJob(resolve(r, Tokens.auditInvariants), resolve(r, Tokens.logger));
    const processMetrics = resolve(r, Tokens.metrics);
    if (processMetrics) audit.exportCountTo(processMetrics.registry);
    return audit;
  });
  provide(c, Tokens.dailySales, (r) => {
    const catchUp = resolve(r, Tokens.catchUpDailySales);
    const audit = resolve(r, Tokens.audit);
    const schedule = resolve(r, Tokens.schedule);
    // The audit follows every run that aggregated a day, still under the job's lock, so that it
    // runs once across scheduler instances and sees the day just written.
    const catchUpThenAudit: Pick<CatchUpDailySales, 'execute'> = {
      async execute(input) {
        const days = await catchUp.execute(input);
        if (days.length > 0) await audit.run();
        return days;
      },
    };
    return new DailySalesJob(
      catchUpThenAudit,
      (run) => runUnderAdvisoryLock(database.db, JobLockKeys.dailySalesAggregation, run),
      {
        timeZone: config.businessTimeZone,
        maxCatchUpDays: schedule.maxCatchUpDays,
        ...(schedule.cronExpression !== undefined ? { cronExpression: schedule.cronExpression } : {}),
      },
      resolve(r, Tokens.logger),
    );
  });
  provide(c, Tokens.retention, (r) => {
    const schedule = resolve(r, Tokens.schedule);
    return new RetentionJob(
      resolve(r, Tokens.purgeExpiredRecords),
      // Ten minutes: far longer than a purge's bounded batches take.
      (run) => runUnderLease(database.db, JobLeases.retention, 10 * 60_000, run),
      {
        timeZone: config.businessTimeZone,
        ...(schedule.retentionCronExpression !== undefined ? { cronExpression: schedule.retentionCronExpression } : {}),
      },
      resolve(r, Tokens.logger),
    );
  });
  return c;
}

/** The role's parts, built and not yet started. */
export interface SchedulerParts {
  relay: OutboxRelayLoop;
  dailySales: DailySalesJob;
  retention: RetentionJob;
  audit: InvariantAuditJob;
  /** Where events go (metered when the process has metrics); closed when the role stops. */
  dataPlatform: DataPlatformClient;
  relayPolicy: RelayPolicy;
  schedule: SchedulerSchedule;
}

/** The scheduler's parts over the given database, each override in place of the production part. */
export function composeScheduler(options: SchedulerRoleOptions): SchedulerParts {
  const c = schedulerContainer(options).createChildContainer();
  const { config } = options;
  const { clock, relayPolicy, retentionPolicy, dataPlatform, outboxRelayStore, relayObserver } = options;
  c.register(Tokens.schedule, {
    useValue: {
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_SCHEDULE.pollIntervalMs,
      relayErrorDelayMs: options.relayErrorDelayMs ?? DEFAULT_SCHEDULE.relayErrorDelayMs,
      relayConcurrency: options.relayConcurrency ?? DEFAULT_SCHEDULE.relayConcurrency,
      maxCatchUpDays: options.maxCatchUpDays ?? DEFAULT_SCHEDULE.maxCatchUpDays,
      cronExpression: options.cronExpression ?? DEFAULT_SCHEDULE.cronExpression,
      catchUpOnStart: options.catchUpOnStart ?? DEFAULT_SCHEDULE.catchUpOnStart,
      retentionCronExpression: options.retentionCronExpression ?? DEFAULT_SCHEDULE.retentionCronExpression,
    },
  });
  if (clock) c.register(Tokens.clock, { useValue: clock });
  if (relayPolicy) c.register(Tokens.relayPolicy, { useValue: { ...relayPolicyFrom(config), ...relayPolicy } });
  if (retentionPolicy) c.register(Tokens.retentionPolicy, { useValue: { ...retentionPolicyFrom(config), ...retentionPolicy } });
  if (dataPlatform) c.register(Tokens.dataPlatform, { useValue: dataPlatform });
  if (outboxRelayStore) c.register(Tokens.outboxRelayStore, { useValue: outboxRelayStore });
  if (relayObserver) c.register(Tokens.relayObserver, { useValue: relayObserver });
  return {
    relay: resolve(c, Tokens.relay),
    dailySales: resolve(c, Tokens.dailySales),
    retention: resolve(c, Tokens.retention),
    audit: resolve(c, Tokens.audit),
    dataPlatform: resolve(c, Tokens.deliveries),
    relayPolicy: resolve(c, Tokens.relayPolicy),
    schedule: resolve(c, Tokens.schedule),
  };
}

export interface SchedulerRole {
  /** The audit run after each daily aggregation: its last report and violation count (also the gauge storefront_invariant_violations). */
  audit: Pick<InvariantAuditJob, 'violationCount' | 'lastReport'>;
  /** Stops the schedule and the relay, letting the pass and the aggregation in flight finish. */
  close(): Promise<void>;
}

/**
 * The scheduler role: the outbox relay loop, the 00:00 sales aggregation (with a catch-up
 * now) and the hourly retention purge. `pnpm start:scheduler` runs it alone; `pnpm start` hosts it beside the HTTP app.
 * The caller owns the database and closes it after `close()`.
 */
export function startSchedulerRole(options: SchedulerRoleOptions): SchedulerRole {
  const { config, logger } = options;
  const { relay, dailySales, retention, audit, dataPlatform, relayPolicy, schedule } = composeScheduler(options);
  if (config.dataPlatform.kind === 'file') {
    const note = { sinkPath: config.dataPlatform.sinkPath };
    const message = 'DATA_PLATFORM_URL is not set: order events go to a local file, not to the data platform';
    if (config.nodeEnv === 'production') logger.warn(note, message);
    else logger.info(note, message);
  }
  relay.start();
  dailySales.start();
  retention.start();
  if (schedule.catchUpOnStart) void dailySales.runOnce();
  void retention.runOnce();
  logger.info(
    {
      timeZone: config.businessTimeZone,
      nextAggregation: dailySales.nextRun(),
      maxAttempts: relayPolicy.maxAttempts,
      dataPlatform: config.dataPlatform.kind,
      eventRetentionDays: config.eventRetentionDays,
    },
    'scheduler started: outbox relay, 00:00 sales aggregation, hourly retention purge',
  );

  let closing: Promise<void> | undefined;
  return {
    audit,
    close() {
      closing ??= (async () => {
        await Promise.all([relay.stop(), dailySales.stop(), retention.stop()]);
        await dataPlatform.close?.();
        logger.info('scheduler stopped');
      })();
      return closing;
    },
  };
}

/** Where the scheduler process listens (its metrics), as a failed start names it. */
export function schedulerAddressOf(config: AppConfig): NonNullable<StartContext['listen']> {
  return { host: config.http.host, port: config.metricsPort, variable: 'METRICS_PORT' };
}

/** `pnpm start:scheduler`: the role alone, its figures and health checks on METRICS_PORT. */
export async function startSchedulerProcess({ config, database, logger }: Service): Promise<RunningRoles> {
  const metrics = createProcessMetrics(database);
  const metricsServer = await startMetricsServer({ registry: metrics.registry, host: config.http.host, port: config.metricsPort, ready: readinessOf(database) });
  logger.info({ url: `${metricsServer.url}/metrics` }, 'scheduler metrics listening');
  if (database.kind === 'pglite') {
    logger.warn(
      'running the scheduler alone on the embedded PGlite database: only one process may open it, so do not run `pnpm start:http` on it too (`pnpm start` hosts both roles in one process)',
    );
  }
  const role = startSchedulerRole({ config, database, logger, metrics });
  return {
    async stop() {
      await role.close();
      await metricsServer.close();
    },
  };
}
