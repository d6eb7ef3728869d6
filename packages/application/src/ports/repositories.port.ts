import type {
  BalanceChange,
  Coupon,
  CouponPrimitives,
  Money,
  Order,
  Product,
  ProductPrimitives,
  RefundPrimitives,
  UserCoupon,
  Wallet,
} from '@storefront/domain';
import type { OrderEvent } from '../events/order-event';
import type { IdempotencyKeyRepository } from './idempotency.port';
import type { DailyProductSales } from './views';

/*
 * Repositories bound to one transaction. Each is shaped to what the use cases do with it, and
 * each method documents which rows it locks: the global lock order is the user's own rows
 * (wallet, user coupon) first, then products by ascending id.
 */

export interface WalletRepository {
  /** The user's wallet, created at balance 0 if it does not exist yet, locked until commit. */
  lockForUser(userId: number, now: Date): Promise<Wallet>;
  /**
   * lockForUser for a charge, which also reserves the id of the CHARGE history row it will
   * write (the charge's transaction id): the charge's write then needs no answer, so a store may
   * send it with the COMMIT instead of in a round trip of its own. It takes no time, so that a
   * charge may read the clock after it (UnitOfWork.run's `beginWithFirstStatement`): a wallet it
   * creates carries the store's time until the charge's own.
   */
  lockForCharge(userId: number): Promise<{ wallet: Wallet; transactionId: string }>;
  /**
   * Adds a charge the wallet accepted to the stored balance, on the condition that the sum stays
   * within `maxBalance` (the store's own check of the ceiling, behind the domain's rule), and
   * appends its CHARGE history row with it, under the id lockForCharge reserved. A wallet that
   * is not locked, or a sum above the ceiling, is a bug: it fails the unit of work, at the
   * latest at its commit.
   */
  addCharge(change: BalanceChange, maxBalance: Money, transactionId: string): Promise<void>;
  /**
   * lockForUser for a new order, which also reserves the order's id and the id of its PAYMENT
   * history row: the order's writes then need no answer, so a store may send them with the
   * COMMIT (as addCharge's).
   */
  lockForOrder(userId: number, now: Date): Promise<{ wallet: Wallet; orderId: number; paymentId: string }>;
  /**
   * Takes a payment the wallet accepted from the stored balance, on the condition that the
   * balance is still the one it was taken from, and appends its PAYMENT history row for
   * `orderId`, under the id lockForOrder reserved. A wallet that is not locked is a bug: it
   * fails the unit of work, at the latest at its commit.
   */
  addPayment(payment: BalanceChange, orderId: number, paymentId: string): Promise<void>;
  /**
   * Writes a balance raised by a refund or a cancellation. Unlike a charge, the ceiling does not
   * bound it (a refund is always credited); the balance may only have gone up.
   */
  saveRefunded(wallet: Wallet): Promise<void>;
}

export interface BalanceHistoryRepository {
  /** Records one change of balance; answers its transaction id. */
  append(change: BalanceChange, orderId: number | null): Promise<string>;
}

export interface ProductRepository {
  add(fields: Omit<ProductPrimitives, 'id'>): Promise<Product>;
  /** For an admin's edit of its stock: the product and its stock, locked until commit. */
  lockById(productId: number): Promise<Product | null>;
  /** Writes an edit of a product locked by `lockById`: name, price and stock. */
  save(product: Product): Promise<void>;
  /**
   * For an admin's edit of name or price alone: the product locked until commit, its stock as
   * read now but not locked — orders keep taking it meanwhile.
   */
  lockDetailsById(productId: number): Promise<Product | null>;
  /**
   * Writes an edit of a product locked by `lockDetailsById`: name and price, never the stock.
   * Answers the product with its stock as read now.
   */
  saveDetails(product: Product): Promise<Product>;
  /** Products as they are now, without locks: prices and names for an order's lines. */
  findByIds(productIds: readonly number[]): Promise<Product[]>;
  /**
   * Takes `quantity` units as the transaction commits, in the commit itself: the stock of a
   * popular product — the hot spot of a sale — is locked only for the commit, not for the rest
   * of the transaction. Whether the units are there is known only then: if too few are, the
   * commit fails, nothing of the transaction is kept and the unit of work's run rejects with
   * OUT_OF_STOCK. Several products are taken in ascending id order, whatever the calls' order.
   */
  takeStockAtCommit(productId: number, quantity: number): Promise<void>;
  /**
   * Puts `quantity` units back (a cancellation, or a refund with restock) as the transaction
   * commits, in the commit itself, like `takeStockAtCommit`: several products in ascending id
   * order, whatever the calls' order. Nothing of the product is locked before then. A
   * transaction either takes stock or puts it back, never both.
   */
  putBackStockAtCommit(productId: number, quantity: number): Promise<void>;
}

