import {
  Coupon,
  couponAlreadyIssued,
  Order,
  outOfStock,
  Product,
  UserCoupon,
  Wallet,
  type BalanceChange,
  type Money,
  type CouponPrimitives,
  type ProductPrimitives,
  type RefundPrimitives,
} from '@storefront/domain';
import type {
  BalanceHistoryRepository,
  Clock,
  CouponRepository,
  DailyProductSales,
  HeldClaim,
  IdempotencyKeyRepository,
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
import type { OrderEvent } from '../events/order-event';
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
        const result = await work(scopeOf(session));
        session.moveStockAtCommit();
        return result;
      } finally {
        session.open = false;
      }
    });
  }
}

class Session {
  open = true;
  /** Units to take and to put back as the run commits, by product: what PostgreSQL's commit message updates. */
  private readonly stockTakes = new Map<number, number>();
  private readonly stockPutBacks = new Map<number, number>();

  constructor(
    private readonly working: InMemoryState,
    readonly clock: Clock,
  ) {}

  /** The working copy, for a repository method of a run that has not ended. */
  get state(): InMemoryState {
    if (!this.open) throw new Error('This unit of work has ended; its repositories cannot be used any more');
    return this.working;
  }

  deferStockTake(productId: number, quantity: number): void {
    this.defer(this.stockTakes, productId, quantity, this.stockPutBacks);
  }

  deferStockPutBack(productId: number, quantity: number): void {
    this.defer(this.stockPutBacks, productId, quantity, this.stockTakes);
  }

  /**
   * The commit's stock moves, by ascending product id, all or none: a product short of units
   * fails the run with OUT_OF_STOCK, as the take of stock fails PostgreSQL's commit, and
   * the database drops the working copy with everything else the run wrote.
   */
  moveStockAtCommit(): void {
    const { products } = this.state;
    const byProduct = (units: Map<number, number>) => [...units.entries()].sort(([a], [b]) => a - b);
    for (const [productId, quantity] of byProduct(this.stockTakes)) {
      const row = this.storedProduct(productId);
      if (row.stock < quantity) throw outOfStock(productId, quantity, row.stock);
      products.set(productId, { ...row, stock: row.stock - quantity });
    }
    for (const [productId, quantity] of byProduct(this.stockPutBacks)) {
      const row = this.storedProduct(productId);
      products.set(productId, { ...row, stock: row.stock + quantity });
    }
  }

  private defer(units: Map<number, number>, productId: number, quantity: number, otherMoves: Map<number, number>): void {
    // As PostgreSQL's repository does: the two lists are not in one lock order.
    if (otherMoves.size > 0) throw new Error('A transaction either takes stock or puts it back, not both');
    // The stored product's existence is checked now: in PostgreSQL an order line's foreign key holds it.
    this.storedProduct(productId);
    units.set(productId, (units.get(productId) ?? 0) + quantity);
  }

  private storedProduct(productId: number): ProductPrimitives {
    const row = this.state.products.get(productId);
    if (!row) throw new Error(`Product ${productId} does not exist`);
    return row;
  }
}

