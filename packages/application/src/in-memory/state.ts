import type {
  BalanceChangeType,
  CouponPrimitives,
  OrderPrimitives,
  ProductPrimitives,
  UserCouponPrimitives,
  WalletPrimitives,
} from '@storefront/domain';
import type { OrderEventType } from '../events/order-event';
import type { DailyProductSales, DeliveryAttempt, OutboxStatus, StoredResponse } from '../ports';

/*
 * The rows of the in-memory database: plain records shaped like the PostgreSQL tables. Records
 * are never mutated in place, only replaced, so a working copy of the state needs to copy the
 * collections and not the records (copy-on-write).
 */

export interface StoredBalanceEntry {
  /** The page key of the history: a sequence number, as the table's bigserial. */
  seq: number;
  transactionId: string;
  userId: number;
  type: BalanceChangeType;
  amount: number;
  balanceAfter: number;
  orderId: number | null;
  createdAt: Date;
}

export interface StoredCoupon extends CouponPrimitives {
  /** Units not yet issued: the counter that `claimUnit` takes from. */
  remainingQuantity: number;
}

export interface StoredUserCoupon extends UserCouponPrimitives {
  /** The order that spent it, once used. */
  orderId: number | null;
}

export interface StoredOutboxEvent {
  /** The event's sequence: the page key and the claim order ("oldest first"). */
  seq: number;
  eventId: string;
  type: OrderEventType;
  /** The order the event is about: its events go out one after another. */
  orderId: number;
  occurredAt: Date;
  /** The order as JSON, exactly as the relay sends it (dates as ISO strings). */
  data: unknown;
  /** The delivery log, oldest first. */
  attemptLog: DeliveryAttempt[];
  status: OutboxStatus;
  /** Delivery attempts started so far (a claim counts as one). */
  attempts: number;
  /** When a PENDING event is next due (kept, stale, once DELIVERED or FAILED). */
  nextAttemptAt: Date;
  /** Until when the current claim holds the event: other relays skip it until the lease has passed. */
  leaseUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  /** The current claim; outcomes reported with an older token are ignored. */
  claimToken: string | null;
}

export interface StoredAggregatedDay {
  day: string;
  aggregatedAt: Date;
  /** True when the run happened after the day had ended (`now ≥ to`). */
  complete: boolean;
}

export interface StoredIdempotencyKey {
  scope: string;
  key: string;
  fingerprint: string;
  /** Null while the first request is still running. */
  response: StoredResponse | null;
  createdAt: Date;
  /** The claim of the request running it (null once completed), and until when it holds. */
  claimToken: string | null;
  leaseUntil: Date | null;
}

/** The last value handed out by each sequence. */
export interface Sequences {
  product: number;
  coupon: number;
  userCoupon: number;
  order: number;
  refund: number;
  balanceEntry: number;
  outboxEvent: number;
  /** Feeds the uuid-shaped ids: event ids and claim tokens. */
  uuid: number;
}

export interface InMemoryState {
  wallets: Map<number, WalletPrimitives>;
  balanceHistory: StoredBalanceEntry[];
  products: Map<number, ProductPrimitives>;
  coupons: Map<number, StoredCoupon>;
  userCoupons: Map<number, StoredUserCoupon>;
  /** Each order with its lines and its refunds, as the orders, order_lines and refunds tables hold them. */
  orders: Map<number, OrderPrimitives>;
  outbox: Map<string, StoredOutboxEvent>;
  /** Per business day, its per-product rows. */
  dailySales: Map<string, DailyProductSales[]>;
  aggregatedDays: Map<string, StoredAggregatedDay>;
  /** Keyed by `idempotencyKeyOf(scope, key)`. */
  idempotencyKeys: Map<string, StoredIdempotencyKey>;
  sequences: Sequences;
}

export function emptyState(): InMemoryState {
  return {
    wallets: new Map(),
    balanceHistory: [],
    products: new Map(),
    coupons: new Map(),
    userCoupons: new Map(),
    orders: new Map(),
    outbox: new Map(),
    dailySales: new Map(),
    aggregatedDays: new Map(),
    idempotencyKeys: new Map(),
    sequences: { product: 0, coupon: 0, userCoupon: 0, order: 0, refund: 0, balanceEntry: 0, outboxEvent: 0, uuid: 0 },
  };
}

/** A working copy: new collections holding the same (immutable) records. */
export function workingCopyOf(state: InMemoryState): InMemoryState {
  return {
    wallets: new Map(state.wallets),
    balanceHistory: state.balanceHistory.slice(),
    products: new Map(state.products),
    coupons: new Map(state.coupons),
    userCoupons: new Map(state.userCoupons),
    orders: new Map(state.orders),
    outbox: new Map(state.outbox),
    dailySales: new Map(state.dailySales),
    aggregatedDays: new Map(state.aggregatedDays),
    idempotencyKeys: new Map(state.idempotencyKeys),
    sequences: { ...state.sequences },
  };
}

/** Takes the next value of a sequence, as `nextval()` does. */
export function nextValue(state: InMemoryState, sequence: keyof Sequences): number {
  state.sequences[sequence] += 1;
  return state.sequences[sequence];
}

/**
 * A uuid-shaped id from a counter (version 4 and variant bits set), so ids are unique,
 * deterministic in tests and look like what PostgreSQL's gen_random_uuid() gives.
 */
export function nextUuid(state: InMemoryState): string {
  const n = nextValue(state, 'uuid');
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function idempotencyKeyOf(scope: string, key: string): string {
  return JSON.stringify([scope, key]);
}

/** A deep copy of plain data (records, arrays, maps, dates): what leaves the store is never shared. */
export function deepCopy<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => deepCopy(item)) as T;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [deepCopy(k), deepCopy(v)])) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) copy[k] = deepCopy(v);
    return copy as T;
  }
  return value;
}

/** Everything the store holds, as plain sorted data: compare two with `toEqual`. */
export interface InMemorySnapshot {
  wallets: WalletPrimitives[];
  balanceHistory: StoredBalanceEntry[];
  products: ProductPrimitives[];
  coupons: StoredCoupon[];
  userCoupons: StoredUserCoupon[];
  orders: OrderPrimitives[];
  outbox: StoredOutboxEvent[];
  dailySales: DailyProductSales[];
  aggregatedDays: StoredAggregatedDay[];
  idempotencyKeys: StoredIdempotencyKey[];
  sequences: Sequences;
}

export function snapshotOf(state: InMemoryState): InMemorySnapshot {
  const byKey = <K extends number | string, V>(map: Map<K, V>): V[] =>
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return deepCopy({
    wallets: byKey(state.wallets),
    balanceHistory: state.balanceHistory,
    products: byKey(state.products),
    coupons: byKey(state.coupons),
    userCoupons: byKey(state.userCoupons),
    orders: byKey(state.orders),
    outbox: [...state.outbox.values()].sort((a, b) => a.seq - b.seq),
    dailySales: byKey(state.dailySales).flat(),
    aggregatedDays: byKey(state.aggregatedDays),
    idempotencyKeys: byKey(state.idempotencyKeys),
    sequences: state.sequences,
  });
}
