import type { WalletRepository } from '@storefront/application';
import { Wallet } from '@storefront/domain';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

export class PgWalletRepository implements WalletRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly maxBalance = Number.MAX_SAFE_INTEGER,
  ) {}

  /**
   * Creates or locks the wallet in one statement: the no-op DO UPDATE takes the row lock on
   * an existing wallet, and a concurrent first charge of a new user waits on the insert, then
   * locks the row the other one committed.
   */
  async lockForUser(userId: number, now: Date): Promise<Wallet> {
    const row = await this.db
      .insertInto('wallets')
      .values({ user_id: userId, balance: 0, updated_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ user_id: sql`excluded.user_id` }))
      .returning(['user_id', 'balance', 'updated_at'])
      .executeTakeFirstOrThrow();
    return Wallet.fromPrimitives({ userId: row.user_id, balance: row.balance, updatedAt: row.updated_at });
  }

  /**
   * Writes the balance the domain computed. `balance >= 0` is a CHECK of the table; the ceiling
   * comes from configuration, so it is a condition of this update instead (a balance may rise
   * only up to it): both are the last line of defence behind the domain's rules, and a bug trips
   * them rather than an invariant.
   */
  async save(wallet: Wallet): Promise<void> {
    const p = wallet.toPrimitives();
    const { numUpdatedRows } = await this.db
      .updateTable('wallets')
      .set({ balance: p.balance, updated_at: p.updatedAt })
      .where('user_id', '=', p.userId)
      // Within the ceiling, or not above the balance it replaces: a refund may have lifted a
      // balance over the ceiling, and paying from it must still be possible.
      .where(sql<boolean>`${p.balance}::bigint <= greatest(${this.maxBalance}::bigint, balance)`)
      .executeTakeFirst();
    if (numUpdatedRows !== 1n) {
      throw new Error(`Wallet of user ${p.userId} was not saved: it does not exist, or ${p.balance} is above the ceiling of ${this.maxBalance}`);
    }
  }

  /** A refund is credited whatever the ceiling; the condition is that it only ever raises the balance. */
  async saveRefunded(wallet: Wallet): Promise<void> {
    const p = wallet.toPrimitives();
    const { numUpdatedRows } = await this.db
      .updateTable('wallets')
      .set({ balance: p.balance, updated_at: p.updatedAt })
      .where('user_id', '=', p.userId)
      .where('balance', '<=', p.balance)
      .executeTakeFirst();
    if (numUpdatedRows !== 1n) throw new Error(`Wallet of user ${p.userId} was not credited: it does not exist, or ${p.balance} is below its balance`);
  }
}