function scopeOf(session: Session): TransactionScope {
  return {
    wallets: new InMemoryWalletRepository(session),
    balanceHistory: new InMemoryBalanceHistoryRepository(session),
    products: new InMemoryProductRepository(session),
    coupons: new InMemoryCouponRepository(session, new InMemoryUserCouponRepository(session)),
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

  async lockForCharge(userId: number): Promise<{ wallet: Wallet; transactionId: string }> {
    // A wallet opened here takes the store's time, as PostgreSQL's now() does; the charge sets its own.
    const wallet = await this.lockForUser(userId, this.session.clock.now());
    return { wallet, transactionId: String(nextValue(this.session.state, 'balanceEntry')) };
  }

  async addCharge(change: BalanceChange, maxBalance: Money, transactionId: string): Promise<void> {
    const { wallets } = this.session.state;
    const row = wallets.get(change.userId);
    if (!row) throw new Error(`Wallet of user ${change.userId} was never locked`);
    // As the SQL conditions do: the balance the domain charged, plus the charge, within the ceiling.
    if (row.balance + change.amount !== change.balanceAfter) throw new Error(`Wallet of user ${change.userId} changed while locked`);
    if (row.balance + change.amount > maxBalance.won) throw new Error(`A charge would take the balance of user ${change.userId} above ${maxBalance.won}`);
    wallets.set(change.userId, { ...row, balance: row.balance + change.amount, updatedAt: new Date(change.occurredAt) });
    // With its history row, as the one SQL statement writes both.
    recordBalanceChange(this.session.state, Number(transactionId), change, null);
  }

  async lockForOrder(userId: number, now: Date): Promise<{ wallet: Wallet; orderId: number; paymentId: string }> {
    const wallet = await this.lockForUser(userId, now);
    const { state } = this.session;
    return { wallet, orderId: nextValue(state, 'order'), paymentId: String(nextValue(state, 'balanceEntry')) };
  }

  async addPayment(payment: BalanceChange, orderId: number, paymentId: string): Promise<void> {
    const { wallets } = this.session.state;
    const row = wallets.get(payment.userId);
    if (!row) throw new Error(`Wallet of user ${payment.userId} was never locked`);
    // As the PAYMENT row's reference to its order does in PostgreSQL.
    if (!this.session.state.orders.has(orderId)) throw new Error(`Order ${orderId} was not written before its payment`);
    // As the SQL condition does: the balance the payment was taken from.
    if (row.balance - payment.amount !== payment.balanceAfter) throw new Error(`Wallet of user ${payment.userId} changed while locked`);
    wallets.set(payment.userId, { ...row, balance: payment.balanceAfter, updatedAt: new Date(payment.occurredAt) });
    recordBalanceChange(this.session.state, Number(paymentId), payment, orderId);
  }

  async saveRefunded(wallet: Wallet): Promise<void> {
    const { wallets } = this.session.state;
    const row = wallets.get(wallet.userId);
    if (!row) throw new Error(`Wallet of user ${wallet.userId} was never locked`);
    // The balance may only have gone up: a refund credits, it never debits.
    if (wallet.balance.won < row.balance) throw new Error(`A refund would lower the balance of user ${wallet.userId}`);
    wallets.set(wallet.userId, deepCopy(wallet.toPrimitives()));
  }
}

class InMemoryBalanceHistoryRepository implements BalanceHistoryRepository {
  constructor(private readonly session: Session) {}

  async append(change: BalanceChange, orderId: number | null): Promise<string> {
    return recordBalanceChange(this.session.state, nextValue(this.session.state, 'balanceEntry'), change, orderId);
  }
}

/** Appends a history row under `seq`; answers its id as a decimal string, as the bigserial column gives it in PostgreSQL. */
function recordBalanceChange(state: InMemoryState, seq: number, change: BalanceChange, orderId: number | null): string {
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

class InMemoryProductRepository implements ProductRepository {
  constructor(private readonly session: Session) {}

  async add(fields: Omit<ProductPrimitives, 'id'>): Promise<Product> {
    const state = this.session.state;
    const row: ProductPrimitives = { id: nextValue(state, 'product'), name: fields.name, price: fields.price, stock: fields.stock };
    const product = Product.fromPrimitives(row); // refuses a negative stock, as PostgreSQL's CHECKs do
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

  async lockDetailsById(productId: number): Promise<Product | null> {
    return this.lockById(productId);
  }

  async saveDetails(product: Product): Promise<Product> {
    const { products } = this.session.state;
    const row = products.get(product.id);
    if (!row) throw new Error(`Product ${product.id} does not exist`);
    const { name, price } = product.toPrimitives();
    const saved = { ...row, name, price };
    products.set(product.id, saved);
    return Product.fromPrimitives({ ...saved });
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

  async takeStockAtCommit(productId: number, quantity: number): Promise<void> {
    this.session.deferStockTake(productId, quantity);
  }

  async putBackStockAtCommit(productId: number, quantity: number): Promise<void> {
    this.session.deferStockPutBack(productId, quantity);
  }
}

class InMemoryCouponRepository implements CouponRepository {
  constructor(
    private readonly session: Session,
    private readonly userCoupons: InMemoryUserCouponRepository,
  ) {}

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

  async issueUnit(userCoupon: UserCoupon): Promise<UserCoupon | null> {
    const saved = await this.userCoupons.add(userCoupon);
    return (await this.claimUnit(userCoupon.couponId)) ? saved : null;
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

  async markReleased(userCoupon: UserCoupon, orderId: number): Promise<void> {
    const { userCoupons } = this.session.state;
    const row = userCoupons.get(userCoupon.id);
    if (!row || row.orderId !== orderId) throw new Error(`User coupon ${userCoupon.id} was not spent by order ${orderId}`);
    if (userCoupon.usedAt !== null) throw new Error(`User coupon ${userCoupon.id} has not been released`);
    userCoupons.set(userCoupon.id, { ...row, usedAt: null, orderId: null });
  }
}

class InMemoryOrderRepository implements OrderRepository {
  constructor(private readonly session: Session) {}

  async add(order: Order): Promise<void> {
    const { orders, userCoupons } = this.session.state;
    if (orders.has(order.id)) throw new Error(`Order ${order.id} already exists`);
    // The partial unique index of PostgreSQL: a user coupon pays at most one order not cancelled.
    const userCouponId = order.userCouponId;
    if (userCouponId !== null && [...orders.values()].some((o) => o.userCouponId === userCouponId && o.status !== 'CANCELLED')) {
      throw new Error(`User coupon ${userCouponId} already pays an order`);
    }
    if (userCouponId !== null) {
      // The copy is marked in the order's own write, and only while it is free, as the SQL does.
      const copy = userCoupons.get(userCouponId);
      if (!copy || copy.usedAt !== null || copy.userId !== order.userId) throw new Error(`User coupon ${userCouponId} was not available to mark used`);
      userCoupons.set(userCouponId, { ...copy, usedAt: new Date(order.toPrimitives().createdAt.getTime()), orderId: order.id });
    }
    orders.set(order.id, deepCopy(order.toPrimitives()));
  }

  async ownerOf(orderId: number): Promise<{ userId: number; userCouponId: number | null } | null> {
    const row = this.session.state.orders.get(orderId);
    return row ? { userId: row.userId, userCouponId: row.userCouponId } : null;
  }

  async lockById(orderId: number): Promise<Order | null> {
    const row = this.session.state.orders.get(orderId);
    return row ? Order.fromPrimitives(deepCopy(row)) : null;
  }

  async nextRefundId(): Promise<number> {
    return nextValue(this.session.state, 'refund');
  }

  /** The order's state and its lines' refunded units; its refunds are written by addRefund only. */
  async saveLifecycle(order: Order): Promise<void> {
    const { orders } = this.session.state;
    const row = orders.get(order.id);
    if (!row) throw new Error(`Order ${order.id} does not exist`);
    const p = deepCopy(order.toPrimitives());
    orders.set(order.id, {
      ...row,
      status: p.status,
      refundedAmount: p.refundedAmount,
      cancelledAt: p.cancelledAt,
      cancelReason: p.cancelReason,
      lines: row.lines.map((line) => ({ ...line, refundedQuantity: p.lines.find((l) => l.productId === line.productId)?.refundedQuantity ?? line.refundedQuantity })),
    });
  }

  async addRefund(refund: RefundPrimitives): Promise<void> {
    const { orders } = this.session.state;
    const row = orders.get(refund.orderId);
    if (!row) throw new Error(`Order ${refund.orderId} does not exist`);
    if (row.refunds.some((r) => r.id === refund.id)) throw new Error(`Refund ${refund.id} already exists`);
    orders.set(refund.orderId, { ...row, refunds: [...row.refunds, deepCopy(refund)] });
  }
}

class InMemoryOutboxRepository implements OutboxRepository {
  constructor(private readonly session: Session) {}

  async append(event: OrderEvent): Promise<void> {
    const state = this.session.state;
    const createdAt = this.session.clock.now();
    const eventId = nextUuid(state);
    state.outbox.set(eventId, {
      seq: nextValue(state, 'outboxEvent'),
      eventId,
      type: event.type,
      orderId: event.data.orderId,
      occurredAt: new Date(event.occurredAt.getTime()),
      // Stored as JSON (as in PostgreSQL): what the data platform will receive.
      data: JSON.parse(JSON.stringify(event.data)) as unknown,
      attemptLog: [],
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
    const add = (productId: number, quantity: number, revenue: number) => {
      const sum = totals.get(productId) ?? { quantity: 0, revenue: 0 };
      totals.set(productId, { quantity: sum.quantity + quantity, revenue: sum.revenue + revenue });
    };
    const within = (instant: Date | null) => instant !== null && instant >= from && instant < to;
    // Net sales at list price: placed that day, less cancelled and refunded that day.
    for (const order of state.orders.values()) {
      if (within(order.createdAt)) for (const line of order.lines) add(line.productId, line.quantity, line.amount);
      if (within(order.cancelledAt)) for (const line of order.lines) add(line.productId, -line.quantity, -line.amount);
      for (const refund of order.refunds) {
        if (!within(refund.createdAt)) continue;
        for (const line of refund.lines) {
          const unitPrice = order.lines.find((l) => l.productId === line.productId)?.unitPrice ?? 0;
          add(line.productId, -line.quantity, -unitPrice * line.quantity);
        }
      }
    }
    const rows = [...totals.entries()]
      .filter(([, sum]) => sum.quantity !== 0 || sum.revenue !== 0)
      .sort(([a], [b]) => a - b)
      .map(([productId, sum]) => ({ day, productId, quantity: sum.quantity, revenue: sum.revenue }));
    const now = this.session.clock.now();
    state.dailySales.set(day, rows);
    state.aggregatedDays.set(day, { day, aggregatedAt: now, complete });
    return deepCopy(rows);
  }
}
