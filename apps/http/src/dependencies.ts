import type {
  AggregateDailySales,
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
  ListOutboxEvents,
  ListProducts,
  ListUserCoupons,
  ListUserOrders,
  PlaceOrder,
  RetryOutboxEvent,
  UpdateProduct,
} from '@storefront/application';

/** Every use case the HTTP API calls; each route calls exactly one. */
export interface UseCases {
  getBalance: GetBalance;
  chargeBalance: ChargeBalance;
  getBalanceHistory: GetBalanceHistory;
  listProducts: ListProducts;
  getProduct: GetProduct;
  getTopProducts: GetTopProducts;
  createProduct: CreateProduct;
  updateProduct: UpdateProduct;
  createCoupon: CreateCoupon;
  getCoupon: GetCoupon;
  issueCoupon: IssueCoupon;
  listUserCoupons: ListUserCoupons;
  placeOrder: PlaceOrder;
  getOrder: GetOrder;
  listUserOrders: ListUserOrders;
  aggregateDailySales: AggregateDailySales;
  listOutboxEvents: ListOutboxEvents;
  retryOutboxEvent: RetryOutboxEvent;
}

/** What `buildApp` needs: a pure function of these, so tests inject in-memory or PostgreSQL ones. */
export interface AppDependencies {
  useCases: UseCases;
  /** Shared by every instance: PostgreSQL in production, never process memory. */
  idempotency: IdempotencyStore;
  clock: Clock;
  /** HS256 secret of the identity provider's tokens; also keys the page cursors' signatures. */
  jwtSecret: string;
  /** True when the database answers (in time); never throws. */
  readiness: () => Promise<boolean>;
}
