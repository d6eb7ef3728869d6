import type { WalletRepository } from '@storefront/application';
import { Wallet } from '@storefront/domain';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

export class PgWalletRepository implements WalletRepository {
  constructor(private readonly db: Kysely<DB>) {}

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

  async save(wallet: Wallet): Promise<void> {
    const p = wallet.toPrimitives();
    const { numUpdatedRows } = await this.db
      .updateTable('wallets')
      .set({ balance: p.balance, updated_at: p.updatedAt })
      .where('user_id', '=', p.userId)
      .executeTakeFirst();
    if (numUpdatedRows !== 1n) throw new Error(`Wallet of user ${p.userId} does not exist; lock it with lockForUser first`);
  }
}
