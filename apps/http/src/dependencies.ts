import type {
  AggregateDailySales,
  AuditInvariants,
  CancelOrder,
  ChargeBalance,
  Clock,
  ContendedUnits,
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

/*
 * The one list of the use cases the HTTP API calls, each route exactly one. The composition root
 * builds objects of these two types (the compiler refuses one too many or too few); routes and
 * the idempotency guard read them.
 */

/** What a route needs of a use case: its `execute`. */
type UseCase<T extends { execute: unknown }> = Pick<T, 'execute'>;

/** The use cases of the routes that take an Idempotency-Key: built again per keyed request, on a unit of work that completes its key. */
export interface WriteUseCases {
  chargeBalance: UseCase<ChargeBalance>;
  createProduct: UseCase<CreateProduct>;
  updateProduct: UseCase<UpdateProduct>;
  createCoupon: UseCase<CreateCoupon>;
  issueCoupon: UseCase<IssueCoupon>;
  placeOrder: UseCase<PlaceOrder>;
  cancelOrder: UseCase<CancelOrder>;
  refundOrder: UseCase<RefundOrder>;
}

/** Every other use case: built once per app. */
export interface SharedUseCases {
  getBalance: UseCase<GetBalance>;
  getBalanceHistory: UseCase<GetBalanceHistory>;
  listProducts: UseCase<ListProducts>;
  getProduct: UseCase<GetProduct>;
  getTopProducts: UseCase<GetTopProducts>;
  getCoupon: UseCase<GetCoupon>;
  listUserCoupons: UseCase<ListUserCoupons>;
  listCoupons: UseCase<ListCoupons>;
  getOrder: UseCase<GetOrder>;
  listUserOrders: UseCase<ListUserOrders>;
  listOrders: UseCase<ListOrders>;
  aggregateDailySales: UseCase<AggregateDailySales>;
  auditInvariants: UseCase<AuditInvariants>;
  listOutboxEvents: UseCase<ListOutboxEvents>;
  getOutboxEvent: UseCase<GetOutboxEvent>;
  retryOutboxEvent: UseCase<RetryOutboxEvent>;
  readEventFeed: UseCase<ReadEventFeed>;
}

/** Every use case the HTTP API calls. */
export type UseCases = WriteUseCases & SharedUseCases;

/** What `buildApp` needs: the composition root (`composeHttp`) builds it, for the HTTP role and for tests alike. */
export interface AppDependencies {
  useCases: UseCases;
  /** Shared by every instance: PostgreSQL in production, never process memory. */
  idempotency: IdempotencyStore;
  /** The shared unit of work, which a keyed request's own unit of work wraps. */
  transactions: UnitOfWork;
  /** The write use cases on a given unit of work. */
  writeUseCasesOn: (transactions: UnitOfWork) => WriteUseCases;
  clock: Clock;
  /** HS256 secret of the identity provider's tokens; also keys the page cursors' signatures. */
  jwtSecret: string;
  /** True when the database answers (in time); never throws. */
  readiness: () => Promise<boolean>;
  /** The process's admission gate of contended units, whose figures GET /metrics shows. */
  admissionGate: Pick<ContendedUnits, 'figures'>;
}
