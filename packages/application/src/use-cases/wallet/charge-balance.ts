import { Money, requireId } from '@storefront/domain';
import type { ChargeView, Clock, UnitOfWork } from '../../ports';

export interface ChargeBalanceInput {
  userId: number;
  amount: number;
}


/** Tops up a wallet, up to the ceiling, and records the charge in the history. */
export class ChargeBalance {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly clock: Clock,
    /** The ceiling (MAX_BALANCE): the domain refuses a charge above it, and so does the store. */
    private readonly maxBalance: Money,
  ) {}

  async execute(input: ChargeBalanceInput): Promise<ChargeView> {
    const userId = requireId(input.userId, 'userId');
    const amount = Money.positive(input.amount, 'amount');
    // The clock is read once the wallet is locked, so the transaction may begin in the lock's
    // own round trip (RunOptions): a charge costs two round trips, not three.
    return this.transactions.run(
      async (tx) => {
        const { wallet, transactionId } = await tx.wallets.lockForCharge(userId);
        const now = this.clock.now();
        const change = wallet.charge(amount, this.maxBalance, now);
        await tx.wallets.addCharge(change, this.maxBalance, transactionId);
        return { userId, balance: change.balanceAfter, chargedAmount: change.amount, transactionId };
      },
      { beginWithFirstStatement: true },
    );
  }
}
