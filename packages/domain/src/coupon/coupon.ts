import { DomainError, ErrorCode, invalid } from '../shared/domain-error';
import { requireId, type CouponId, type UserId } from '../shared/ids';
import { Discount, type DiscountType } from './discount';
import { UserCoupon } from './user-coupon';

export interface CouponPrimitives {
  id: CouponId;
  name: string;
  discountType: DiscountType;
  discountValue: number;
  totalQuantity: number;
  expiresAt: Date;
}

export const MAX_COUPON_QUANTITY = 1_000_000;

/**
 * A first-come, limited-quantity coupon. How many are left is counted by the store (so that
 * thousands of shoppers do not queue on one row); the coupon itself decides whether it may be
 * issued at all and what the issued copy looks like.
 */
export class Coupon {
  private constructor(
    readonly id: CouponId,
    readonly name: string,
    readonly discount: Discount,
    readonly totalQuantity: number,
    readonly expiresAt: Date,
  ) {}

  /** Checks the terms of a coupon about to be created; the id comes from the store. */
  static validateNew(fields: Omit<CouponPrimitives, 'id'>, now: Date): Omit<CouponPrimitives, 'id'> {
    const name = fields.name.trim();
    if (name.length === 0 || name.length > 200) throw invalid('name must be 1 to 200 characters');
    Discount.of(fields.discountType, fields.discountValue);
    if (!Number.isInteger(fields.totalQuantity) || fields.totalQuantity < 1 || fields.totalQuantity > MAX_COUPON_QUANTITY) {
      throw invalid(`totalQuantity must be an integer from 1 to ${MAX_COUPON_QUANTITY}`);
    }
    if (Number.isNaN(fields.expiresAt.getTime()) || fields.expiresAt <= now) throw invalid('expiresAt must be in the future');
    return { ...fields, name };
  }

  static fromPrimitives(p: CouponPrimitives): Coupon {
    return new Coupon(p.id, p.name, Discount.of(p.discountType, p.discountValue), p.totalQuantity, p.expiresAt);
  }

  isExpiredAt(now: Date): boolean {
    return now >= this.expiresAt;
  }

  /** Refuses with COUPON_EXPIRED once the coupon's date has passed. */
  ensureOpenAt(now: Date): void {
    if (this.isExpiredAt(now)) {
      throw new DomainError(ErrorCode.CouponExpired, `Coupon ${this.id} expired at ${this.expiresAt.toISOString()}`, {
        couponId: this.id,
      });
    }
  }

  /**
   * The copy a user receives. The caller has already made sure the user holds none and a unit
   * is left; this guards what the coupon alone can tell.
   */
  issueTo(userId: UserId, now: Date): UserCoupon {
    this.ensureOpenAt(now);
    return UserCoupon.issue({ couponId: this.id, userId: requireId(userId, 'userId'), discount: this.discount, issuedAt: now, expiresAt: this.expiresAt });
  }

  toPrimitives(): CouponPrimitives {
    return {
      id: this.id,
      name: this.name,
      discountType: this.discount.type,
      discountValue: this.discount.value,
      totalQuantity: this.totalQuantity,
      expiresAt: this.expiresAt,
    };
  }
}

export function couponNotFound(couponId: CouponId): DomainError {
  return new DomainError(ErrorCode.CouponNotFound, `Coupon ${couponId} does not exist`, { couponId });
}

export function couponSoldOut(couponId: CouponId): DomainError {
  return new DomainError(ErrorCode.CouponSoldOut, `Coupon ${couponId} is sold out`, { couponId });
}

export function couponAlreadyIssued(couponId: CouponId, userId: UserId): DomainError {
  return new DomainError(ErrorCode.CouponAlreadyIssued, `User ${userId} already holds coupon ${couponId}`, {
    couponId,
    userId,
  });
}
