import 'reflect-metadata';
import {
  AggregateDailySales,
  BusinessCalendar,
  CancelOrder,
  ChargeBalance,
  CreateCoupon,
  CreateProduct,
  GetBalance,
  GetBalanceHistory,
  GetCoupon,
  GetOrder,
  GetProduct,
  GetTopProducts,
  IssueCoupon,
  ListCoupons,
  ListOrders,
  ListOutboxEvents,
  ListProducts,
  ListUserCoupons,
  ListUserOrders,
  PlaceOrder,
  RefundOrder,
  RetryOutboxEvent,
  SoldOutCoupons,
  GetOutboxEvent,
  ReadEventFeed,
  UpdateProduct,
  type CatalogQueries,
  type Clock,
  type CouponQueries,
  type IdempotencyStore,
  type OrderQueries,
  type OutboxQueries,
  type OutboxRelayStore,
  type SalesQueries,
  type StorefrontPorts,
  type TransactionHorizon,
  type UnitOfWork,
  type WalletQueries,
} from '@storefront/application';
import { Money } from '@storefront/domain';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { CachedCatalogQueries } from './caching/cached-catalog.queries';
import type { AppDependencies, UseCases, WriteUseCases } from './dependencies';

/*
 * The composition root of the HTTP role. Classes in packages/* stay plain (no decorators): every
 * registration here is a factory behind a typed token, so the wiring is explicit and checked by
 * the compiler.
 */

/** A tsyringe token that remembers the type it resolves to. */
export type Token<T> = symbol & { readonly __resolvesTo?: T };
const token = <T>(description: string): Token<T> => Symbol(description);

export function resolve<T>(container: DependencyContainer, key: Token<T>): T {
  return container.resolve<T>(key);
}

function provide<T>(container: DependencyContainer, key: Token<T>, factory: (c: DependencyContainer) => T): void {
  container.register<T>(key, { useFactory: instanceCachingFactory<T>(factory) });
}

export interface HttpSettings {
  jwtSecret: string;
  maxBalance: number;
  businessTimeZone: string;
  readiness: () => Promise<boolean>;
  /** How long a product read may be served from this instance's cache; 0 turns the cache off. */
  productCacheTtlMs: number;
}

export const Tokens = {
  Settings: token<HttpSettings>('HttpSettings'),
  UnitOfWork: token<UnitOfWork>('UnitOfWork'),
  TransactionHorizon: token<TransactionHorizon>('TransactionHorizon'),
  Clock: token<Clock>('Clock'),
  Calendar: token<BusinessCalendar>('BusinessCalendar'),
  ProductCache: token<CachedCatalogQueries | null>('ProductCache'),
  WalletQueries: token<WalletQueries>('WalletQueries'),
  CatalogQueries: token<CatalogQueries>('CatalogQueries'),
  CouponQueries: token<CouponQueries>('CouponQueries'),
  OrderQueries: token<OrderQueries>('OrderQueries'),
  SalesQueries: token<SalesQueries>('SalesQueries'),
  OutboxQueries: token<OutboxQueries>('OutboxQueries'),
  OutboxRelayStore: token<OutboxRelayStore>('OutboxRelayStore'),
  IdempotencyStore: token<IdempotencyStore>('IdempotencyStore'),
  WriteUseCasesOn: token<(transactions: UnitOfWork) => WriteUseCases>('WriteUseCasesOn'),
  UseCases: token<UseCases>('UseCases'),
  AppDependencies: token<AppDependencies>('AppDependencies'),
} as const;

