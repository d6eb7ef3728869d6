import { requireId } from '@storefront/domain';
import type { BalanceView, Clock, WalletQueries } from '../../ports';

/** A user's balance; a user who never charged has balance 0. */
export class GetBalance {
  constructor(
    private readonly wallets: WalletQueries,
    private readonly clock: Clock,
  ) {}

  async execute(input: { userId: number }): Promise<BalanceView> {
    const userId = requireId(input.userId, 'userId');
    return (await this.wallets.balanceOf(userId)) ?? { userId, balance: 0, updatedAt: this.clock.now() };
  }
}
