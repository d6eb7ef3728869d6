import { CancelOrder, ChargeBalance, ContendedUnits, CreateProduct, NO_PRODUCT_CACHE, PlaceOrder, RefundOrder, type Clock, type OrderView, type RefundView } from '@storefront/application';
import { KyselyUnitOfWork, SystemClock, type Database } from '@storefront/adapters';
import { Money } from '@storefront/domain';

export const MAX_BALANCE = 10_000_000;

/** A small shop on a test database, driven through the real use cases and unit of work. */
export class TestShop {
  readonly transactions: KyselyUnitOfWork;
  private readonly placeOrder: PlaceOrder;

  constructor(
    readonly database: Database,
    readonly clock: Clock = new SystemClock(),
  ) {
    this.transactions = new KyselyUnitOfWork(database.db);
    this.placeOrder = new PlaceOrder(this.transactions, clock, NO_PRODUCT_CACHE, new ContendedUnits());
  }

  async addProducts(prices: number[], stock = 10_000): Promise<number[]> {
    const create = new CreateProduct(this.transactions, NO_PRODUCT_CACHE);
    const ids: number[] = [];
    for (const [i, price] of prices.entries()) ids.push((await create.execute({ name: `Product ${i + 1}`, price, stock })).id);
    return ids;
  }

  async fund(userIds: number[], amount = 1_000_000): Promise<void> {
    const charge = new ChargeBalance(this.transactions, this.clock, Money.of(MAX_BALANCE));
    for (const userId of userIds) await charge.execute({ userId, amount });
  }

  order(userId: number, items: { productId: number; quantity: number }[]): Promise<OrderView> {
    return this.placeOrder.execute({ userId, items, userCouponId: null });
  }

  cancel(orderId: number): Promise<OrderView> {
    return new CancelOrder(this.transactions, this.clock, NO_PRODUCT_CACHE).execute({ orderId, actor: { userId: 0, isAdmin: true }, reason: null });
  }

  refund(orderId: number, items: { productId: number; quantity: number }[]): Promise<RefundView> {
    return new RefundOrder(this.transactions, this.clock, NO_PRODUCT_CACHE).execute({ orderId, items, restock: true, reason: null });
  }
}
