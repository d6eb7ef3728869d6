import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sql } from 'kysely';
import type { DataPlatformClient, DeliveryOutcome, OrderEventEnvelope } from '@storefront/application';
import type { Database } from '../db/database.factory';

/*
 * The Prometheus figures every process exposes (README, Metrics): Node's own (CPU,
 * memory, heap, event-loop lag, handles), the database pool, and the outbox as PostgreSQL sees
 * it. Roles add theirs to the same registry: the HTTP role its requests and operations, the
 * scheduler its deliveries. Every label takes values from a small fixed set: no ids, no URLs.
 */

export interface ProcessMetrics {
  registry: Registry;
  /** Counts and times deliveries to the data platform (the scheduler wraps its client with it). */
  meterDeliveries(client: DataPlatformClient): DataPlatformClient;
}

export function createProcessMetrics(database: Database): ProcessMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerPoolMetrics(registry, database);
  registerOutboxMetrics(registry, database);
  const deliveries = deliveryMetrics(registry);
  return {
    registry,
    meterDeliveries: (client) => new MeteredDataPlatformClient(client, deliveries),
  };
}

function registerPoolMetrics(registry: Registry, database: Database): void {
  const stats = database.poolStats;
  if (stats === undefined) return;
  new Gauge({
    name: 'storefront_db_pool_connections',
    help: 'Connections of this process to PostgreSQL, by state (in_use: lent to a query or transaction)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { total, idle } = stats();
      this.set({ state: 'in_use' }, total - idle);
      this.set({ state: 'idle' }, idle);
    },
  });
  new Gauge({
    name: 'storefront_db_pool_waiting_requests',
    help: 'Queries and transactions of this process waiting for a free connection',
    registers: [registry],
    collect() {
      this.set(stats().waiting);
    },
  });
}

interface OutboxReading {
  pending: number;
  failed: number;
  oldestPendingAgeSeconds: number;
}

/** Read from the outbox at scrape time (both counts use the outbox's partial/status indexes). */
function registerOutboxMetrics(registry: Registry, database: Database): void {
  // The registry collects its metrics concurrently: the gauges of one scrape share one query.
  let inFlight: Promise<OutboxReading> | undefined;
  const read = (): Promise<OutboxReading> => {
    inFlight ??= readOutbox(database).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  new Gauge({
    name: 'storefront_outbox_events',
    help: 'Order events in the outbox not yet delivered: pending (due or backing off) and failed (parked after too many attempts)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { pending, failed } = await read();
      this.set({ status: 'pending' }, pending);
      this.set({ status: 'failed' }, failed);
    },
  });
  new Gauge({
    name: 'storefront_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest pending order event (0 when none is pending): how far the data platform lags behind',
    registers: [registry],
    async collect() {
      this.set((await read()).oldestPendingAgeSeconds);
    },
  });
}

async function readOutbox(database: Database): Promise<OutboxReading> {
  const { rows } = await sql<{ pending: number | string; failed: number | string; oldest_age: number | string | null }>`
    select
      (select count(*) from outbox where status = 'PENDING') as pending,
      (select count(*) from outbox where status = 'FAILED') as failed,
      (select extract(epoch from now() - min(created_at)) from outbox where status = 'PENDING') as oldest_age
  `.execute(database.db);
  const row = rows[0];
  return {
    pending: Number(row?.pending ?? 0),
    failed: Number(row?.failed ?? 0),
    oldestPendingAgeSeconds: Math.max(0, Number(row?.oldest_age ?? 0)),
  };
}

interface DeliveryMetrics {
  attempts: Counter<'outcome'>;
  duration: Histogram<'outcome'>;
}

function deliveryMetrics(registry: Registry): DeliveryMetrics {
  return {
    attempts: new Counter({
      name: 'storefront_outbox_delivery_attempts_total',
      help: 'Deliveries of order events tried by this process, by outcome (delivered, refused: non-2xx or timeout, error: the client threw)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'storefront_outbox_delivery_duration_seconds',
      help: 'Time one delivery attempt took, by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** The data-platform port, counted and timed; what it answers is passed through untouched. */
class MeteredDataPlatformClient implements DataPlatformClient {
  constructor(
    private readonly client: DataPlatformClient,
    private readonly metrics: DeliveryMetrics,
  ) {}

  async deliver(envelope: OrderEventEnvelope): Promise<DeliveryOutcome> {
    const stop = this.metrics.duration.startTimer();
    let outcome = 'error';
    try {
      const result = await this.client.deliver(envelope);
      outcome = result.delivered ? 'delivered' : 'refused';
      return result;
    } finally {
      stop({ outcome });
      this.metrics.attempts.inc({ outcome });
    }
  }

  /** The transport's connections (JetStream's) go when the scheduler stops. */
  async close(): Promise<void> {
    await this.client.close?.();
  }
}
