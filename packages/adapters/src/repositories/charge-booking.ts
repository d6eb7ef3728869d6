import type { BalanceChange } from '@storefront/domain';
import type { SentWithCommit } from '../db/sent-with-commit';
import { inlinedInteger } from '../db/sql-literals';

/**
 * A charge the wallet accepted, written with the COMMIT (sent-with-commit.ts): the wallet's new
 * balance and its CHARGE history row, under the id reserved when the wallet was locked, in one
 * statement. Every value is a checked integer or a timestamp, inlined as a literal: the
 * statement travels in the COMMIT's simple-protocol query, which has no parameters.
 *
 * The update happens only on the balance the domain charged and within the ceiling — the
 * store's own guard behind the domain's rules. The history row takes its balance from the
 * update, so a wallet that changed while locked, or a sum above the ceiling (a bug either way),
 * leaves it NULL: the column's NOT NULL fails the statement, and with it the COMMIT.
 */
export class ChargeBooking implements SentWithCommit {
  private readonly sql: string;

  constructor(change: BalanceChange, maxBalance: number, transactionId: string) {
    if (change.type !== 'CHARGE') throw new Error(`A charge booking cannot write a ${change.type} row`);
    const userId = inlinedInteger(change.userId, "The charge's user id");
    const amount = inlinedInteger(change.amount, "The charge's amount");
    const balanceAfter = inlinedInteger(change.balanceAfter, "The charge's balance after");
    const id = inlinedInteger(Number(transactionId), "The charge's transaction id");
    const at = timestamp(change.occurredAt);
    this.sql =
      `with charged as (update wallets set balance = balance + ${amount}, updated_at = ${at}` +
      ` where user_id = ${userId} and balance = ${balanceAfter - amount} and balance + ${amount} <= ${inlinedInteger(maxBalance, "The charge's ceiling")} returning balance)` +
      ` insert into balance_history (id, user_id, type, amount, balance_after, order_id, created_at)` +
      ` values (${id}, ${userId}, 'CHARGE', ${amount}, (select balance from charged), null, ${at})`;
  }

  statements(): string[] {
    return [this.sql];
  }
}

function timestamp(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('The charge has no valid time');
  return `'${at.toISOString()}'::timestamptz`;
}
