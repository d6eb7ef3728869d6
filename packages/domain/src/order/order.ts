import type { Discount } from '../coupon/discount';
import { DomainError, ErrorCode, invalid } from '../shared/domain-error';
import { requireId, type OrderId, type ProductId, type UserCouponId, type UserId } from '../shared/ids';
import { Money } from '../shared/money';
import { Quantity } from '../shared/quantity';

export const MAX_ORDER_LINES = 50;

export type OrderStatus = 'PAID';

export interface OrderLine {
  productId: ProductId;
  name: string;
  unitPrice: number;
  quantity: number;
  amount: number;
}

export interface OrderPrimitives {
  id: OrderId;
  userId: UserId;
  status: OrderStatus;
  lines: OrderLine[];
  totalAmount: number;
  discountAmount: number;
  paidAmount: number;
  userCouponId: UserCouponId | null;
  createdAt: Date;
}

/** What the shopper asked for: a product and how many. */
export interface RequestedLine {
  productId: ProductId;
  quantity: number;
}

/** The product as priced when the order is placed; the line keeps this snapshot. */
export interface PricedProduct {
  id: ProductId;
  name: string;
  price: Money;
}

export interface PlaceOrder {
  id: OrderId;
  userId: UserId;
  lines: ReadonlyArray<{ product: PricedProduct; quantity: Quantity }>;
  coupon: { userCouponId: UserCouponId; discount: Discount } | null;
  now: Date;
}

/**
 * A paid order. Its totals are computed once, here: total = Σ unit price × quantity,
 * discount ≤ total, paid = total − discount ≥ 0.
 */
export class Order {
  private constructor(private readonly p: OrderPrimitives) {}

  /**
   * Checks the shape of a request before anything is read or locked: 1..50 lines, distinct
   * products, quantities 1..1000. Returns the lines sorted by product id, the global lock order.
   */
  static validateRequest(lines: readonly RequestedLine[]): Array<{ productId: ProductId; quantity: Quantity }> {
    if (lines.length < 1 || lines.length > MAX_ORDER_LINES) {
      throw invalid(`an order has 1 to ${MAX_ORDER_LINES} lines, got ${lines.length}`);
    }
    const seen = new Set<ProductId>();
    for (const line of lines) {
      requireId(line.productId, 'productId');
      if (seen.has(line.productId)) throw invalid(`product ${line.productId} appears twice in the order`);
      seen.add(line.productId);
    }
    return lines
      .map((line) => ({ productId: line.productId, quantity: Quantity.of(line.quantity) }))
      .sort((a, b) => a.productId - b.productId);
  }

  static place(input: PlaceOrder): Order {
    Order.validateRequest(input.lines.map((l) => ({ productId: l.product.id, quantity: l.quantity.value })));
    const lines = input.lines.map(({ product, quantity }) => ({
      productId: product.id,
      name: product.name,
      unitPrice: product.price.won,
      quantity: quantity.value,
      amount: product.price.times(quantity.value).won,
    }));
    const total = lines.reduce((sum, line) => sum.plus(Money.of(line.amount)), Money.ZERO);
    const discount = input.coupon ? input.coupon.discount.amountOff(total).min(total) : Money.ZERO;
    return new Order({
      id: requireId(input.id, 'orderId'),
      userId: requireId(input.userId, 'userId'),
      status: 'PAID',
      lines,
      totalAmount: total.won,
      discountAmount: discount.won,
      paidAmount: total.minus(discount).won,
      userCouponId: input.coupon?.userCouponId ?? null,
      createdAt: input.now,
    });
  }

  static fromPrimitives(p: OrderPrimitives): Order {
    return new Order({ ...p, lines: p.lines.map((l) => ({ ...l })) });
  }

  get id(): OrderId {
    return this.p.id;
  }

  get userId(): UserId {
    return this.p.userId;
  }

  get paidAmount(): Money {
    return Money.of(this.p.paidAmount);
  }

  get lines(): readonly OrderLine[] {
    return this.p.lines;
  }

  isOwnedBy(userId: UserId): boolean {
    return this.p.userId === userId;
  }

  toPrimitives(): OrderPrimitives {
    return { ...this.p, lines: this.p.lines.map((l) => ({ ...l })) };
  }
}

export function orderNotFound(orderId: OrderId): DomainError {
  return new DomainError(ErrorCode.OrderNotFound, `Order ${orderId} does not exist`, { orderId });
}
