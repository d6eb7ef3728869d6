import type { TransactionScope, UnitOfWork } from '@storefront/application';

/**
 * A unit of work whose transactions read every product with the stock it had when this was
 * built — as the early, unlocked read of a burst sees it, everyone at once, before anyone took
 * a unit. No order is then refused early: every refusal comes from the commit, where the stock
 * is taken (PlaceOrder's step 4).
 */
export function staleStockReads(transactions: UnitOfWork, stockAtStart: ReadonlyMap<number, number>): UnitOfWork {
  return {
    run: (work) =>
      transactions.run((tx) => {
        const findByIds: TransactionScope['products']['findByIds'] = async (ids) =>
          (await tx.products.findByIds(ids)).map((product) => {
            const stock = stockAtStart.get(product.id);
            if (stock !== undefined) product.revise({ stock });
            return product;
          });
        const products = Object.assign(Object.create(tx.products) as object, { findByIds }) as TransactionScope['products'];
        return work({ ...tx, products });
      }),
  };
}
