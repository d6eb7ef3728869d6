import type {
  AggregateDailySales,
  CancelOrder,
  ChargeBalance,
  Clock,
  CreateCoupon,
  CreateProduct,
  GetBalance,
  GetBalanceHistory,
  GetCoupon,
  GetOrder,
  GetProduct,
  GetTopProducts,
  IdempotencyStore,
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
  UnitOfWork,
  GetOutboxEvent,
  ReadEventFeed,
  UpdateProduct,
} from '@storefront/application';

/** What a route needs of a use case: its `execute`, so the composition root may decorate it. */
type UseCase<T extends { execute: unknown }> = Pick<T, 'execute'>;

/** Every use case the HTTP API calls; each route calls exactly one. */
export interface UseCases {
  getBalance: UseCase<GetBalance>;
  chargeBalance: UseCase<ChargeBalance>;
  getBalanceHistory: UseCase<GetBalanceHistory>;
  listProducts: UseCase<ListProducts>;
  getProduct: UseCase<GetProduct>;
  getTopProducts: UseCase<GetTopProducts>;
  createProduct: UseCase<CreateProduct>;
  updateProduct: UseCase<UpdateProduct>;
  createCoupon: UseCase<CreateCoupon>;
  getCoupon: UseCase<GetCoupon>;
  issueCoupon: UseCase<IssueCoupon>;
  listUserCoupons: UseCase<ListUserCoupons>;
  placeOrder: UseCase<PlaceOrder>;
  getOrder: UseCase<GetOrder>;
  listUserOrders: UseCase<ListUserOrders>;
  aggregateDailySales: UseCase<AggregateDailySales>;
  listOutboxEvents: UseCase<ListOutboxEvents>;
  retryOutboxEvent: UseCase<RetryOutboxEvent>;
  cancelOrder: UseCase<CancelOrder>;
  refundOrder: UseCase<RefundOrder>;
  listOrders: UseCase<ListOrders>;
  listCoupons: UseCase<ListCoupons>;
  getOutboxEvent: UseCase<GetOutboxEvent>;
  readEventFeed: UseCase<ReadEventFeed>;
}

/** The use cases of the mutating routes: built per keyed request on a unit of work that completes its key. */
export type WriteUseCases = Pick<UseCases, 'chargeBalance' | 'placeOrder' | 'issueCoupon' | 'createProduct' | 'updateProduct' | 'createCoupon' | 'cancelOrder' | 'refundOrder'>;

/** What `buildApp` needs: a pure function of these, so tests inject in-memory or PostgreSQL ones. */
export interface AppDependencies {
  useCases: UseCases;
  /** Shared by every instance: PostgreSQL in production, never process memory. */
  idempotency: IdempotencyStore;
  /** The shared unit of work, which a keyed request's own unit of work wraps. */
  transactions: UnitOfWork;
  /** The write use cases on a given unit of work (the composition root's factory). */
  writeUseCasesOn: (transactions: UnitOfWork) => WriteUseCases;
  clock: Clock;
  /** HS256 secret of the identity provider's tokens; also keys the page cursors' signatures. */
  jwtSecret: string;
  /** True when the database answers (in time); never throws. */
  readiness: () => Promise<boolean>;
}
