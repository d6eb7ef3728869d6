import {
  Coupon,
  couponAlreadyIssued,
  Order,
  Product,
  UserCoupon,
  Wallet,
  type BalanceChange,
  type CouponPrimitives,
  type ProductPrimitives,
} from '@storefront/domain';
import type {
  BalanceHistoryRepository,
  Clock,
  CouponRepository,
  DailyProductSales,
  HeldClaim,
  IdempotencyKeyRepository,
  OrderPaidEvent,
  OrderRepository,
  OutboxRepository,
  ProductRepository,
  SalesStatisticsRepository,
  StoredResponse,
  TransactionScope,
  UnitOfWork,
  UserCouponRepository,
  WalletRepository,
} from '../ports';
import type { InMemoryDatabase } from './database';
import { completeHeldKey } from './idempotency-store';
import { deepCopy, nextUuid, nextValue, type InMemoryState } from './state';

/**
 * The in-memory unit of work. Each `run` is one serialised transaction of the database and gets
 * fresh repositories bound to that transaction's working copy; they refuse to be used once the
 * run has ended, as a finished Kysely transaction would.
 */
export class InMemoryUnitOfWork implements UnitOfWork {
  constructor(
    private readonly database: InMemoryDatabase,
    private readonly clock: Clock,
  ) {}

  run<T>(work: (tx: TransactionScope) => Promise<T>): Promise<T> {
    return this.database.transaction(async (working) => {
      const session = new Session(working, this.clock);
      try {
        return await work(scopeOf(session));
      } finally {
        session.open = false;
      }
    });
  }
}

class Session {
  open = true;

  constructor(
    private readonly working: InMemoryState,
    readonly clock: Clock,
  ) {}

  /** The working copy, for a repository method of a run that has not ended. */
  get state(): InMemoryState {
    if (!this.open) throw new Error('This unit of work has ended; its repositories cannot be used any more');
    return this.working;
  }
}

function scopeOf(session: Session): TransactionScope {
  return {
    wallets: new InMemoryWalletRepository(session),
    balanceHistory: new InMemoryBalanceHistoryRepository(session),
    products: new InMemoryProductRepository(session),
    coupons: new InMemoryCouponRepository(session),
    userCoupons: new InMemoryUserCouponRepository(session),
    orders: new InMemoryOrderRepository(session),
    outbox: new InMemoryOutboxRepository(session),
    salesStatistics: new InMemorySalesStatisticsRepository(session),
    idempotencyKeys: new InMemoryIdempotencyKeyRepository(session),
  };
}

class InMemoryIdempotencyKeyRepository implements IdempotencyKeyRepository {
  constructor(private readonly session: Session) {}

  async complete(claim: HeldClaim, response: StoredResponse): Promise<boolean> {
    return completeHeldKey(this.session.state, claim, response);
  }
}

class InMemoryWalletRepository implements WalletRepository {
  constructor(private readonly session: Session) {}

  async lockForUser(userId: number, now: Date): Promise<Wallet> {
    const { wallets } = this.session.state;
    let row = wallets.get(userId);
    if (!row) {
      // INSERT … ON CONFLICT DO NOTHING: the wallet exists from now on, at balance 0.
      row = Wallet.openFor(userId, now).toPrimitives();
      wallets.set(userId, deepCopy(row));
    }
    return Wallet.fromPrimitives(deepCopy(row));
  }

  async save(wallet: Wallet): Promise<void> {
    const { wallets } = this.session.state;
    if (!wallets.has(wallet.userId)) throw new Error(`Wallet of user ${wallet.userId} was never locked`);
    wallets.set(wallet.userId, deepCopy(wallet.toPrimitives()));
  }
}

class InMemoryBalanceHistoryRepository implements BalanceHistoryRepository {
  constructor(private readonly session: Session) {}

  async append(change: BalanceChange, orderId: number | null): Promise<string> {
    const state = this.session.state;
    // The history row's id, as a decimal string: what the bigserial column gives in PostgreSQL.
    const seq = nextValue(state, 'balanceEntry');
    const transactionId = String(seq);
    state.balanceHistory.push({
      seq,
      transactionId,
      userId: change.userId,
      type: change.type,
      amount: change.amount,
      balanceAfter: change.balanceAfter,
      orderId,
      createdAt: new Date(change.occurredAt.getTime()),
    });
    return transactionId;
  }
}

class InMemoryProductRepository implements ProductRepository {
  constructor(private readonly session: Session) {}

  async add(fields: Omit<ProductPrimitives, 'id'>): Promise<Product> {
    const state = this.session.state;
    const row: ProductPrimitives = { id: nextValue(state, 'product'), name: fields.name, price: fields.price, stock: fields.stock };
    const product = Product.fromPrimitives(row); // the CHECK (stock >= 0) of the table
    state.products.set(row.id, row);
    return product;
  }

  async lockById(productId: number): Promise<Product | null> {
    const row = this.session.state.products.get(productId);
    return row ? Product.fromPrimitives({ ...row }) : null;
  }

  async save(product: Product): Promise<void> {
    const { products } = this.session.state;
    if (!products.has(product.id)) throw new Error(`Product ${product.id} does not exist`);
    products.set(product.id, product.toPrimitives());
  }

