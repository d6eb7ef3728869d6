import type { WalletRepository } from '@storefront/application';
import { Wallet, type BalanceChange, type Money } from '@storefront/domain';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { compiledOnce } from '../db/compiled-statement.template';
import type { DB } from '../db/database.schema';
import { executeOpeningStatement } from '../db/pooled.connection';
import { sendWithCommit } from '../db/sent-with-commit';
import { BalanceBooking } from './balance-booking';

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

  /** The statement may open its transaction (executeOpeningStatement): its parameters are integers. */
  async lockForCharge(userId: number): Promise<{ wallet: Wallet; transactionId: string }> {
    const { rows } = await executeOpeningStatement(this.db, lockWalletForCharge(this.db, { userId }));
    const row = rows[0];
    if (row === undefined) throw new Error(`The wallet of user ${userId} was neither created nor locked`);
    return { wallet: Wallet.fromPrimitives({ userId: row.user_id, balance: row.balance, updatedAt: row.updated_at }), transactionId: String(row.charge_id) };
  }

  /**
   * Defers the charge to the COMMIT (see balance-booking.ts): the wallet's update and its history
   * row travel in the commit's own round trip, and the wallet stays locked only while
   * PostgreSQL runs that one message.
   */
  async addCharge(change: BalanceChange, maxBalance: Money, transactionId: string): Promise<void> {
    await sendWithCommit(this.db, BalanceBooking.charge(change, maxBalance.won, transactionId));
  }

  /**
   * lockForUser, with the ids an order will write under taken from their sequences: the order's
   * own and its PAYMENT history row's. Its writes then need no answer (addPayment).
   */
  async lockForOrder(userId: number, now: Date): Promise<{ wallet: Wallet; orderId: number; paymentId: string }> {
    const { rows } = await this.db.executeQuery(lockWalletForOrder(this.db, { userId, now }));
    const row = rows[0];
    if (row === undefined) throw new Error(`The wallet of user ${userId} was neither created nor locked`);
    return {
      wallet: Wallet.fromPrimitives({ userId: row.user_id, balance: row.balance, updatedAt: row.updated_at }),
      orderId: Number(row.order_id),
      paymentId: String(row.payment_id),
    };
  }

  /** Defers the payment to the COMMIT, as addCharge does a charge (see balance-booking.ts). */
  async addPayment(payment: BalanceChange, orderId: number, paymentId: string): Promise<void> {
    await sendWithCommit(this.db, BalanceBooking.payment(payment, orderId, paymentId));
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
const upsertWallet = (db: Kysely<DB>, a: { userId: number; now: Date | RawBuilder<Date> }) =>
  db
    .insertInto('wallets')
    .values({ user_id: a.userId, balance: 0, updated_at: a.now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ user_id: sql`excluded.user_id` }));

const lockWallet = compiledOnce((db, a: { userId: number; now: Date }) => upsertWallet(db, a).returning(['user_id', 'balance', 'updated_at']));

/** lockWallet, and the ids of the order and of its PAYMENT history row, taken from their sequences. */
const lockWalletForOrder = compiledOnce((db, a: { userId: number; now: Date }) =>
  upsertWallet(db, a).returning([
    'user_id',
    'balance',
    'updated_at',
    sql<number>`nextval('orders_id_seq')`.as('order_id'),
    sql<number>`nextval('balance_history_id_seq')`.as('payment_id'),
  ]),
);

/**
 * lockWallet, and the id of the history row the charge will write, taken from its sequence. A
 * wallet it creates takes the transaction's time (the charge sets its own at commit), so that the
 * charge reads the clock after it.
 */
const lockWalletForCharge = compiledOnce((db, a: { userId: number }) =>
  upsertWallet(db, { userId: a.userId, now: sql<Date>`now()` }).returning(['user_id', 'balance', 'updated_at', sql<number>`nextval('balance_history_id_seq')`.as('charge_id')]),
);
