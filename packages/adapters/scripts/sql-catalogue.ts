/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- each case reads its own untyped sample arguments */
import type { SettledDelivery } from '@storefront/application';
import { Money, Order, UserCoupon, Wallet } from '@storefront/domain';
import type { Kysely } from 'kysely';
import type { DB } from '../src/db/database.schema';
import { PgIdempotencyKeyRepository, PgIdempotencyStore } from '../src/idempotency/idempotency.store';
import { PgInvariantAuditor } from '../src/invariants/invariant.auditor';
import { checkInvariants } from '../src/invariants/invariant.checks';
import { runUnderAdvisoryLock } from '../src/jobs/advisory.lock';
import { runUnderLease } from '../src/jobs/lease.lock';
import { PgRetentionStore } from '../src/jobs/retention.store';
import { sequenceCommittedEvents } from '../src/outbox-relay/event.sequencer';
import { PgOutboxQueries } from '../src/outbox-relay/outbox.queries';
import { PgOutboxRelayStore } from '../src/outbox-relay/outbox-relay.store';
import { PgCatalogQueries } from '../src/queries/catalog.queries';
import { PgCouponQueries } from '../src/queries/coupon.queries';
import { PgOrderQueries } from '../src/queries/order.queries';
import { PgSalesQueries } from '../src/queries/sales.queries';
import { PgWalletQueries } from '../src/queries/wallet.queries';
import { PgBalanceHistoryRepository } from '../src/repositories/balance-history.repository';
import { PgCouponRepository } from '../src/repositories/coupon.repository';
import { PgOrderRepository } from '../src/repositories/order.repository';
import { PgProductRepository } from '../src/repositories/product.repository';
import { PgSalesStatisticsRepository } from '../src/repositories/sales-statistics.repository';
import { stockRefusal } from '../src/repositories/stock-takes';
import { PgUserCouponRepository } from '../src/repositories/user-coupon.repository';
import { PgWalletRepository } from '../src/repositories/wallet.repository';
import { KyselyUnitOfWork } from '../src/unit-of-work/kysely.unit-of-work';
import { PgTransactionHorizon } from '../src/unit-of-work/transaction.horizon';

/*
 * Every method of packages/adapters that runs SQL, called once per path worth showing, with the
 * rows the recording client answers so that the path is taken. Sample values are distinct so
 * that each bound parameter can be named after the argument it carries.
 */

/** What the recording client answers to one statement. */
export interface Answer {
  rows?: Record<string, unknown>[];
  /** Rows an INSERT/UPDATE/DELETE touched; 1 unless given. */
  rowCount?: number;
}

export interface SqlCase {
  /** The file under packages/adapters/src the method lives in; one snapshot file per source. */
  source: string;
  /** `Class.method`, or `Class.method: variant` when one method has several paths worth showing. */
  name: string;
  args: Record<string, unknown>;
  /** Answers to the method's statements, in order (BEGIN and COMMIT take none); then no rows. */
  answers?: Answer[];
  run: (db: Kysely<DB>, args: Record<string, any>) => Promise<unknown>;
}

const NOW = new Date('2026-11-24T09:00:00.000Z');
const LATER = new Date('2026-12-24T09:00:00.000Z');
const DAY_START = new Date('2026-11-23T15:00:00.000Z');
const DAY_END = new Date('2026-11-24T15:00:00.000Z');
const MAX_BALANCE = 10_000_000;
const FIRST_PAGE = { limit: 20, after: null };
const NEXT_PAGE = { limit: 20, after: 917 };

const walletRow = { user_id: 7001, balance: 53_000, updated_at: NOW };
const productRow = { id: 8001, name: 'Keyboard', price: 12_300, stock: 40 };
const couponRow = { id: 6001, name: 'Welcome', discount_type: 'FIXED', discount_value: 1_000, total_quantity: 500, expires_at: LATER };
const userCouponRow = { id: 5001, coupon_id: 6001, user_id: 7001, discount_type: 'FIXED', discount_value: 1_000, issued_at: NOW, expires_at: LATER, used_at: null };
const orderRow = {
  id: 4001,
  user_id: 7001,
  status: 'PAID',
  total_amount: 24_600,
  discount_amount: 1_000,
  paid_amount: 23_600,
  refunded_amount: 0,
  user_coupon_id: 5001,
  created_at: NOW,
  cancelled_at: null,
  cancel_reason: null,
};
const orderLineRow = { order_id: 4001, product_id: 8001, name: 'Keyboard', unit_price: 12_300, quantity: 2, amount: 24_600, paid_amount: 23_600, refunded_quantity: 0 };
const refundRow = { id: 3001, order_id: 4001, amount: 11_800, restocked: true, reason: 'broken', created_at: NOW };
const refundLineRow = { refund_id: 3001, product_id: 8001, quantity: 1, amount: 11_800 };
const outboxRow = {
  seq: 91,
  sequence: 4711,
  event_id: '0b7e7a4c-4b7a-4f0e-9d55-0a4b0c1d2e3f',
  type: 'order.paid',
  status: 'FAILED',
  attempts: 3,
  next_attempt_at: NOW,
  last_error: 'HTTP 503',
  created_at: NOW,
  delivered_at: null,
  occurred_at: NOW,
  payload: {},
  order_id: 4001,
};

