import {
  Order,
  outOfStock,
  productNotFound,
  requireId,
  userCouponNotUsable,
  type Discount,
  type Quantity,
  type RequestedLine,
  type UserCoupon,
} from '@storefront/domain';
import type { Clock, OrderView, ProductCache, TransactionScope, UnitOfWork } from '../../ports';
import { productStockKey, type ContendedUnits } from '../../support/contended-units';
import { orderView } from '../../support/views.mapper';

export interface PlaceOrderInput {
  userId: number;
  items: RequestedLine[];
  userCouponId: number | null;
}

/**
 * Places and pays an order, all or nothing, in one transaction: stock decreased for every line,
 * the coupon (if any) used, the wallet debited with a PAYMENT history row, and one `order.paid`
 * event written to the outbox for the relay to deliver after commit.
 *
 * The order of the steps is the concurrency design:
 * 1. read the products without locks and refuse early (unknown product, not enough stock);
 * 2. lock the user's own rows — the wallet, then the user coupon;
 * 3. compute the totals in the domain, debit, write the order, history and outbox rows;
 * 4. last, take the stock of each product at commit (`takeStockAtCommit`), in ascending id
 *    order — the stock of a popular product is locked only while the commit runs, and always
 *    in the same global order, so no two orders can deadlock. Stock sold out since step 1 fails
 *    the commit with OUT_OF_STOCK, and nothing of the order is kept.
 * Prices are those read in step 1, in this same transaction: what the shopper was shown.
 *
 * Around the transaction stands this process's gate of contended units (`ContendedUnits`), told
 * each product's stock by step 1: in a flash sale, once the orders in progress here hold all the
 * stock read, a latecomer waits in memory (no connection held) instead of opening a transaction
 * that can only fail, then tries again. It only delays; the stock taken at commit decides.
 */
export class PlaceOrder {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly clock: Clock,
    /** Told which products' stock the order took, once it committed. */
    private readonly productCache: ProductCache,
    /** This process's admission gate of contended units, shared by every use case of the process. */
    private readonly contended: ContendedUnits,
  ) {}

  async execute(input: PlaceOrderInput): Promise<OrderView> {
    const userId = requireId(input.userId, 'userId');
    const requested = Order.validateRequest(input.items);
    const userCouponId = input.userCouponId === null ? null : requireId(input.userCouponId, 'userCouponId');

    const claims = requested.map((line) => ({ key: productStockKey(line.productId), units: line.quantity.value }));
    const placed = await this.contended.through(() => ({ claims }), () => this.placeAndPay(userId, requested, userCouponId));
    this.productCache.evict(placed.items.map((line) => line.productId));
    return placed;
  }

  /**
   * Steps 1–4, in one transaction. The products' read opens it (`beginWithFirstStatement`): the
   * clock is read only after it. Every write of steps 3 and 4 needs no answer (the ids come with
   * the wallet's lock), so a store may send them all with the commit.
   */
  private placeAndPay(userId: number, requested: Array<{ productId: number; quantity: Quantity }>, userCouponId: number | null): Promise<OrderView> {
    this.productCache.beginWrite();
    return this.transactions.run(
      async (tx) => {
        const products = await tx.products.findByIds(requested.map((line) => line.productId));
        const now = this.clock.now();
        for (const product of products) this.contended.observe(productStockKey(product.id), product.stock);
        const lines = requested.map(({ productId, quantity }) => {
          const product = products.find((p) => p.id === productId);
          if (!product) throw productNotFound(productId);
          if (!product.hasInStock(quantity)) throw outOfStock(productId, quantity.value, product.stock);
          return { product: { id: product.id, name: product.name, price: product.price }, quantity };
        });

        const { wallet, orderId, paymentId } = await tx.wallets.lockForOrder(userId, now);
        const coupon = userCouponId === null ? null : await this.useCoupon(tx, userCouponId, userId, now);

        const order = Order.place({ id: orderId, userId, lines, coupon: coupon && { userCouponId: coupon.userCoupon.id, discount: coupon.discount }, now });
        const payment = wallet.pay(order.paidAmount, now);
        await tx.orders.add(order);
        await tx.wallets.addPayment(payment, order.id, paymentId);
        const view = orderView(order);
        await tx.outbox.append({ type: 'order.paid', occurredAt: now, data: view });

        for (const { product, quantity } of lines) await tx.products.takeStockAtCommit(product.id, quantity.value);
        return view;
      },
      { beginWithFirstStatement: true },
    );
  }

  private async useCoupon(
    tx: TransactionScope,
    userCouponId: number,
    userId: number,
    now: Date,
  ): Promise<{ userCoupon: UserCoupon; discount: Discount }> {
    const userCoupon = await tx.userCoupons.lockById(userCouponId);
    if (!userCoupon) throw userCouponNotUsable(userCouponId);
    return { userCoupon, discount: userCoupon.useFor(userId, now) };
  }
}
