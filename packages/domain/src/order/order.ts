import type { Discount } from '../coupon/discount';
import { DomainError, ErrorCode, invalid } from '../shared/domain-error';
import { requireId, type OrderId, type ProductId, type UserCouponId, type UserId } from '../shared/ids';
import { Money } from '../shared/money';
import { Quantity } from '../shared/quantity';
import { refundShare, splitPaidAmount } from './paid-shares';

export const MAX_ORDER_LINES = 50;
/** The longest reason a cancellation or a refund may give. */
export const MAX_REASON_LENGTH = 500;

/** PAID → PARTIALLY_REFUNDED → REFUNDED, or PAID → CANCELLED. */
export const ORDER_STATUSES = ['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderLine {
  productId: ProductId;
  name: string;
  unitPrice: number;
  quantity: number;
  /** unitPrice × quantity, the list price of the line. */
  amount: number;
  /** The line's share of the order's paid amount, fixed when the order is placed. */
  paidAmount: number;
  /** Units given back so far, by refunds or by the cancellation. */
  refundedQuantity: number;
}

export interface RefundLine {
  productId: ProductId;
  quantity: number;
  amount: number;
}

export interface RefundPrimitives {
  id: number;
  orderId: OrderId;
  lines: RefundLine[];
  amount: number;
  /** Whether the refunded units went back into stock. */
  restocked: boolean;
  reason: string | null;
  createdAt: Date;
}

export interface OrderPrimitives {
  id: OrderId;
  userId: UserId;
  status: OrderStatus;
  lines: OrderLine[];
  totalAmount: number;
  discountAmount: number;
  paidAmount: number;
  /** Money given back so far: the sum of the refunds, or the whole paid amount once cancelled. */
  refundedAmount: number;
  userCouponId: UserCouponId | null;
  /** The refunds, oldest first. A cancellation is not a refund: it has none. */
  refunds: RefundPrimitives[];
  createdAt: Date;
  cancelledAt: Date | null;
  cancelReason: string | null;
}

export interface RefundRequest {
  refundId: number;
  /** Distinct products of the order, 1..1000 units each. */
  items: readonly RequestedLine[];
  restock: boolean;
  reason: string | null;
  now: Date;
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

/** What `Order.place` takes: the new id, the buyer, the priced lines, the coupon and its discount, the time. */
export interface OrderPlacement {
  id: OrderId;
  userId: UserId;
  lines: ReadonlyArray<{ product: PricedProduct; quantity: Quantity }>;
  coupon: { userCouponId: UserCouponId; discount: Discount } | null;
  now: Date;
}

/**
 * An order and its lifecycle. Its totals are computed once, when it is placed: total = Σ unit
 * price × quantity, discount ≤ total, paid = total − discount ≥ 0, and paid is split over the
 * lines. Afterwards only `cancel` and `refund` change it, and each guards its own rules.
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

  static place(input: OrderPlacement): Order {
    Order.validateRequest(input.lines.map((l) => ({ productId: l.product.id, quantity: l.quantity.value })));
    const priced = input.lines.map(({ product, quantity }) => ({
      productId: product.id,
      name: product.name,
      unitPrice: product.price.won,
      quantity: quantity.value,
      amount: product.price.times(quantity.value).won,
    }));
    const total = priced.reduce((sum, line) => sum.plus(Money.of(line.amount)), Money.ZERO);
    const discount = input.coupon ? input.coupon.discount.amountOff(total).min(total) : Money.ZERO;
    const paid = total.minus(discount);
    const shares = splitPaidAmount(priced, paid.won);
    return new Order({
      id: requireId(input.id, 'orderId'),
      userId: requireId(input.userId, 'userId'),
      status: 'PAID',
      lines: priced.map((line, index) => ({ ...line, paidAmount: shares[index] ?? 0, refundedQuantity: 0 })),
      totalAmount: total.won,
      discountAmount: discount.won,
      paidAmount: paid.won,
      refundedAmount: 0,
      userCouponId: input.coupon?.userCouponId ?? null,
      refunds: [],
      createdAt: input.now,
      cancelledAt: null,
      cancelReason: null,
    });
  }

  static fromPrimitives(p: OrderPrimitives): Order {
    return new Order(copyOf(p));
  }

  /** A reason as given by a shopper or an admin: trimmed, blank is none, at most 500 characters. */
  static validReason(reason: string | null | undefined): string | null {
    const trimmed = reason?.trim() ?? '';
    if (trimmed.length > MAX_REASON_LENGTH) throw invalid(`reason must be at most ${MAX_REASON_LENGTH} characters`);
    return trimmed === '' ? null : trimmed;
  }