/** An order whose sample values are all different, so each column's parameter can be named. */
const sampleOrder = {
  orderId: 4001,
  userId: 7001,
  totalAmount: 24_601,
  discountAmount: 1_001,
  paidAmount: 23_600,
  userCouponId: 5001,
  productId: 8001,
  productName: 'Keyboard',
  unitPrice: 12_300,
  quantity: 2,
  lineAmount: 24_600,
  linePaidAmount: 23_601,
  createdAt: NOW,
};

function orderOf(a: Record<string, any>, lifecycle: { status?: string; refundedAmount?: number; refundedQuantity?: number; cancelledAt?: Date | null; cancelReason?: string | null } = {}): Order {
  return Order.fromPrimitives({
    id: a['orderId'],
    userId: a['userId'],
    status: (lifecycle.status ?? 'PAID') as never,
    lines: [
      {
        productId: a['productId'],
        name: a['productName'],
        unitPrice: a['unitPrice'],
        quantity: a['quantity'],
        amount: a['lineAmount'],
        paidAmount: a['linePaidAmount'],
        refundedQuantity: lifecycle.refundedQuantity ?? 0,
      },
    ],
    totalAmount: a['totalAmount'],
    discountAmount: a['discountAmount'],
    paidAmount: a['paidAmount'],
    refundedAmount: lifecycle.refundedAmount ?? 0,
    userCouponId: a['userCouponId'],
    refunds: [],
    createdAt: a['createdAt'],
    cancelledAt: lifecycle.cancelledAt ?? null,
    cancelReason: lifecycle.cancelReason ?? null,
  });
}

const settledDelivery = (kind: 'delivered' | 'retry'): SettledDelivery => ({
  event: { envelope: { eventId: outboxRow.event_id, type: 'order.paid', occurredAt: NOW.toISOString(), sequence: 4711, data: {} } as never, attempt: 1, claimToken: '5f0c8a43-2f7e-4b7a-9a55-0d6f1c7e2b91' },
  attempt: { at: NOW, outcome: kind === 'delivered' ? 'DELIVERED' : 'FAILED', httpStatus: 200, durationMs: 12, error: null },
  settlement: kind === 'delivered' ? { kind } : { kind, nextAttemptAt: LATER },
});

