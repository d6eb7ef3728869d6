import { productNotFound, requireId } from '@storefront/domain';
import type { CatalogQueries, ProductView } from '../../ports';

export class GetProduct {
  constructor(private readonly catalog: CatalogQueries) {}

  async execute(input: { productId: number }): Promise<ProductView> {
    const productId = requireId(input.productId, 'productId');
    const product = await this.catalog.productById(productId);
    if (!product) throw productNotFound(productId);
    return product;
  }
}
