import {
  AggregateDailySales,
  BusinessCalendar,
  CancelOrder,
  CatchUpDailySales,
  ChargeBalance,
  ContendedUnits,
  CreateCoupon,
  CreateProduct,
  GetBalance,
  GetBalanceHistory,
  GetCoupon,
  GetOrder,
  GetProduct,
  GetTopProducts,
  IssueCoupon,
  ListProducts,
  ListUserCoupons,
  ListUserOrders,
  PlaceOrder,
  RefundOrder,
  NO_PRODUCT_CACHE,
  SharedReads,
  SoldOutCoupons,
  UpdateProduct,
  type Clock,
  type CreateCouponInput,
  type CreateProductInput,
} from '@storefront/application';
import { aCoupon, aProduct, ManualClock } from '@storefront/application/testing';
import { Money } from '@storefront/domain';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/database.schema';
import { checkInvariants, type InvariantReport } from '../../src/invariants/invariant.checks';
import { PgCatalogQueries } from '../../src/queries/catalog.queries';
import { PgCouponQueries } from '../../src/queries/coupon.queries';
import { PgOrderQueries } from '../../src/queries/order.queries';
import { PgSalesQueries } from '../../src/queries/sales.queries';
import { PgWalletQueries } from '../../src/queries/wallet.queries';
import { KyselyUnitOfWork } from '../../src/unit-of-work/kysely.unit-of-work';
import { PgTransactionHorizon } from '../../src/unit-of-work/transaction.horizon';

/** Where the clock of `storefrontOn` starts when a test gives none: a fixed instant, so failures reproduce. */
const DEFAULT_NOW = '2025-03-10T03:00:00.000Z';

export const MAX_BALANCE = 10_000_000;
export const TIME_ZONE = 'Asia/Seoul';

/** Every use case, wired to the Kysely adapters on `db`, as the composition roots wire them. */
export function storefrontOn(db: Kysely<DB>, options: { clock?: Clock; maxBalance?: number } = {}) {
  const clock = options.clock ?? new ManualClock(DEFAULT_NOW);
  const maxBalance = options.maxBalance ?? MAX_BALANCE;
  const uow = new KyselyUnitOfWork(db);
  // One gate for the whole storefront, as the composition root has one per process.
  const contended = new ContendedUnits();
  const calendar = new BusinessCalendar(TIME_ZONE);
  const queries = {
    wallets: new PgWalletQueries(db),
    catalog: new PgCatalogQueries(db),
    coupons: new PgCouponQueries(db),
    orders: new PgOrderQueries(db),
    sales: new PgSalesQueries(db),
  };
  const aggregateDailySales = new AggregateDailySales(uow, calendar, new PgTransactionHorizon(db, { timeoutMs: 30_000, pollMs: 20 }));
  return {
    db,
    clock,
    calendar,
    uow,
    queries,
    chargeBalance: new ChargeBalance(uow, clock, Money.of(maxBalance)),
    getBalance: new GetBalance(queries.wallets, clock),
    getBalanceHistory: new GetBalanceHistory(queries.wallets),
    createProduct: new CreateProduct(uow, NO_PRODUCT_CACHE),
    updateProduct: new UpdateProduct(uow, NO_PRODUCT_CACHE),
    getProduct: new GetProduct(queries.catalog),
    listProducts: new ListProducts(queries.catalog),
    createCoupon: new CreateCoupon(uow, clock),
    getCoupon: new GetCoupon(queries.coupons),
    issueCoupon: new IssueCoupon(uow, queries.coupons, clock, new SoldOutCoupons(), contended, new SharedReads()),
    listUserCoupons: new ListUserCoupons(queries.coupons, clock),
    placeOrder: new PlaceOrder(uow, clock, NO_PRODUCT_CACHE, contended),
    contended,
    cancelOrder: new CancelOrder(uow, clock, NO_PRODUCT_CACHE),
    refundOrder: new RefundOrder(uow, clock, NO_PRODUCT_CACHE),
    getOrder: new GetOrder(queries.orders),
    listUserOrders: new ListUserOrders(queries.orders),
    aggregateDailySales,
    catchUpDailySales: new CatchUpDailySales(queries.sales, aggregateDailySales, calendar, clock),
    getTopProducts: new GetTopProducts(queries.sales, calendar, clock),

    /** The fixture family's product and coupon (`@storefront/application/testing`), created by the use cases; `fields` replace defaults. */
    aProduct: (fields: Partial<CreateProductInput> = {}) => new CreateProduct(uow, NO_PRODUCT_CACHE).execute({ ...aProduct().build(), ...fields }),
    aCoupon: (fields: Partial<CreateCouponInput> = {}) => new CreateCoupon(uow, clock).execute({ ...aCoupon().build(), ...fields }),
    invariants: (): Promise<InvariantReport> => checkInvariants(db, { maxBalance, timeZone: TIME_ZONE }),
  };
}

export type Storefront = ReturnType<typeof storefrontOn>;

/** Settles every promise and counts outcomes by error code ('ok' for a success). */
export async function settleAll<T>(runs: Array<Promise<T>>): Promise<{ values: T[]; codes: Record<string, number> }> {
  const results = await Promise.allSettled(runs);
  const codes: Record<string, number> = {};
  const values: T[] = [];
  for (const result of results) {
    const code = result.status === 'fulfilled' ? 'ok' : errorCode(result.reason);
    codes[code] = (codes[code] ?? 0) + 1;
    if (result.status === 'fulfilled') values.push(result.value);
  }
  return { values, codes };
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code);
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