const repositories: SqlCase[] = [
  {
    source: 'repositories/wallet.repository.ts',
    name: 'PgWalletRepository.lockForUser',
    args: { userId: 7001, now: NOW },
    answers: [{ rows: [walletRow] }],
    run: (db, a) => new PgWalletRepository(db).lockForUser(a['userId'], a['now']),
  },
  {
    source: 'repositories/wallet.repository.ts',
    name: 'PgWalletRepository.lockForCharge',
    args: { userId: 7001 },
    answers: [{ rows: [{ ...walletRow, charge_id: 9001 }] }],
    run: (db, a) => new PgWalletRepository(db).lockForCharge(a['userId']),
  },
  {
    source: 'repositories/wallet.repository.ts',
    name: 'PgWalletRepository.addCharge: sent with the COMMIT',
    args: { amount: 20_000, now: NOW, userId: 7001, maxBalance: MAX_BALANCE, type: 'CHARGE', balanceAfter: 53_000, transactionId: '9001' },
    run: (db, a) =>
      new KyselyUnitOfWork(db).run((tx) =>
        tx.wallets.addCharge(
          { userId: a['userId'], type: 'CHARGE', amount: a['amount'], balanceAfter: a['balanceAfter'], occurredAt: a['now'] },
          Money.of(a['maxBalance']),
          a['transactionId'],
        ),
      ),
  },
  {
    source: 'repositories/wallet.repository.ts',
    name: 'PgWalletRepository.lockForOrder',
    args: { userId: 7001, now: NOW },
    answers: [{ rows: [{ ...walletRow, order_id: 4001, payment_id: 9002 }] }],
    run: (db, a) => new PgWalletRepository(db).lockForOrder(a['userId'], a['now']),
  },
  {
    source: 'repositories/wallet.repository.ts',
    name: 'PgWalletRepository.addPayment: sent with the COMMIT',
    args: { amount: 23_600, now: NOW, userId: 7001, balanceAfter: 29_400, orderId: 4001, paymentId: '9002' },
    run: (db, a) =>
      new KyselyUnitOfWork(db).run((tx) =>
        tx.wallets.addPayment({ userId: a['userId'], type: 'PAYMENT', amount: a['amount'], balanceAfter: a['balanceAfter'], occurredAt: a['now'] }, a['orderId'], a['paymentId']),
      ),
  },
  {
    source: 'repositories/wallet.repository.ts',
    name: 'PgWalletRepository.saveRefunded',
    args: { userId: 7001, balance: 53_000, now: NOW },
    run: (db, a) => new PgWalletRepository(db).saveRefunded(Wallet.fromPrimitives({ userId: a['userId'], balance: a['balance'], updatedAt: a['now'] })),
  },
  {
    source: 'repositories/balance-history.repository.ts',
    name: 'PgBalanceHistoryRepository.append',
    args: { userId: 7001, type: 'PAYMENT', amount: 23_600, balanceAfter: 29_400, orderId: 4001, occurredAt: NOW },
    answers: [{ rows: [{ id: 1 }] }],
    run: (db, a) =>
      new PgBalanceHistoryRepository(db).append({ userId: a['userId'], type: a['type'], amount: a['amount'], balanceAfter: a['balanceAfter'], occurredAt: a['occurredAt'] }, a['orderId']),
  },
  {
    source: 'repositories/product.repository.ts',
    name: 'PgProductRepository.add',
    args: { name: 'Keyboard', price: 12_300, stock: 40 },
    answers: [{ rows: [productRow] }],
    run: (db, a) => new PgProductRepository(db).add({ name: a['name'], price: a['price'], stock: a['stock'] }),
  },
  {
    source: 'repositories/product.repository.ts',
    name: 'PgProductRepository.lockById',
    args: { productId: 8001 },
    answers: [{ rows: [productRow] }],
    run: (db, a) => new PgProductRepository(db).lockById(a['productId']),
  },
  {
    source: 'repositories/product.repository.ts',
    name: 'PgProductRepository.lockDetailsById',
    args: { productId: 8001 },
    answers: [{ rows: [productRow] }],
    run: (db, a) => new PgProductRepository(db).lockDetailsById(a['productId']),
  },
  {
    source: 'repositories/product.repository.ts',
    name: 'PgProductRepository.saveDetails',
    args: { productId: 8001, name: 'Keyboard', price: 12_300, stock: 40 },
    answers: [{ rows: [productRow] }],
    run: async (db, a) => {
      const { Product } = await import('@storefront/domain');
      return new PgProductRepository(db).saveDetails(Product.fromPrimitives({ id: a['productId'], name: a['name'], price: a['price'], stock: a['stock'] }));
    },
  },
  {
    source: 'repositories/product.repository.ts',
    name: 'PgProductRepository.save',
    args: { productId: 8001, name: 'Keyboard', price: 12_300, stock: 40 },
    run: async (db, a) => {
      const { Product } = await import('@storefront/domain');
      return new PgProductRepository(db).save(Product.fromPrimitives({ id: a['productId'], name: a['name'], price: a['price'], stock: a['stock'] }));
    },
  },
  {
    source: 'repositories/product.repository.ts',
    name: 'PgProductRepository.findByIds',
    args: { productId: 8001 },
    answers: [{ rows: [productRow] }],
    run: (db, a) => new PgProductRepository(db).findByIds([a['productId']]),
  },
  {
    source: 'repositories/product.repository.ts',
    name: 'PgProductRepository.takeStockAtCommit: two products, sent with the COMMIT',
    args: { productId: 8001, quantity: 2, otherProductId: 8002, otherQuantity: 3 },
    run: (db, a) =>
      new KyselyUnitOfWork(db).run(async (tx) => {
        await tx.products.takeStockAtCommit(a['otherProductId'], a['otherQuantity']);
        await tx.products.takeStockAtCommit(a['productId'], a['quantity']);
      }),
  },
  {
    source: 'repositories/stock-takes.ts',
    name: 'stockRefusal',
    args: { productId: 8001, quantity: 2 },
    answers: [{ rows: [{ id: 8001, stock: 1 }] }],
    run: (db, a) => stockRefusal(db, [{ productId: a['productId'], quantity: a['quantity'] }]),
  },
  {
    source: 'repositories/product.repository.ts',
    name: 'PgProductRepository.putBackStockAtCommit: two products, sent with the COMMIT',
    args: { productId: 8001, quantity: 2, otherProductId: 8002, otherQuantity: 3 },
    run: (db, a) =>
      new KyselyUnitOfWork(db).run(async (tx) => {
        await tx.products.putBackStockAtCommit(a['otherProductId'], a['otherQuantity']);
        await tx.products.putBackStockAtCommit(a['productId'], a['quantity']);
      }),
  },
  {
    source: 'repositories/coupon.repository.ts',
    name: 'PgCouponRepository.add',
    args: { name: 'Welcome', discountType: 'FIXED', discountValue: 1_000, totalQuantity: 500, expiresAt: LATER, couponId: 6001, 'total / shards': 15, 'total mod shards': 20, 'shards - 1': 31 },
    answers: [{ rows: [couponRow] }],
    run: (db, a) =>
      new PgCouponRepository(db).add({ name: a['name'], discountType: a['discountType'], discountValue: a['discountValue'], totalQuantity: a['totalQuantity'], expiresAt: a['expiresAt'] }),
  },
  {
    source: 'repositories/coupon.repository.ts',
    name: 'PgCouponRepository.remainingQuantity',
    args: { couponId: 6001 },
    answers: [{ rows: [{ remaining: 17 }] }],
    run: (db, a) => new PgCouponRepository(db).remainingQuantity(a['couponId']),
  },
  {
    source: 'repositories/coupon.repository.ts',
    name: 'PgCouponRepository.claimUnit: a free shard',
    args: { couponId: 6001, startShard: 11 },
    answers: [{ rows: [{ remaining: 16 }] }],
    run: (db, a) => new PgCouponRepository(db, () => a['startShard'] / 32).claimUnit(a['couponId']),
  },
  {
    source: 'repositories/coupon.repository.ts',
    name: 'PgCouponRepository.claimUnit: every shard with units held, waits for one',
    args: { couponId: 6001, startShard: 11 },
    answers: [{ rows: [] }, { rows: [{ remaining: 17 }] }, { rows: [{ remaining: 16 }] }],
    run: (db, a) => new PgCouponRepository(db, () => a['startShard'] / 32).claimUnit(a['couponId']),
  },
  {
    source: 'repositories/coupon.repository.ts',
    name: 'PgCouponRepository.issueUnit: a free shard',
    args: { couponId: 6001, userId: 7001, discountType: 'FIXED', discountValue: 1_000, issuedAt: NOW, expiresAt: LATER, usedAt: null, startShard: 11 },
    answers: [{ rows: [{ id: 5001, claimed: true }] }],
    run: (db, a) =>
      new PgCouponRepository(db, () => a['startShard'] / 32).issueUnit(
        UserCoupon.fromPrimitives({ id: 1, couponId: a['couponId'], userId: a['userId'], discountType: a['discountType'], discountValue: a['discountValue'], issuedAt: a['issuedAt'], expiresAt: a['expiresAt'], usedAt: a['usedAt'] }),
      ),
  },
  {
    source: 'repositories/coupon.repository.ts',
    name: 'PgCouponRepository.issueUnit: every shard with units held, waits for one',
    args: { couponId: 6001, userId: 7001, discountType: 'FIXED', discountValue: 1_000, issuedAt: NOW, expiresAt: LATER, usedAt: null, startShard: 11 },
    answers: [{ rows: [{ id: 5001, claimed: false }] }, { rows: [{ remaining: 17 }] }, { rows: [{ remaining: 16 }] }],
    run: (db, a) =>
      new PgCouponRepository(db, () => a['startShard'] / 32).issueUnit(
        UserCoupon.fromPrimitives({ id: 1, couponId: a['couponId'], userId: a['userId'], discountType: a['discountType'], discountValue: a['discountValue'], issuedAt: a['issuedAt'], expiresAt: a['expiresAt'], usedAt: a['usedAt'] }),
      ),
  },
  {
    source: 'repositories/user-coupon.repository.ts',
    name: 'PgUserCouponRepository.add',
    args: { couponId: 6001, userId: 7001, discountType: 'FIXED', discountValue: 1_000, issuedAt: NOW, expiresAt: LATER },
    answers: [{ rows: [{ id: 5001 }] }],
    run: (db, a) =>
      new PgUserCouponRepository(db).add(
        UserCoupon.fromPrimitives({ id: 1, couponId: a['couponId'], userId: a['userId'], discountType: a['discountType'], discountValue: a['discountValue'], issuedAt: a['issuedAt'], expiresAt: a['expiresAt'], usedAt: null }),
      ),
  },
  {
    source: 'repositories/user-coupon.repository.ts',
    name: 'PgUserCouponRepository.lockById',
    args: { userCouponId: 5001 },
    answers: [{ rows: [userCouponRow] }],
    run: (db, a) => new PgUserCouponRepository(db).lockById(a['userCouponId']),
  },
  {
    source: 'repositories/user-coupon.repository.ts',
    name: 'PgUserCouponRepository.markReleased',
    args: { userCouponId: 5001, orderId: 4001 },
    run: (db, a) => new PgUserCouponRepository(db).markReleased(UserCoupon.fromPrimitives({ ...fromRow(userCouponRow), id: a['userCouponId'] }), a['orderId']),
  },
  {
    source: 'repositories/order.repository.ts',
    name: 'PgOrderRepository.nextRefundId',
    args: {},
    answers: [{ rows: [{ id: 3001 }] }],
    run: (db) => new PgOrderRepository(db).nextRefundId(),
  },
  {
    source: 'repositories/order.repository.ts',
    name: 'PgOrderRepository.add: sent with the COMMIT',
    args: { ...sampleOrder, userCouponId: null, totalAmount: 24_600, discountAmount: 0, paidAmount: 24_600, linePaidAmount: 24_600 },
    run: (db, a) => new KyselyUnitOfWork(db).run((tx) => tx.orders.add(orderOf(a))),
  },
  {
    source: 'repositories/order.repository.ts',
    name: 'PgOrderRepository.add: spending a user coupon, sent with the COMMIT',
    args: sampleOrder,
    run: (db, a) => new KyselyUnitOfWork(db).run((tx) => tx.orders.add(orderOf(a))),
  },
  {
    source: 'repositories/order.repository.ts',
    name: 'PgOrderRepository.ownerOf',
    args: { orderId: 4001 },
    answers: [{ rows: [{ user_id: 7001, user_coupon_id: 5001 }] }],
    run: (db, a) => new PgOrderRepository(db).ownerOf(a['orderId']),
  },
  {
    source: 'repositories/order.repository.ts',
    name: 'PgOrderRepository.lockById',
    args: { orderId: 4001 },
    answers: [{ rows: [orderRow] }, { rows: [orderLineRow] }, { rows: [refundRow] }, { rows: [refundLineRow] }],
    run: (db, a) => new PgOrderRepository(db).lockById(a['orderId']),
  },
  {
    source: 'repositories/order.repository.ts',
    name: 'PgOrderRepository.saveLifecycle',
    args: { ...sampleOrder, status: 'PARTIALLY_REFUNDED', refundedAmount: 11_800, refundedQuantity: 1 },
    run: (db, a) => new PgOrderRepository(db).saveLifecycle(orderOf(a, { status: a['status'], refundedAmount: a['refundedAmount'], refundedQuantity: a['refundedQuantity'] })),
  },
  {
    source: 'repositories/order.repository.ts',
    name: 'PgOrderRepository.addRefund',
    args: { refundId: 3001, orderId: 4001, amount: 11_800, restocked: true, reason: 'broken', createdAt: NOW, productId: 8001, quantity: 1, lineAmount: 11_801 },
    run: (db, a) =>
      new PgOrderRepository(db).addRefund({
        id: a['refundId'],
        orderId: a['orderId'],
        amount: a['amount'],
        restocked: a['restocked'],
        reason: a['reason'],
        createdAt: a['createdAt'],
        lines: [{ productId: a['productId'], quantity: a['quantity'], amount: a['lineAmount'] }],
      }),
  },
  {
    source: 'repositories/outbox.repository.ts',
    name: 'PgOutboxRepository.append: sent with the COMMIT',
    args: { type: 'order.paid', orderId: 4001, data: { orderId: 4001, status: 'PAID' }, occurredAt: NOW },
    run: (db, a) => new KyselyUnitOfWork(db).run((tx) => tx.outbox.append({ type: a['type'], occurredAt: a['occurredAt'], data: a['data'] })),
  },
  {
    source: 'repositories/sales-statistics.repository.ts',
    name: 'PgSalesStatisticsRepository.replaceDay',
    args: { lockNamespace: 0x5344, day: '2026-11-24', dayKey: 20261124, from: DAY_START, to: DAY_END, complete: true },
    run: (db, a) => new PgSalesStatisticsRepository(db).replaceDay(a['day'], a['from'], a['to'], a['complete']),
  },
];

