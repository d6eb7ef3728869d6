import { UserCoupon, type OrderPrimitives } from '@storefront/domain';
import type {
  BalanceHistoryEntryView,
  BalanceView,
  CatalogQueries,
  CouponQueries,
  CouponView,
  OrderFilter,
  OrderQueries,
  OrderView,
  EventFeedPage,
  OutboxEventDetail,
  OutboxEventView,
  OutboxQueries,
  OutboxStatus,
  Page,
  PageRequest,
  ProductView,
  SalesQueries,
  TopProductView,
  UserCouponView,
  WalletQueries,
} from '../ports';
import { orderViewOf, userCouponView } from '../support/views.mapper';
import type { InMemoryDatabase } from './database';
import type { OrderEventEnvelope, OrderEventType } from '../events/order-event';
import { deepCopy, type StoredCoupon, type StoredOutboxEvent } from './state';

/*
 * Read-only queries over the committed state, shaped exactly like the PostgreSQL ones:
 * keyset pages where `nextAfter` is the key of the last item when more items follow, else null.
 */

/**
 * One keyset page of `rows`, which are already in page order. `keyOf` is the sort key; `after`
 * keeps the rows that come after it in that order (greater ascending, smaller descending).
 */
function pageOf<R, V>(
  rows: readonly R[],
  page: PageRequest,
  direction: 'asc' | 'desc',
  keyOf: (row: R) => number,
  toView: (row: R) => V,
): Page<V> {
  const after = page.after;
  const following =
    after === null ? rows : rows.filter((row) => (direction === 'asc' ? keyOf(row) > after : keyOf(row) < after));
  // Read one more than asked, as `LIMIT $limit + 1` does, to know whether another page exists.
  const taken = following.slice(0, page.limit + 1);
  const items = taken.slice(0, page.limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toView),
    nextAfter: taken.length > page.limit && last !== undefined ? keyOf(last) : null,
  };
}

export class InMemoryWalletQueries implements WalletQueries {
  constructor(private readonly database: InMemoryDatabase) {}

  async balanceOf(userId: number): Promise<BalanceView | null> {
    const wallet = this.database.committed.wallets.get(userId);
    return wallet ? deepCopy({ userId: wallet.userId, balance: wallet.balance, updatedAt: wallet.updatedAt }) : null;
  }

  async historyOf(userId: number, page: PageRequest): Promise<Page<BalanceHistoryEntryView>> {
    const entries = this.database.committed.balanceHistory.filter((e) => e.userId === userId).sort((a, b) => b.seq - a.seq);
    return pageOf(entries, page, 'desc', (e) => e.seq, (e) =>
      deepCopy({
        transactionId: e.transactionId,
        type: e.type,
        amount: e.amount,
        balanceAfter: e.balanceAfter,
        orderId: e.orderId,
        createdAt: e.createdAt,
      }),
    );
  }
}

export class InMemoryCatalogQueries implements CatalogQueries {
  constructor(private readonly database: InMemoryDatabase) {}

  async productById(productId: number): Promise<ProductView | null> {
    const product = this.database.committed.products.get(productId);
    return product ? { ...product } : null;
  }

  async products(page: PageRequest): Promise<Page<ProductView>> {
    const rows = [...this.database.committed.products.values()].sort((a, b) => a.id - b.id);
    return pageOf(rows, page, 'asc', (p) => p.id, (p) => ({ ...p }));
  }
}

export class InMemoryCouponQueries implements CouponQueries {
  constructor(private readonly database: InMemoryDatabase) {}

  async couponById(couponId: number): Promise<CouponView | null> {
    const c = this.database.committed.coupons.get(couponId);
    return c ? couponViewOf(c) : null;
  }

  async coupons(page: PageRequest): Promise<Page<CouponView>> {
    const rows = [...this.database.committed.coupons.values()].sort((a, b) => b.id - a.id);
    return pageOf(rows, page, 'desc', (c) => c.id, couponViewOf);
  }

  async couponSeenBy(couponId: number, userId: number): Promise<(CouponView & { heldByUser: boolean }) | null> {
    const coupon = await this.couponById(couponId);
    if (!coupon) return null;
    const heldByUser = [...this.database.committed.userCoupons.values()].some((uc) => uc.userId === userId && uc.couponId === couponId);
    return { ...coupon, heldByUser };
  }

  async holdersOf(couponId: number): Promise<number[]> {
    return [...this.database.committed.userCoupons.values()].filter((uc) => uc.couponId === couponId).map((uc) => uc.userId);
  }

  async userCouponsOf(userId: number, page: PageRequest, now: Date): Promise<Page<UserCouponView>> {
    const rows = [...this.database.committed.userCoupons.values()].filter((uc) => uc.userId === userId).sort((a, b) => b.id - a.id);
    return pageOf(rows, page, 'desc', (uc) => uc.id, ({ orderId: _orderId, ...uc }) =>
      userCouponView(UserCoupon.fromPrimitives(deepCopy(uc)), now),
    );
  }
}

export class InMemoryOrderQueries implements OrderQueries {
  constructor(private readonly database: InMemoryDatabase) {}