/** Registers the ports, the use cases built on them and the app's dependencies in a fresh child container. */
export function createHttpContainer(ports: StorefrontPorts, settings: HttpSettings): DependencyContainer {
  const c = rootContainer.createChildContainer();
  c.register(Tokens.Settings, { useValue: settings });
  c.register(Tokens.UnitOfWork, { useValue: ports.transactions });
  c.register(Tokens.TransactionHorizon, { useValue: ports.transactionHorizon });
  c.register(Tokens.Clock, { useValue: ports.clock });
  c.register(Tokens.WalletQueries, { useValue: ports.walletQueries });
  c.register(Tokens.CatalogQueries, { useValue: ports.catalogQueries });
  c.register(Tokens.CouponQueries, { useValue: ports.couponQueries });
  c.register(Tokens.OrderQueries, { useValue: ports.orderQueries });
  c.register(Tokens.SalesQueries, { useValue: ports.salesQueries });
  c.register(Tokens.OutboxQueries, { useValue: ports.outboxQueries });
  c.register(Tokens.OutboxRelayStore, { useValue: ports.outboxRelayStore });
  c.register(Tokens.IdempotencyStore, { useValue: ports.idempotencyStore });
  provide(c, Tokens.Calendar, (r) => new BusinessCalendar(resolve(r, Tokens.Settings).businessTimeZone));

  provide(c, Tokens.ProductCache, (r) => {
    const ttl = resolve(r, Tokens.Settings).productCacheTtlMs;
    return ttl > 0 ? new CachedCatalogQueries(resolve(r, Tokens.CatalogQueries), ttl) : null;
  });

  provide(c, Tokens.WriteUseCasesOn, (r) => {
    const clock = resolve(r, Tokens.Clock);
    const cache = resolve(r, Tokens.ProductCache);
    const couponQueries = resolve(r, Tokens.CouponQueries);
    const maxBalance = Money.of(resolve(r, Tokens.Settings).maxBalance);
    // One memory of sold-out coupons for the process, whichever unit of work an issue runs on.
    const soldOut = new SoldOutCoupons();
    return (uow: UnitOfWork): WriteUseCases => {
      const placeOrder = new PlaceOrder(uow, clock);
      const createProduct = new CreateProduct(uow);
      const updateProduct = new UpdateProduct(uow);
      const cancelOrder = new CancelOrder(uow, clock);
      const refundOrder = new RefundOrder(uow, clock);
      return {
        chargeBalance: new ChargeBalance(uow, clock, maxBalance),
        // Writes that change what `GET /products/{id}` answers evict the products they touched.
        createProduct: cache === null ? createProduct : evictingAfter(cache, createProduct, (_, product) => [product.id]),
        updateProduct: cache === null ? updateProduct : evictingAfter(cache, updateProduct, (_, product) => [product.id]),
        createCoupon: new CreateCoupon(uow, clock),
        issueCoupon: new IssueCoupon(uow, couponQueries, clock, soldOut),
        placeOrder: cache === null ? placeOrder : evictingAfter(cache, placeOrder, (_, order) => order.items.map((line) => line.productId)),
        // A cancellation, and a refund that restocks, put units back: their products leave the cache.
        cancelOrder: cache === null ? cancelOrder : evictingAfter(cache, cancelOrder, (_, order) => order.items.map((line) => line.productId)),
        refundOrder:
          cache === null ? refundOrder : evictingAfter(cache, refundOrder, (_, refund) => (refund.restocked ? refund.items.map((line) => line.productId) : [])),
      };
    };
  });

  provide(c, Tokens.UseCases, (r) => {
    const uow = resolve(r, Tokens.UnitOfWork);
    const clock = resolve(r, Tokens.Clock);
    const calendar = resolve(r, Tokens.Calendar);
    const cache = resolve(r, Tokens.ProductCache);
    const catalog = cache ?? resolve(r, Tokens.CatalogQueries);
    return {
      ...resolve(r, Tokens.WriteUseCasesOn)(uow),
      getBalance: new GetBalance(resolve(r, Tokens.WalletQueries), clock),
      getBalanceHistory: new GetBalanceHistory(resolve(r, Tokens.WalletQueries)),
      listProducts: new ListProducts(catalog),
      getProduct: new GetProduct(catalog),
      getTopProducts: new GetTopProducts(resolve(r, Tokens.SalesQueries), calendar, clock),
      getCoupon: new GetCoupon(resolve(r, Tokens.CouponQueries)),
      listUserCoupons: new ListUserCoupons(resolve(r, Tokens.CouponQueries), clock),
      getOrder: new GetOrder(resolve(r, Tokens.OrderQueries)),
      listUserOrders: new ListUserOrders(resolve(r, Tokens.OrderQueries)),
      aggregateDailySales: new AggregateDailySales(uow, calendar, resolve(r, Tokens.TransactionHorizon)),
      listOutboxEvents: new ListOutboxEvents(resolve(r, Tokens.OutboxQueries)),
      retryOutboxEvent: new RetryOutboxEvent(resolve(r, Tokens.OutboxRelayStore)),
      listOrders: new ListOrders(resolve(r, Tokens.OrderQueries)),
      listCoupons: new ListCoupons(resolve(r, Tokens.CouponQueries)),
      getOutboxEvent: new GetOutboxEvent(resolve(r, Tokens.OutboxQueries)),
      readEventFeed: new ReadEventFeed(resolve(r, Tokens.OutboxQueries)),
    };
  });

  provide(c, Tokens.AppDependencies, (r) => {
    const settings = resolve(r, Tokens.Settings);
    return {
      useCases: resolve(r, Tokens.UseCases),
      idempotency: resolve(r, Tokens.IdempotencyStore),
      transactions: resolve(r, Tokens.UnitOfWork),
      writeUseCasesOn: resolve(r, Tokens.WriteUseCasesOn),
      clock: resolve(r, Tokens.Clock),
      jwtSecret: settings.jwtSecret,
      readiness: settings.readiness,
    };
  });
  return c;
}

/** Wraps a write use case so that, once it succeeded, the products it touched leave the cache. */
function evictingAfter<I, O>(
  cache: CachedCatalogQueries,
  useCase: { execute(input: I): Promise<O> },
  touched: (input: I, output: O) => Iterable<number>,
): { execute(input: I): Promise<O> } {
  return {
    async execute(input: I): Promise<O> {
      cache.beginWrite();
      const output = await useCase.execute(input);
      cache.evict(touched(input, output));
      return output;
    },
  };
}

/** The dependencies of `buildApp`, wired from ports: what tests and the HTTP role both use. */
export function appDependencies(ports: StorefrontPorts, settings: HttpSettings): AppDependencies {
  return resolve(createHttpContainer(ports, settings), Tokens.AppDependencies);
}
