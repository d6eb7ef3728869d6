import { productNotFound, requireId, type ProductChanges } from '@storefront/domain';
import type { ProductCache, ProductView, UnitOfWork } from '../../ports';
import { productView } from '../../support/views.mapper';

/** An admin's edit of name, price or stock. */
export class UpdateProduct {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly productCache: ProductCache,
  ) {}

  async execute(input: { productId: number; changes: ProductChanges }): Promise<ProductView> {
    const productId = requireId(input.productId, 'productId');
    this.productCache.beginWrite();
    const product = await this.transactions.run(async (tx) => {
      const product = await tx.products.lockById(productId);
      if (!product) throw productNotFound(productId);
      product.revise(input.changes);
      await tx.products.save(product);
      return productView(product);
    });
    this.productCache.evict([product.id]);
    return product;
  }
}