  async orderById(orderId: number): Promise<OrderView | null> {
    const order = this.database.committed.orders.get(orderId);
    return order ? toOrderView(order) : null;
  }

  async ordersOf(userId: number, page: PageRequest): Promise<Page<OrderView>> {
    const rows = [...this.database.committed.orders.values()].filter((o) => o.userId === userId).sort((a, b) => b.id - a.id);
    return pageOf(rows, page, 'desc', (o) => o.id, toOrderView);
  }

  async orders(filter: OrderFilter, page: PageRequest): Promise<Page<OrderView>> {
    const rows = [...this.database.committed.orders.values()]
      .filter((o) => (filter.status === null || o.status === filter.status) && (filter.userId === null || o.userId === filter.userId))
      .sort((a, b) => b.id - a.id);
    return pageOf(rows, page, 'desc', (o) => o.id, toOrderView);
  }
}

function toOrderView(o: OrderPrimitives): OrderView {
  return deepCopy(orderViewOf(o));
}

function couponViewOf(c: StoredCoupon): CouponView {
  return deepCopy({
    id: c.id,
    name: c.name,
    discountType: c.discountType,
    discountValue: c.discountValue,
    totalQuantity: c.totalQuantity,
    remainingQuantity: c.remainingQuantity,
    expiresAt: c.expiresAt,
  });
}

export class InMemorySalesQueries implements SalesQueries {
  constructor(private readonly database: InMemoryDatabase) {}

  async topProducts(fromDay: string, toDay: string, limit: number): Promise<TopProductView[]> {
    const state = this.database.committed;
    const totals = new Map<number, { quantity: number; revenue: number }>();
    for (const [day, rows] of state.dailySales) {
      if (day < fromDay || day > toDay) continue;
      for (const row of rows) {
        const sum = totals.get(row.productId) ?? { quantity: 0, revenue: 0 };
        totals.set(row.productId, { quantity: sum.quantity + row.quantity, revenue: sum.revenue + row.revenue });
      }
    }
    return [...totals.entries()]
      .filter(([, sum]) => sum.quantity > 0)
      .flatMap(([productId, sum]) => {
        const product = state.products.get(productId);
        return product ? [{ productId, name: product.name, price: product.price, soldQuantity: sum.quantity, revenue: sum.revenue }] : [];
      })
      .sort((a, b) => b.soldQuantity - a.soldQuantity || b.revenue - a.revenue || a.productId - b.productId)
      .slice(0, limit)
      .map((item, index) => ({ rank: index + 1, ...item }));
  }

  async lastCompletedDay(): Promise<string | null> {
    let last: string | null = null;
    for (const { day, complete } of this.database.committed.aggregatedDays.values()) {
      if (complete && (last === null || day > last)) last = day;
    }
    return last;
  }
}

export class InMemoryOutboxQueries implements OutboxQueries {
  constructor(private readonly database: InMemoryDatabase) {}

  /** Newest first. */
  async events(status: OutboxStatus, page: PageRequest): Promise<Page<OutboxEventView>> {
    const rows = [...this.database.committed.outbox.values()].filter((e) => e.status === status).sort((a, b) => b.seq - a.seq);
    return pageOf(rows, page, 'desc', (e) => e.seq, outboxEventView);
  }

  async event(eventId: string): Promise<OutboxEventDetail | null> {
    const e = this.database.committed.outbox.get(eventId);
    if (!e) return null;
    return deepCopy({
      envelope: envelopeOf(e),
      status: e.status,
      attempts: e.attemptLog,
      nextAttemptAt: e.status === 'PENDING' ? e.nextAttemptAt : null,
      lastError: e.lastError,
      createdAt: e.createdAt,
      deliveredAt: e.deliveredAt,
    });
  }

  /** Transactions here commit one at a time, in sequence order: every committed event is settled. */
  async feed(after: number, limit: number, type: OrderEventType | null): Promise<EventFeedPage> {
    const items = [...this.database.committed.outbox.values()]
      .filter((e) => e.seq > after && (type === null || e.type === type))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map((e) => deepCopy({ envelope: envelopeOf(e), status: e.status, attempts: e.attempts, deliveredAt: e.deliveredAt }));
    return { items, nextAfter: items.at(-1)?.envelope.sequence ?? after };
  }
}

/** The envelope of a stored event, as the relay sends it. */
export function envelopeOf(e: StoredOutboxEvent): OrderEventEnvelope {
  const envelope: unknown = {
    eventId: e.eventId,
    type: e.type,
    occurredAt: e.occurredAt.toISOString(),
    sequence: e.seq,
    data: JSON.parse(JSON.stringify(e.data)) as unknown,
  };
  return envelope as OrderEventEnvelope;
}

function outboxEventView(e: StoredOutboxEvent): OutboxEventView {
  return deepCopy({
    eventId: e.eventId,
    type: e.type,
    status: e.status,
    attempts: e.attempts,
    // Only a pending event has a next attempt.
    nextAttemptAt: e.status === 'PENDING' ? e.nextAttemptAt : null,
    lastError: e.lastError,
    createdAt: e.createdAt,
    deliveredAt: e.deliveredAt,
  });
}
