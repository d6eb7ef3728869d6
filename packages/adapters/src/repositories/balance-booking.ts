import type { BalanceChange } from '@storefront/domain';
import type { SentWithCommit } from '../db/sent-with-commit';
import { inlinedInteger, inlinedText, inlinedTimestamp } from '../db/sql-literals';

/**
 * A change of balance the wallet accepted, written with the COMMIT (sent-with-commit.ts): the
 * wallet's new balance and its history row, under the id reserved when the wallet was locked, in
 * one statement. Every value is a checked integer or a timestamp, inlined as a literal: the
 * statement travels in the COMMIT's simple-protocol query, which has no parameters.
 *
 * The update happens only on the balance the domain started from (and, for a charge, within the
 * ceiling) — the store's own guard behind the domain's rules. The history row takes its balance
 * from the update, so a wallet that changed while locked, or a sum above the ceiling (a bug
 * either way), leaves it NULL: the column's NOT NULL fails the statement, and with it the COMMIT.
 */
export class BalanceBooking implements SentWithCommit {
  private constructor(private readonly sql: string) {}

  /** A charge, within `maxBalance`. */
  static charge(change: BalanceChange, maxBalance: number, transactionId: string): BalanceBooking {
    if (change.type !== 'CHARGE') throw new Error(`A charge cannot book a ${change.type} row`);
    return new BalanceBooking(bookingSql(change, transactionId, { orderId: null, ceiling: inlinedInteger(maxBalance, "The charge's ceiling") }));
  }

  /** An order's payment. */
  static payment(change: BalanceChange, orderId: number, transactionId: string): BalanceBooking {
    if (change.type !== 'PAYMENT') throw new Error(`A payment cannot book a ${change.type} row`);
    return new BalanceBooking(bookingSql(change, transactionId, { orderId: inlinedInteger(orderId, "The payment's order id"), ceiling: null }));
  }

  statements(): string[] {
    return [this.sql];
  }
}

/** A charge adds to the balance, under its ceiling; a payment takes from it, for its order. */
function bookingSql(change: BalanceChange, transactionId: string, { orderId, ceiling }: { orderId: number | null; ceiling: number | null }): string {
  const what = `The ${change.type.toLowerCase()}'s`;
  const userId = inlinedInteger(change.userId, `${what} user id`);
  const amount = inlinedInteger(change.amount, `${what} amount`);
  const balanceAfter = inlinedInteger(change.balanceAfter, `${what} balance after`);
  const adds = change.type === 'CHARGE';
  const balanceBefore = inlinedInteger(adds ? balanceAfter - amount : balanceAfter + amount, `${what} balance before`);
  const id = inlinedInteger(Number(transactionId), `${what} transaction id`);
  const at = inlinedTimestamp(change.occurredAt, `${what} time`);
  const newBalance = `balance ${adds ? '+' : '-'} ${amount}`;
  return (
    `with booked as (update wallets set balance = ${newBalance}, updated_at = ${at}` +
    ` where user_id = ${userId} and balance = ${balanceBefore}${ceiling === null ? '' : ` and ${newBalance} <= ${ceiling}`} returning balance)` +
    ` insert into balance_history (id, user_id, type, amount, balance_after, order_id, created_at)` +
    ` values (${id}, ${userId}, ${inlinedText(change.type, `${what} type`)}, ${amount}, (select balance from booked), ${orderId ?? 'null'}, ${at})`
  );
}
