import { productNotFound, requireId, type ProductChanges } from '@storefront/domain';
import type { ProductCache, ProductView, UnitOfWork } from '../../ports';
import { productView } from '../../support/views.mapper';

/**
 * An admin's edit of name, price or stock. Only an edit of the stock locks it: a new price
 * during a flash sale does not hold back the orders taking the product's units.
 */
export class UpdateProduct {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly productCache: ProductCache,
  ) {}

  async execute(input: { productId: number; changes: ProductChanges }): Promise<ProductView> {
    const productId = requireId(input.productId, 'productId');
    this.productCache.beginWrite();
    const editsStock = input.changes.stock !== undefined;
    const product = await this.transactions.run(async (tx) => {
      const product = editsStock ? await tx.products.lockById(productId) : await tx.products.lockDetailsById(productId);
      if (!product) throw productNotFound(productId);
      product.revise(input.changes);
      if (!editsStock) return productView(await tx.products.saveDetails(product));
      await tx.products.save(product);
      return productView(product);
    });
    this.productCache.evict([product.id]);
    return product;
  }
}
