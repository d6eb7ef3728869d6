import { Coupon, type DiscountType } from '@storefront/domain';
import type { Clock, CouponView, UnitOfWork } from '../../ports';

export interface CreateCouponInput {
  name: string;
  discountType: DiscountType;
  discountValue: number;
  totalQuantity: number;
  expiresAt: Date;
}

export class CreateCoupon {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: CreateCouponInput): Promise<CouponView> {
    const fields = Coupon.validateNew(input, this.clock.now());
    // The view is the transaction's result: what an idempotent request stores with its effect.
    return this.transactions.run(async (tx) => {
      const { id, name, discountType, discountValue, totalQuantity, expiresAt } = (await tx.coupons.add(fields)).toPrimitives();
      return { id, name, discountType, discountValue, totalQuantity, remainingQuantity: totalQuantity, expiresAt };
    });
  }
}
