import type { WalletRepository } from '@storefront/application';
import { Wallet, type BalanceChange, type Money } from '@storefront/domain';
import { sql, type Kysely } from 'kysely';
import { compiledOnce } from '../db/compiled-statement.template';
import type { DB } from '../db/database.schema';

export class PgWalletRepository implements WalletRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Creates or locks the wallet in one statement: the no-op DO UPDATE takes the row lock on
   * an existing wallet, and a concurrent first charge of a new user waits on the insert, then
   * locks the row the other one committed.
   */
  async lockForUser(userId: number, now: Date): Promise<Wallet> {
    const { rows } = await this.db.executeQuery(lockWallet(this.db, { userId, now }));
    const row = rows[0];
    if (row === undefined) throw new Error(`The wallet of user ${userId} was neither created nor locked`);
    return Wallet.fromPrimitives({ userId: row.user_id, balance: row.balance, updatedAt: row.updated_at });
  }

  /**
   * Adds the charge to the stored balance where the sum stays within the ceiling, and appends its
   * CHARGE history row, in one statement (one round trip): the ceiling is a condition on the
   * column, checked by PostgreSQL on the row it updates, and no history row is written unless the
   * update was. `balance >= 0` is a CHECK of the table; the ceiling comes from configuration, so it
   * is this condition instead. Both are the last line of defence behind the domain's rules: a bug
   * trips them rather than an invariant.
   */
  async addCharge(change: BalanceChange, maxBalance: Money): Promise<string> {
    const { rows } = await this.db.executeQuery(
      creditCharge(this.db, { userId: change.userId, type: change.type, amount: change.amount, occurredAt: change.occurredAt, maxBalance: maxBalance.won }),
    );
    const row = rows[0];
    if (row === undefined) {
      throw new Error(`Wallet of user ${change.userId} was not charged: it does not exist, or ${change.amount} more would take it above the ceiling of ${maxBalance.won}`);
    }
    // The row is locked since lockForUser, so the sum is what the domain computed from it. (A
    // mismatch throws, and the unit of work rolls back the update and its history row.)
    if (row.balance_after !== change.balanceAfter) {
      throw new Error(`Wallet of user ${change.userId} holds ${row.balance_after} after the charge, not ${change.balanceAfter}: it changed while locked`);
    }
    return String(row.id);
  }

  /** A payment only ever lowers the balance (a refund may have lifted it over the ceiling: paying from it stays possible). */
  async savePaid(wallet: Wallet): Promise<void> {
    const p = wallet.toPrimitives();
    const { numUpdatedRows } = await this.db
      .updateTable('wallets')
      .set({ balance: p.balance, updated_at: p.updatedAt })
      .where('user_id', '=', p.userId)
      .where('balance', '>=', p.balance)
      .executeTakeFirst();
    if (numUpdatedRows !== 1n) throw new Error(`Wallet of user ${p.userId} was not debited: it does not exist, or ${p.balance} is above its balance`);
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

/**
 * Creates or locks the wallet: the no-op DO UPDATE takes the row lock on an existing wallet, and a
 * concurrent first charge of a new user waits on the insert, then locks the row the other one committed.
 */
const lockWallet = compiledOnce((db, a: { userId: number; now: Date }) =>
  db
    .insertInto('wallets')
    .values({ user_id: a.userId, balance: 0, updated_at: a.now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ user_id: sql`excluded.user_id` }))
    .returning(['user_id', 'balance', 'updated_at']),
);

const creditCharge = compiledOnce((db, a: { userId: number; type: string; amount: number; occurredAt: Date; maxBalance: number }) =>
  db
    .with('charged', (db) =>
      db
        .updateTable('wallets')
        .set({ balance: sql<number>`balance + ${a.amount}::bigint`, updated_at: a.occurredAt })
        .where('user_id', '=', a.userId)
        .where(sql<number>`balance + ${a.amount}::bigint`, '<=', a.maxBalance)
        .returning(['user_id', 'balance']),
    )
    .insertInto('balance_history')
    .columns(['user_id', 'type', 'amount', 'balance_after', 'order_id', 'created_at'])
    .expression((db) =>
      db
        .selectFrom('charged')
        .select([
          'charged.user_id',
          sql<string>`${a.type}::text`.as('type'),
          sql<number>`${a.amount}::bigint`.as('amount'),
          'charged.balance',
          sql<null>`null::bigint`.as('order_id'),
          sql<Date>`${a.occurredAt}::timestamptz`.as('created_at'),
        ]),
    )
    .returning(['id', 'balance_after']),
);
