import { DomainError, ErrorCode } from '../shared/domain-error';
import type { CouponId, UserCouponId, UserId } from '../shared/ids';
import { Discount, type DiscountType } from './discount';

/** AVAILABLE and USED are stored; EXPIRED is what an unused coupon past its date reads as. */
export const USER_COUPON_STATUSES = ['AVAILABLE', 'USED', 'EXPIRED'] as const;
export type UserCouponStatus = (typeof USER_COUPON_STATUSES)[number];

export interface UserCouponPrimitives {
  id: UserCouponId;
  couponId: CouponId;
  userId: UserId;
  discountType: DiscountType;
  discountValue: number;
  issuedAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface NewUserCoupon {
  couponId: CouponId;
  userId: UserId;
  discount: Discount;
  issuedAt: Date;
  expiresAt: Date;
}

/** One user's copy of a coupon, good for one order before it expires. */
export class UserCoupon {
  private constructor(
    private readonly p: Omit<UserCouponPrimitives, 'id'> & { id: UserCouponId | null },
  ) {}

  /** A freshly issued copy; the store gives it an id when it is saved. */
  static issue(n: NewUserCoupon): UserCoupon {
    return new UserCoupon({
      id: null,
      couponId: n.couponId,
      userId: n.userId,
      discountType: n.discount.type,
      discountValue: n.discount.value,
      issuedAt: n.issuedAt,
      expiresAt: n.expiresAt,
      usedAt: null,
    });
  }

  static fromPrimitives(p: UserCouponPrimitives): UserCoupon {
    return new UserCoupon({ ...p });
  }

  get id(): UserCouponId {
    if (this.p.id === null) throw new Error('This user coupon has not been saved yet');
    return this.p.id;
  }

  get couponId(): CouponId {
    return this.p.couponId;
  }

  get userId(): UserId {
    return this.p.userId;
  }

  get discount(): Discount {
    return Discount.of(this.p.discountType, this.p.discountValue);
  }

  get issuedAt(): Date {
    return this.p.issuedAt;
  }

  get expiresAt(): Date {
    return this.p.expiresAt;
  }

  get usedAt(): Date | null {
    return this.p.usedAt;
  }

  statusAt(now: Date): UserCouponStatus {
    if (this.p.usedAt !== null) return 'USED';
    return now >= this.p.expiresAt ? 'EXPIRED' : 'AVAILABLE';
  }

  /** Spends the coupon on an order of `userId`: only its owner, only once, only before it expires. */
  useFor(userId: UserId, now: Date): Discount {
    const status = this.statusAt(now);
    if (this.p.userId !== userId || status !== 'AVAILABLE') {
      const reason = this.p.userId !== userId ? 'belongs to another user' : status === 'USED' ? 'was already used' : 'has expired';
      throw new DomainError(ErrorCode.CouponNotUsable, `User coupon ${this.p.id} ${reason}`, {
        userCouponId: this.p.id,
      });
    }
    this.p.usedAt = now;
    return this.discount;
  }

  /**
   * Makes a spent copy usable again, as the cancellation of the order that spent it does. It
   * keeps its expiry: past it, the copy reads EXPIRED.
   */
  release(): void {
    if (this.p.usedAt === null) throw new Error(`User coupon ${this.p.id} was not used, so it cannot be released`);
    this.p.usedAt = null;
  }

  withId(id: UserCouponId): UserCoupon {
    return new UserCoupon({ ...this.p, id });
  }

  toPrimitives(): UserCouponPrimitives {
    return { ...this.p, id: this.id };
  }
}

export function userCouponNotUsable(userCouponId: UserCouponId): DomainError {
  return new DomainError(ErrorCode.CouponNotUsable, `User coupon ${userCouponId} cannot be used`, { userCouponId });
}