function fromRow(row: typeof userCouponRow) {
  return {
    id: row.id,
    couponId: row.coupon_id,
    userId: row.user_id,
    discountType: row.discount_type as 'FIXED',
    discountValue: row.discount_value,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at as Date | null,
  };
}

const queries: SqlCase[] = [
  {
    source: 'queries/catalog.queries.ts',
    name: 'PgCatalogQueries.productById',
    args: { productId: 8001 },
    answers: [{ rows: [productRow] }],
    run: (db, a) => new PgCatalogQueries(db).productById(a['productId']),
  },
  {
    source: 'queries/catalog.queries.ts',
    name: 'PgCatalogQueries.products: first page',
    args: { 'limit + 1': 21 },
    run: (db) => new PgCatalogQueries(db).products(FIRST_PAGE),
  },
  {
    source: 'queries/catalog.queries.ts',
    name: 'PgCatalogQueries.products: next page',
    args: { after: 917, 'limit + 1': 21 },
    run: (db) => new PgCatalogQueries(db).products(NEXT_PAGE),
  },
  {
    source: 'queries/coupon.queries.ts',
    name: 'PgCouponQueries.couponById',
    args: { couponId: 6001 },
    answers: [{ rows: [{ ...couponRow, remaining: 17 }] }],
    run: (db, a) => new PgCouponQueries(db).couponById(a['couponId']),
  },
  {
    source: 'queries/coupon.queries.ts',
    name: 'PgCouponQueries.coupons: next page',
    args: { after: 917, 'limit + 1': 21 },
    run: (db) => new PgCouponQueries(db).coupons(NEXT_PAGE),
  },
  {
    source: 'queries/coupon.queries.ts',
    name: 'PgCouponQueries.couponSeenBy',
    args: { couponId: 6001, userId: 7001 },
    answers: [{ rows: [{ ...couponRow, remaining: 17, held: false }] }],
    run: (db, a) => new PgCouponQueries(db).couponSeenBy(a['couponId'], a['userId']),
  },
  {
    source: 'queries/coupon.queries.ts',
    name: 'PgCouponQueries.holdersOf',
    args: { couponId: 6001 },
    run: (db, a) => new PgCouponQueries(db).holdersOf(a['couponId']),
  },
  {
    source: 'queries/coupon.queries.ts',
    name: 'PgCouponQueries.userCouponsOf: next page',
    args: { userId: 7001, after: 917, 'limit + 1': 21 },
    run: (db, a) => new PgCouponQueries(db).userCouponsOf(a['userId'], NEXT_PAGE, NOW),
  },
  {
    source: 'queries/order.queries.ts',
    name: 'PgOrderQueries.orderById',
    args: { orderId: 4001 },
    answers: [{ rows: [orderRow] }, { rows: [orderLineRow] }, { rows: [refundRow] }, { rows: [refundLineRow] }],
    run: (db, a) => new PgOrderQueries(db).orderById(a['orderId']),
  },
  {
    source: 'queries/order.queries.ts',
    name: 'PgOrderQueries.ordersOf: next page',
    args: { userId: 7001, after: 917, 'limit + 1': 21, orderId: 4001 },
    answers: [{ rows: [orderRow] }, { rows: [orderLineRow] }, { rows: [] }],
    run: (db, a) => new PgOrderQueries(db).ordersOf(a['userId'], NEXT_PAGE),
  },
  {
    source: 'queries/order.queries.ts',
    name: 'PgOrderQueries.orders: by status',
    args: { status: 'REFUNDED', 'limit + 1': 21 },
    run: (db, a) => new PgOrderQueries(db).orders({ status: a['status'], userId: null }, FIRST_PAGE),
  },
  {
    source: 'queries/sales.queries.ts',
    name: 'PgSalesQueries.topProducts',
    args: { fromDay: '2026-11-21', toDay: '2026-11-23', limit: 5 },
    run: (db, a) => new PgSalesQueries(db).topProducts(a['fromDay'], a['toDay'], a['limit']),
  },
  {
    source: 'queries/sales.queries.ts',
    name: 'PgSalesQueries.lastCompletedDay',
    args: {},
    run: (db) => new PgSalesQueries(db).lastCompletedDay(),
  },
  {
    source: 'queries/wallet.queries.ts',
    name: 'PgWalletQueries.balanceOf',
    args: { userId: 7001 },
    answers: [{ rows: [walletRow] }],
    run: (db, a) => new PgWalletQueries(db).balanceOf(a['userId']),
  },
  {
    source: 'queries/wallet.queries.ts',
    name: 'PgWalletQueries.historyOf: next page',
    args: { userId: 7001, after: 917, 'limit + 1': 21 },
    run: (db, a) => new PgWalletQueries(db).historyOf(a['userId'], NEXT_PAGE),
  },
];