  async findByIds(productIds: readonly number[]): Promise<Product[]> {
    const { products } = this.session.state;
    return [...new Set(productIds)]
      .sort((a, b) => a - b)
      .flatMap((id) => {
        const row = products.get(id);
        return row ? [Product.fromPrimitives({ ...row })] : [];
      });
  }

  async decreaseStock(productId: number, quantity: number): Promise<boolean> {
    const { products } = this.session.state;
    const row = products.get(productId);
    // UPDATE product SET stock = stock - $q WHERE id = $id AND stock >= $q
    if (!row || row.stock < quantity) return false;
    products.set(productId, { ...row, stock: row.stock - quantity });
    return true;
  }
}

class InMemoryCouponRepository implements CouponRepository {
  constructor(private readonly session: Session) {}

  async add(fields: Omit<CouponPrimitives, 'id'>): Promise<Coupon> {
    const state = this.session.state;
    const row = { ...deepCopy(fields), id: nextValue(state, 'coupon') };
    const coupon = Coupon.fromPrimitives(row);
    state.coupons.set(row.id, { ...row, remainingQuantity: row.totalQuantity });
    return coupon;
  }

  async claimUnit(couponId: number): Promise<boolean> {
    const { coupons } = this.session.state;
    const row = coupons.get(couponId);
    if (!row || row.remainingQuantity <= 0) return false;
    coupons.set(couponId, { ...row, remainingQuantity: row.remainingQuantity - 1 });
    return true;
  }
}

class InMemoryUserCouponRepository implements UserCouponRepository {
  constructor(private readonly session: Session) {}

  async add(userCoupon: UserCoupon): Promise<UserCoupon> {
    const state = this.session.state;
    // The UNIQUE (user_id, coupon_id) constraint.
    if ([...state.userCoupons.values()].some((row) => row.userId === userCoupon.userId && row.couponId === userCoupon.couponId)) {
      throw couponAlreadyIssued(userCoupon.couponId, userCoupon.userId);
    }
    const saved = userCoupon.withId(nextValue(state, 'userCoupon'));
    state.userCoupons.set(saved.id, { ...deepCopy(saved.toPrimitives()), orderId: null });
    return saved;
  }

  async lockById(userCouponId: number): Promise<UserCoupon | null> {
    const row = this.session.state.userCoupons.get(userCouponId);
    if (!row) return null;
    const { orderId: _orderId, ...userCoupon } = deepCopy(row);
    return UserCoupon.fromPrimitives(userCoupon);
  }

  async markUsed(userCoupon: UserCoupon, orderId: number): Promise<void> {
    const { userCoupons } = this.session.state;
    const row = userCoupons.get(userCoupon.id);
    if (!row) throw new Error(`User coupon ${userCoupon.id} does not exist`);
    const usedAt = userCoupon.usedAt;
    if (usedAt === null) throw new Error(`User coupon ${userCoupon.id} has not been used`);
    userCoupons.set(userCoupon.id, { ...row, usedAt: new Date(usedAt.getTime()), orderId });
  }
}

class InMemoryOrderRepository implements OrderRepository {
  constructor(private readonly session: Session) {}

  async nextId(): Promise<number> {
    return nextValue(this.session.state, 'order');
  }

  async add(order: Order): Promise<void> {
    const { orders } = this.session.state;
    if (orders.has(order.id)) throw new Error(`Order ${order.id} already exists`);
    orders.set(order.id, deepCopy(order.toPrimitives()));
  }
}

class InMemoryOutboxRepository implements OutboxRepository {
  constructor(private readonly session: Session) {}

  async append(event: OrderPaidEvent): Promise<void> {
    const state = this.session.state;
    const createdAt = this.session.clock.now();
    const eventId = nextUuid(state);
    state.outbox.set(eventId, {
      seq: nextValue(state, 'outboxEvent'),
      eventId,
      type: event.type,
      occurredAt: new Date(event.occurredAt.getTime()),
      // Stored as JSON (jsonb in PostgreSQL): what the data platform will receive.
      data: JSON.parse(JSON.stringify(event.data)) as unknown,
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: createdAt,
      leaseUntil: null,
      lastError: null,
      createdAt,
      deliveredAt: null,
      claimToken: null,
    });
  }
}

class InMemorySalesStatisticsRepository implements SalesStatisticsRepository {
  constructor(private readonly session: Session) {}

  async replaceDay(day: string, from: Date, to: Date, complete: boolean): Promise<DailyProductSales[]> {
    const state = this.session.state;
    const totals = new Map<number, { quantity: number; revenue: number }>();
    for (const order of state.orders.values()) {
      if (order.status !== 'PAID' || order.createdAt < from || order.createdAt >= to) continue;
      for (const line of order.lines) {
        const sum = totals.get(line.productId) ?? { quantity: 0, revenue: 0 };
        totals.set(line.productId, { quantity: sum.quantity + line.quantity, revenue: sum.revenue + line.amount });
      }
    }
    const rows = [...totals.entries()]
      .sort(([a], [b]) => a - b)
      .map(([productId, sum]) => ({ day, productId, quantity: sum.quantity, revenue: sum.revenue }));
    const now = this.session.clock.now();
    state.dailySales.set(day, rows);
    state.aggregatedDays.set(day, { day, aggregatedAt: now, complete });
    return deepCopy(rows);
  }
}
