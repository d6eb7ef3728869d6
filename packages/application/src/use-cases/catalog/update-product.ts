import { productNotFound, requireId, type ProductChanges } from '@storefront/domain';
import type { ProductView, UnitOfWork } from '../../ports';
import { productView } from '../../support/views.mapper';

/** An admin's edit of name, price or stock. */
export class UpdateProduct {
  constructor(private readonly transactions: UnitOfWork) {}

  async execute(input: { productId: number; changes: ProductChanges }): Promise<ProductView> {
    const productId = requireId(input.productId, 'productId');
    return this.transactions.run(async (tx) => {
      const product = await tx.products.lockById(productId);
      if (!product) throw productNotFound(productId);
      product.revise(input.changes);
      await tx.products.save(product);
      return productView(product);
    });
  }
}
