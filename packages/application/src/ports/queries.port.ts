import type { OrderEventType } from '../events/order-event';
import type { EventFeedPage, OutboxEventDetail } from './event-views';
import type { OrderStatus } from '@storefront/domain';
import type { Page, PageRequest } from './pagination';
import type {
  BalanceHistoryEntryView,
  BalanceView,
  CouponView,
  OrderView,
  OutboxEventView,
  OutboxStatus,
  ProductView,
  TopProductView,
  UserCouponView,
} from './views';

/*
 * Read-only queries, answered from committed data outside any unit of work: no locks, no
 * transaction round trips on the hot read paths.
 */

export interface WalletQueries {
  balanceOf(userId: number): Promise<BalanceView | null>;
  /** Newest first; the page key is the history entry's sequence number. */
  historyOf(userId: number, page: PageRequest): Promise<Page<BalanceHistoryEntryView>>;
}

export interface CatalogQueries {
  productById(productId: number): Promise<ProductView | null>;
  /** Ordered by id. */
  products(page: PageRequest): Promise<Page<ProductView>>;
}

export interface CouponQueries {
  couponById(couponId: number): Promise<CouponView | null>;
  /** Every coupon, newest first. */
  coupons(page: PageRequest): Promise<Page<CouponView>>;
  /**
   * The coupon with the committed number of units left (which only ever goes down) and whether
   * `userId` already holds a copy, in one read: how an issue of a sold-out coupon whose holders
   * this process does not remember tells COUPON_ALREADY_ISSUED from COUPON_SOLD_OUT.
   */
  couponSeenBy(couponId: number, userId: number): Promise<(CouponView & { heldByUser: boolean }) | null>;
  /** The users who hold a copy of the coupon. */
  holdersOf(couponId: number): Promise<number[]>;
  /** Newest first. EXPIRED is derived from `now` for unused copies past their date. */
  userCouponsOf(userId: number, page: PageRequest, now: Date): Promise<Page<UserCouponView>>;
}

export interface OrderQueries {
  orderById(orderId: number): Promise<OrderView | null>;
  /** Newest first. */
  ordersOf(userId: number, page: PageRequest): Promise<Page<OrderView>>;
  /** Every order matching the filter (both parts optional), newest first: the admin's list. */
  orders(filter: OrderFilter, page: PageRequest): Promise<Page<OrderView>>;
}

export interface OrderFilter {
  status: OrderStatus | null;
  userId: number | null;
}

export interface SalesQueries {
  /** Best sellers over the business days [fromDay, toDay], read from the daily statistics only. */
  topProducts(fromDay: string, toDay: string, limit: number): Promise<TopProductView[]>;
  /**
   * The last business day aggregated after it had ended (a run for today's partial day does
   * not count), or null if none was.
   */
  lastCompletedDay(): Promise<string | null>;
}

export interface OutboxQueries {
  events(status: OutboxStatus, page: PageRequest): Promise<Page<OutboxEventView>>;
  /** One event and its delivery log; null for an unknown (or malformed) id. */
  event(eventId: string): Promise<OutboxEventDetail | null>;
  /**
   * The replay feed: events with a sequence above `after`, ascending, `type` only if given. It
   * never skips: an event is served only once no event with a lower sequence can still commit.
   */
  feed(after: number, limit: number, type: OrderEventType | null): Promise<EventFeedPage>;
}
