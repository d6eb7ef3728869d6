import { Money } from '@storefront/domain';
import { NO_PRODUCT_CACHE, type Clock, type CouponQueries, type CouponView, type OrderView, type ProductView, type UnitOfWork, type UserCouponView } from '../ports';
import { ContendedUnits } from '../support/contended-units';
import { SharedReads } from '../support/shared-reads';
import { SoldOutCoupons } from '../support/sold-out-coupons';
import { productView } from '../support/views.mapper';
import { IssueCoupon } from '../use-cases/coupons/issue-coupon';
import { PlaceOrder } from '../use-cases/orders/place-order';
import { aCoupon, aProduct, DEFAULT_MAX_BALANCE, type CouponBuilder, type OrderBuilder, type ProductBuilder } from './builders';

export interface SeedPorts {
  transactions: UnitOfWork;
  couponQueries: CouponQueries;
  clock: Clock;
}

/**
 * Sets up the world a test starts from, through the unit of work (so it works on the in-memory
 * storefront and on PostgreSQL alike) and keeping every invariant: a funded user has the charge
 * in the history, an issued coupon took a unit of the coupon's stock.
 */
export class Given {
  constructor(
    private readonly ports: SeedPorts,
    private readonly maxBalance: number = DEFAULT_MAX_BALANCE,
  ) {}

  async product(builder: ProductBuilder = aProduct()): Promise<ProductView> {
    const fields = builder.build();
    return this.ports.transactions.run(async (tx) => productView(await tx.products.add(fields)));
  }

  /**
   * A coupon on the given terms. Unlike CreateCoupon it accepts an expiry in the past, so a test
   * can start from an expired coupon.
   */
  async coupon(builder: CouponBuilder = aCoupon()): Promise<CouponView> {
    const fields = builder.build();
    const coupon = await this.ports.transactions.run((tx) => tx.coupons.add(fields));
    return { ...coupon.toPrimitives(), remainingQuantity: fields.totalQuantity };
  }

  /** A user whose wallet holds `balance` won, charged once, with that charge in the history. */
  async fundedUser(userId: number, balance: number): Promise<{ userId: number; balance: number }> {
    return this.ports.transactions.run(async (tx) => {
      const { wallet, transactionId } = await tx.wallets.lockForCharge(userId);
      const now = this.ports.clock.now();
      const maxBalance = Money.of(this.maxBalance);
      const change = wallet.charge(Money.of(balance), maxBalance, now);
      await tx.wallets.addCharge(change, maxBalance, transactionId);
      return { userId, balance: change.balanceAfter };
    });
  }

  /** The coupon issued to the user, as IssueCoupon does it. */
  issuedCoupon(userId: number, couponId: number): Promise<UserCouponView> {
    return new IssueCoupon(this.ports.transactions, this.ports.couponQueries, this.ports.clock, new SoldOutCoupons(), new ContendedUnits(), new SharedReads()).execute({ userId, couponId });
  }

  /** An order placed and paid, as PlaceOrder does it. */
  paidOrder(order: OrderBuilder): Promise<OrderView> {
    return new PlaceOrder(this.ports.transactions, this.ports.clock, NO_PRODUCT_CACHE, new ContendedUnits()).execute(order.build());
  }
}

export const given = (ports: SeedPorts, maxBalance?: number): Given => new Given(ports, maxBalance);
