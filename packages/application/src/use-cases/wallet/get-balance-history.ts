import { requireId } from '@storefront/domain';
import type { BalanceHistoryEntryView, Page, PageRequest, WalletQueries } from '../../ports';

/** Every change of a user's balance, newest first. */
export class GetBalanceHistory {
  constructor(private readonly wallets: WalletQueries) {}

  async execute(input: { userId: number; page: PageRequest }): Promise<Page<BalanceHistoryEntryView>> {
    return this.wallets.historyOf(requireId(input.userId, 'userId'), input.page);
  }
}