const outbox: SqlCase[] = [
  {
    source: 'outbox-relay/event.sequencer.ts',
    name: 'sequenceCommittedEvents',
    args: { maxPerRun: 5_000 },
    run: (db) => sequenceCommittedEvents(db),
  },
  {
    source: 'outbox-relay/outbox-relay.store.ts',
    name: 'PgOutboxRelayStore.claimDue',
    args: { maxPerRun: 5_000, leaseMs: 30_000, limit: 100 },
    run: (db, a) => new PgOutboxRelayStore(db).claimDue(a['limit'], a['leaseMs']),
  },
  {
    source: 'outbox-relay/outbox-relay.store.ts',
    name: 'PgOutboxRelayStore.claimDue: a malformed row is parked',
    args: { maxPerRun: 5_000, leaseMs: 30_000, limit: 100, claimToken: '5f0c8a43-2f7e-4b7a-9a55-0d6f1c7e2b91' },
    answers: [{ rowCount: 0 }, { rows: [{ ...outboxRow, payload: { hello: 'world' }, claim_token: '5f0c8a43-2f7e-4b7a-9a55-0d6f1c7e2b91' }] }],
    run: (db, a) => new PgOutboxRelayStore(db).claimDue(a['limit'], a['leaseMs']),
  },
  {
    source: 'outbox-relay/outbox-relay.store.ts',
    name: 'PgOutboxRelayStore.settle',
    args: {},
    run: (db) => new PgOutboxRelayStore(db).settle([settledDelivery('delivered'), settledDelivery('retry')]),
  },
  {
    source: 'outbox-relay/outbox-relay.store.ts',
    name: 'PgOutboxRelayStore.requeueFailed: not a failed event',
    args: { eventId: outboxRow.event_id },
    answers: [{ rows: [] }, { rows: [{ status: 'PENDING' }] }],
    run: (db, a) => new PgOutboxRelayStore(db).requeueFailed(a['eventId']),
  },
  {
    source: 'outbox-relay/outbox.queries.ts',
    name: 'PgOutboxQueries.events: next page',
    args: { status: 'FAILED', after: 917, 'limit + 1': 21 },
    run: (db, a) => new PgOutboxQueries(db).events(a['status'], NEXT_PAGE),
  },
  {
    source: 'outbox-relay/outbox.queries.ts',
    name: 'PgOutboxQueries.event',
    args: { eventId: outboxRow.event_id, seq: 91 },
    answers: [{ rows: [outboxRow] }, { rows: [] }],
    run: (db, a) => new PgOutboxQueries(db).event(a['eventId']),
  },
  {
    source: 'outbox-relay/outbox.queries.ts',
    name: 'PgOutboxQueries.feed: one type',
    args: { maxPerRun: 5_000, after: 4700, limit: 100, type: 'order.refunded' },
    answers: [{ rowCount: 0 }],
    run: (db, a) => new PgOutboxQueries(db).feed(a['after'], a['limit'], a['type']),
  },
];

