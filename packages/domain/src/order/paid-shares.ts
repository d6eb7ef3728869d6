/*
 * How the money of an order is divided, exactly to the won. All arithmetic is on BigInt: a
 * line's amount × the order's paid amount passes 2^53 long before either does.
 */

/**
 * Splits `paid` over lines in proportion to their `amount`: each line gets its share rounded
 * down, and the won left over by rounding go one each to the lines with the largest remainders
 * (ties: the lower product id). The shares add up to `paid` exactly. Answers the shares in the
 * order of `lines`.
 */
export function splitPaidAmount(lines: ReadonlyArray<{ productId: number; amount: number }>, paid: number): number[] {
  const total = lines.reduce((sum, line) => sum + BigInt(line.amount), 0n);
  if (total === 0n) return lines.map(() => 0);
  const exact = lines.map((line, index) => {
    const numerator = BigInt(paid) * BigInt(line.amount);
    return { index, productId: line.productId, share: numerator / total, remainder: numerator % total };
  });
  let leftover = BigInt(paid) - exact.reduce((sum, line) => sum + line.share, 0n);
  const byRemainder = [...exact].sort((a, b) => (a.remainder === b.remainder ? a.productId - b.productId : a.remainder > b.remainder ? -1 : 1));
  for (const line of byRemainder) {
    if (leftover === 0n) break;
    line.share += 1n;
    leftover -= 1n;
  }
  return exact.map((line) => Number(line.share));
}

/**
 * What refunding `quantity` more units of a line returns, when `refundedBefore` of its
 * `lineQuantity` units were refunded already and the line was paid `linePaid` in all:
 * floor(P × (r + q) / Q) − floor(P × r / Q). The steps telescope, so refunding every unit, in
 * any number of steps, returns exactly `linePaid`.
 */
export function refundShare(linePaid: number, lineQuantity: number, refundedBefore: number, quantity: number): number {
  const paid = BigInt(linePaid);
  const units = BigInt(lineQuantity);
  const after = (paid * BigInt(refundedBefore + quantity)) / units;
  const before = (paid * BigInt(refundedBefore)) / units;
  return Number(after - before);
}