export interface CouponRepository {
  /** Creates the coupon and the stock its units will be claimed from. */
  add(fields: Omit<CouponPrimitives, 'id'>): Promise<Coupon>;
  /**
   * Claims one unit of the coupon's stock, or answers false when none is left. Concurrent
   * claims must not queue on a single row when units remain elsewhere.
   */
  claimUnit(couponId: number): Promise<boolean>;
  /**
   * Saves a newly issued copy and claims a unit of its coupon for it, in one step; answers null
   * when no unit is left — the copy is then written all the same, and the caller must roll back.
   * Throws COUPON_ALREADY_ISSUED when the user already holds one (the unique (user, coupon)
   * constraint decides, also between concurrent issues).
   */
  issueUnit(userCoupon: UserCoupon): Promise<UserCoupon | null>;
}

export interface UserCouponRepository {
  /**
   * Saves a newly issued copy. Throws COUPON_ALREADY_ISSUED when the user already holds one:
   * the unique (user, coupon) constraint decides, also between concurrent issues.
   */
  add(userCoupon: UserCoupon): Promise<UserCoupon>;
  /** The user coupon about to be spent, locked until commit. */
  lockById(userCouponId: number): Promise<UserCoupon | null>;
  /** Frees a copy that `orderId` spent, locked by `lockById`: the order was cancelled. */
  markReleased(userCoupon: UserCoupon, orderId: number): Promise<void>;
}

export interface OrderRepository {
  /**
   * Writes a newly placed order (its id reserved by `WalletRepository.lockForOrder`) with its
   * lines and, when it spent a user coupon, marks that copy (locked by `UserCouponRepository.lockById`)
   * used by it. A store may write all of it as late as the commit. A copy that is not free any
   * more is a bug: it fails the unit of work, at the latest at its commit.
   */
  add(order: Order): Promise<void>;
  /**
   * Who placed an order and with which user coupon, read without locks (both never change):
   * what a cancellation or a refund must lock before the order itself. Null when unknown.
   */
  ownerOf(orderId: number): Promise<{ userId: number; userCouponId: number | null } | null>;
  /** The order with its lines and refunds, its row locked until commit. */
  lockById(orderId: number): Promise<Order | null>;
  /** The id of a refund about to be made, from the refunds sequence. */
  nextRefundId(): Promise<number>;
  /** Writes what a cancellation or a refund changed on an order locked by `lockById`. */
  saveLifecycle(order: Order): Promise<void>;
  addRefund(refund: RefundPrimitives): Promise<void>;
}

/** The transactional outbox: events written in the same transaction as the change they report. */
export interface OutboxRepository {
  /** Nothing in the transaction reads the event back: a store may write it as late as the commit. */
  append(event: OrderEvent): Promise<void>;
}

export interface SalesStatisticsRepository {
  /**
   * Replaces the statistics of one business day with its net sales at list price: the lines of
   * orders placed in [from, to), less the units refunded and the lines cancelled in [from, to).
   * A product whose net is zero gets no row. Records that the day was aggregated — as final
   * when `complete` (no transaction that may still stamp the day is open: see
   * TransactionHorizon). Running it
   * again, or twice at once, leaves the same rows.
   */
  replaceDay(day: string, from: Date, to: Date, complete: boolean): Promise<DailyProductSales[]>;
}

/**
 * The boundary between what is written and what may still be. A transaction takes the clock
 * after it begins, so once every transaction open at some moment T has ended, no row stamped
 * before T can appear any more: that is when a day ending before T may be called complete.
 */
export interface TransactionHorizon {
  /**
   * Waits until every transaction open now has ended; answers the moment "now" was (a lower
   * bound, on the database's clock), or null when some are still open at the implementation's
   * deadline.
   */
  awaitOpenTransactions(): Promise<Date | null>;
}

/** Everything a use case may touch inside one transaction. */
export interface TransactionScope {
  wallets: WalletRepository;
  balanceHistory: BalanceHistoryRepository;
  products: ProductRepository;
  coupons: CouponRepository;
  userCoupons: UserCouponRepository;
  orders: OrderRepository;
  outbox: OutboxRepository;
  salesStatistics: SalesStatisticsRepository;
  /** Only for `KeyCompletingUnitOfWork`: use cases never touch idempotency. */
  idempotencyKeys: IdempotencyKeyRepository;
}

/**
 * The unit of work: `run` opens one transaction, hands `work` repositories bound to it, commits
 * when `work` resolves and rolls everything back when it throws. Runs may be retried by the
 * implementation on a deadlock or serialization failure, so `work` must not have side effects
 * outside the transaction.
 */
export interface UnitOfWork {
  run<T>(work: (tx: TransactionScope) => Promise<T>, options?: RunOptions): Promise<T>;
}

export interface RunOptions {
  /**
   * `work` reads the clock only once its first statement has answered. The implementation may
   * then begin the transaction in that statement's round trip instead of one of its own before
   * `work` runs. A work that reads the clock first must not ask for it: a transaction has to hold
   * its place before it takes the time it stamps (TransactionHorizon).
   */
  beginWithFirstStatement?: boolean;
}