const claim = { scope: 'user:7001', key: 'order-2026-11-24-0001' };

const operations: SqlCase[] = [
  {
    source: 'unit-of-work/kysely.unit-of-work.ts',
    name: 'KyselyUnitOfWork.run',
    args: {},
    run: (db) => new KyselyUnitOfWork(db).run(() => Promise.resolve()),
  },
  {
    // A charge's transaction: its BEGIN travels with the wallet's lock (RunOptions.beginWithFirstStatement).
    source: 'unit-of-work/kysely.unit-of-work.ts',
    name: 'KyselyUnitOfWork.run: beginning with its first statement',
    args: { userId: 7001 },
    answers: [{ rows: [{ ...walletRow, charge_id: 9001 }] }],
    run: (db, a) => new KyselyUnitOfWork(db).run((tx) => tx.wallets.lockForCharge(a['userId']), { beginWithFirstStatement: true }),
  },
  {
    // An order's transaction: its BEGIN travels with the products' read.
    source: 'unit-of-work/kysely.unit-of-work.ts',
    name: 'KyselyUnitOfWork.run: an order, beginning with the products read',
    args: { productId: 8001, otherProductId: 8002 },
    answers: [{ rows: [productRow] }],
    run: (db, a) => new KyselyUnitOfWork(db).run((tx) => tx.products.findByIds([a['productId'], a['otherProductId']]), { beginWithFirstStatement: true }),
  },
  {
    source: 'unit-of-work/transaction.horizon.ts',
    name: 'PgTransactionHorizon.awaitOpenTransactions',
    args: { ids: ['7301'] },
    answers: [{ rows: [{ ids: ['7301'], at: NOW }] }, { rows: [{ n: 0 }] }],
    run: (db) => new PgTransactionHorizon(db, { timeoutMs: 1_000, pollMs: 10 }).awaitOpenTransactions(),
  },
  {
    source: 'idempotency/idempotency.store.ts',
    name: 'PgIdempotencyStore.claim: held by another request',
    args: { ...claim, fingerprint: 'sha256:77d1', now: NOW, leaseMs: 10_000 },
    answers: [{ rows: [] }, { rows: [{ fingerprint: 'sha256:77d1', status: 'IN_PROGRESS', response_status: null, response_body: null, response_content_type: null }] }],
    run: (db, a) => new PgIdempotencyStore(db, a['leaseMs']).claim(claim, a['fingerprint'], a['now']),
  },
  {
    source: 'idempotency/idempotency.store.ts',
    name: 'PgIdempotencyKeyRepository.complete',
    args: { ...claim, token: '5f0c8a43-2f7e-4b7a-9a55-0d6f1c7e2b91', status: 201, body: '{"orderId":4001}', contentType: 'application/json' },
    run: (db, a) => new PgIdempotencyKeyRepository(db).complete({ ...claim, token: a['token'] }, { status: a['status'], body: a['body'], contentType: a['contentType'] }),
  },
  {
    source: 'idempotency/idempotency.store.ts',
    name: 'PgIdempotencyStore.release',
    args: { ...claim, token: '5f0c8a43-2f7e-4b7a-9a55-0d6f1c7e2b91' },
    run: (db, a) => new PgIdempotencyStore(db, 10_000).release({ ...claim, token: a['token'] }),
  },
  {
    source: 'idempotency/idempotency.store.ts',
    name: 'PgIdempotencyStore.purgeCreatedBefore',
    args: { before: NOW },
    run: (db, a) => new PgIdempotencyStore(db, 10_000).purgeCreatedBefore(a['before']),
  },
  {
    source: 'jobs/advisory.lock.ts',
    name: 'runUnderAdvisoryLock',
    args: { key: 7_301_050_001 },
    answers: [{}, { rows: [{ locked: true }] }],
    run: (db, a) => runUnderAdvisoryLock(db, a['key'], () => Promise.resolve()),
  },
  {
    source: 'jobs/lease.lock.ts',
    name: 'runUnderLease: another instance holds it',
    args: { job: 'retention-purge', leaseMs: 600_000 },
    run: (db, a) => runUnderLease(db, a['job'], a['leaseMs'], () => Promise.resolve()),
  },
  {
    source: 'jobs/retention.store.ts',
    name: 'PgRetentionStore.purgeDeliveredEvents',
    args: { before: NOW, limit: 1_000 },
    run: (db, a) => new PgRetentionStore(db).purgeDeliveredEvents(a['before'], a['limit']),
  },
  {
    source: 'jobs/retention.store.ts',
    name: 'PgRetentionStore.purgeIdempotencyKeys',
    args: { before: NOW, limit: 1_000 },
    run: (db, a) => new PgRetentionStore(db).purgeIdempotencyKeys(a['before'], a['limit']),
  },
  {
    source: 'invariants/invariant.checks.ts',
    name: 'checkInvariants',
    args: { maxBalance: MAX_BALANCE, timeZone: 'Asia/Seoul', maxListed: 50 },
    run: (db, a) => checkInvariants(db, { maxBalance: a['maxBalance'], timeZone: a['timeZone'] }),
  },
  {
    source: 'invariants/invariant.auditor.ts',
    name: 'PgInvariantAuditor.audit: incremental from a checkpoint, clean, checkpoint advanced',
    args: { maxBalance: MAX_BALANCE, timeZone: 'Asia/Seoul', maxListed: 50 },
    answers: [
      { rows: [{ balanceHistoryId: 9201, orderId: 4101, refundId: 3101, outboxSeq: 2101, userCouponId: 5101 }] },
      { rows: [{ at: NOW }] },
      { rows: [{ n: 0 }] },
      {
        rows: [
          {
            id: 1,
            checked_at: NOW,
            balance_history_id: 9101,
            order_id: 4001,
            refund_id: 3001,
            outbox_seq: 2001,
            user_coupon_id: 5001,
            units_out: { '8001': 12 },
            coupons_issued: { '6001': 3 },
            aggregated_days: { '2026-11-23': '1795914000000000' },
          },
        ],
      },
      {},
      {},
      { rows: [{ id: 4001 }] },
      // 17 checks, each after setting its statement timeout, and the timeout of the read of the days.
      ...Array.from({ length: 35 }, () => ({})),
      { rows: [{ day: '2026-11-23', stamp: '1795914000000000' }, { day: '2026-11-24', stamp: '1796000400000000' }] },
    ],
    run: async (db, a) => {
      // The statement timeouts are the time left of the budget: frozen, so the snapshot is stable.
      const now = Date.now;
      Date.now = () => NOW.getTime();
      try {
        return await new PgInvariantAuditor(db, { timeZone: a['timeZone'], othersMayWrite: true }).audit({ budgetMs: 10_000, maxBalance: a['maxBalance'], scope: 'incremental' });
      } finally {
        Date.now = now;
      }
    },
  },
];

export const SQL_CATALOGUE: readonly SqlCase[] = [...repositories, ...queries, ...outbox, ...operations];