  /**
   * Undoes a PAID order that has no refunds: every unit and the whole paid amount go back. The
   * caller restores the stock of every line, credits the paid amount and frees the coupon.
   */
  cancel(now: Date, reason: string | null): void {
    if (this.p.status !== 'PAID' || this.p.refunds.length > 0) {
      throw new DomainError(ErrorCode.OrderNotCancellable, `Order ${this.p.id} is ${this.p.status} and can no longer be cancelled`, {
        orderId: this.p.id,
        status: this.p.status,
      });
    }
    const validReason = Order.validReason(reason);
    this.p.status = 'CANCELLED';
    this.p.cancelledAt = now;
    this.p.cancelReason = validReason;
    this.p.refundedAmount = this.p.paidAmount;
    for (const line of this.p.lines) line.refundedQuantity = line.quantity;
  }

  /**
   * Gives back some units of some lines of a PAID or PARTIALLY_REFUNDED order. Each unit returns
   * its exact share of its line's paid amount (see `refundShare`), so that refunding every unit,
   * in any number of steps, returns exactly what was paid. Checks everything before it changes
   * anything: a refused refund leaves the order as it was.
   */
  refund(request: RefundRequest): RefundPrimitives {
    if (this.p.status !== 'PAID' && this.p.status !== 'PARTIALLY_REFUNDED') {
      throw new DomainError(ErrorCode.OrderNotRefundable, `Order ${this.p.id} is ${this.p.status}: nothing is left to refund`, {
        orderId: this.p.id,
        status: this.p.status,
      });
    }
    const requested = Order.validateRequest(request.items);
    const reason = Order.validReason(request.reason);
    const refundLines = requested.map(({ productId, quantity }) => {
      const line = this.p.lines.find((l) => l.productId === productId);
      const left = line ? line.quantity - line.refundedQuantity : 0;
      if (!line || quantity.value > left) {
        throw new DomainError(
          ErrorCode.RefundExceedsOrder,
          line
            ? `Order ${this.p.id} has ${left} unit(s) of product ${productId} left to refund, not ${quantity.value}`
            : `Order ${this.p.id} has no line of product ${productId}`,
          { orderId: this.p.id, productId, refundable: left },
        );
      }
      return { line, quantity: quantity.value, amount: refundShare(line.paidAmount, line.quantity, line.refundedQuantity, quantity.value) };
    });

    for (const { line, quantity } of refundLines) line.refundedQuantity += quantity;
    const refund: RefundPrimitives = {
      id: requireId(request.refundId, 'refundId'),
      orderId: this.p.id,
      lines: refundLines.map(({ line, quantity, amount }) => ({ productId: line.productId, quantity, amount })),
      amount: refundLines.reduce((sum, { amount }) => sum + amount, 0),
      restocked: request.restock,
      reason,
      createdAt: request.now,
    };
    this.p.refunds.push(refund);
    this.p.refundedAmount += refund.amount;
    this.p.status = this.p.lines.every((l) => l.refundedQuantity === l.quantity) ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    return copyOfRefund(refund);
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

  get status(): OrderStatus {
    return this.p.status;
  }

  get userCouponId(): UserCouponId | null {
    return this.p.userCouponId;
  }

  get lines(): readonly OrderLine[] {
    return this.p.lines;
  }

  isOwnedBy(userId: UserId): boolean {
    return this.p.userId === userId;
  }

  toPrimitives(): OrderPrimitives {
    return copyOf(this.p);
  }
}

function copyOfRefund(r: RefundPrimitives): RefundPrimitives {
  return { ...r, lines: r.lines.map((l) => ({ ...l })) };
}

function copyOf(p: OrderPrimitives): OrderPrimitives {
  return { ...p, lines: p.lines.map((l) => ({ ...l })), refunds: p.refunds.map(copyOfRefund) };
}

export function orderNotFound(orderId: OrderId): DomainError {
  return new DomainError(ErrorCode.OrderNotFound, `Order ${orderId} does not exist`, { orderId });
}
