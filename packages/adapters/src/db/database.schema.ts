import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/*
 * The tables as Kysely sees them. int8 columns read as JS numbers (see database.factory.ts: the
 * parsers refuse anything beyond Number.MAX_SAFE_INTEGER), `date` columns as 'YYYY-MM-DD'
 * strings, timestamptz as Date.
 */

/** A timestamptz column with a database default. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface WalletsTable {
  user_id: number;
  balance: number;
  updated_at: Date;
}

export interface BalanceHistoryTable {
  id: Generated<number>;
  user_id: number;
  type: 'CHARGE' | 'PAYMENT' | 'REFUND';
  amount: number;
  balance_after: number;
  order_id: number | null;
  created_at: Date;
}

export interface ProductsTable {
  id: Generated<number>;
  name: string;
  price: number;
  /** Units ever put on sale: the initial stock plus every admin adjustment (invariant 2). */
  stock_received: number;
  created_at: CreatedAt;
}

/** A product's stock is the sum of its shards' `remaining` (migration 0007). */
export interface ProductStockShardsTable {
  product_id: number;
  shard_no: number;
  remaining: number;
}

export interface CouponsTable {
  id: Generated<number>;
  name: string;
  discount_type: 'FIXED' | 'RATE';
  discount_value: number;
  total_quantity: number;
  expires_at: Date;
  created_at: CreatedAt;
}

export interface CouponStockShardsTable {
  coupon_id: number;
  shard_no: number;
  remaining: number;
}

export interface UserCouponsTable {
  id: Generated<number>;
  coupon_id: number;
  user_id: number;
  discount_type: 'FIXED' | 'RATE';
  discount_value: number;
  issued_at: Date;
  expires_at: Date;
  used_at: Date | null;
  order_id: number | null;
}

export interface OrdersTable {
  id: number;
  user_id: number;
  status: 'PAID' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'CANCELLED';
  total_amount: number;
  discount_amount: number;
  paid_amount: number;
  /** Money given back: Σ refunds, or paid_amount once cancelled. */
  refunded_amount: ColumnType<number, number | undefined, number>;
  user_coupon_id: number | null;
  created_at: Date;
  cancelled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  cancel_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OrderLinesTable {
  order_id: number;
  product_id: number;
  name: string;
  unit_price: number;
  quantity: number;
  amount: number;
  /** The line's share of the order's paid amount. */
  paid_amount: number;
  refunded_quantity: ColumnType<number, number | undefined, number>;
}

export interface RefundsTable {
  id: number;
  order_id: number;
  amount: number;
  restocked: boolean;
  reason: string | null;
  created_at: Date;
}

export interface RefundLinesTable {
  refund_id: number;
  order_id: number;
  product_id: number;
  quantity: number;
  amount: number;
}

export type OutboxStatusColumn = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface OutboxTable {
  /** Insertion order, taken inside the writing transaction. */
  seq: Generated<number>;
  /** The event's public `sequence`, given after commit by the sequencer; null until then. */
  sequence: ColumnType<number | null, never, number>;
  event_id: Generated<string>;
  type: string;
  order_id: number;
  /** The event's `data` as JSON text, exactly as written (dates as ISO strings). */
  payload: ColumnType<unknown, string, string>;
  occurred_at: Date;
  status: ColumnType<OutboxStatusColumn, OutboxStatusColumn | undefined, OutboxStatusColumn>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  claim_token: string | null;
  lease_until: Date | null;
  last_error: string | null;
  created_at: CreatedAt;
  delivered_at: Date | null;
}

export interface OutboxAttemptsTable {
  id: Generated<number>;
  event_seq: number;
  attempted_at: Date;
  outcome: 'DELIVERED' | 'FAILED';
  http_status: number | null;
  duration_ms: number;
  error: string | null;
}

export interface OutboxSequencerTable {
  id: number;
  last_sequence: number;
}

export interface JobLeasesTable {
  job: string;
  holder: string;
  lease_until: Date;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  fingerprint: string;
  status: 'IN_PROGRESS' | 'COMPLETED';
  response_status: number | null;
  response_body: string | null;
  response_content_type: string | null;
  created_at: Date;
  /** The claim of the request running it; null once completed (and on keys of the first release). */
  claim_token: string | null;
  lease_until: Date | null;
}

export interface DailyProductSalesTable {
  /** Business day, YYYY-MM-DD. */
  day: string;
  product_id: number;
  quantity: number;
  revenue: number;
}

export interface SalesAggregationRunsTable {
  day: string;
  aggregated_at: Date;
  /** The run happened after the day's window had ended, so its statistics are final. */
  complete: boolean;
}

/** What the last clean invariant audit verified (migration 0006); one row, id 1. JSON columns are written as text. */
export interface InvariantCheckpointTable {
  id: number;
  checked_at: Date;
  balance_history_id: number;
  order_id: number;
  refund_id: number;
  outbox_seq: number;
  user_coupon_id: number;
  units_out: ColumnType<Record<string, number>, string, string>;
  coupons_issued: ColumnType<Record<string, number>, string, string>;
  aggregated_days: ColumnType<Record<string, string>, string, string>;
}

export interface DB {
  wallets: WalletsTable;
  balance_history: BalanceHistoryTable;
  products: ProductsTable;
  product_stock_shards: ProductStockShardsTable;
  coupons: CouponsTable;
  coupon_stock_shards: CouponStockShardsTable;
  user_coupons: UserCouponsTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  refunds: RefundsTable;
  refund_lines: RefundLinesTable;
  outbox: OutboxTable;
  outbox_attempts: OutboxAttemptsTable;
  outbox_sequencer: OutboxSequencerTable;
  job_leases: JobLeasesTable;
  idempotency_keys: IdempotencyKeysTable;
  daily_product_sales: DailyProductSalesTable;
  sales_aggregation_runs: SalesAggregationRunsTable;
  invariant_checkpoint: InvariantCheckpointTable;
}

export type OutboxRow = Selectable<OutboxTable>;
export type NewOutboxRow = Insertable<OutboxTable>;
