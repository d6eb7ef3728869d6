import { Product } from '@storefront/domain';
import type { ProductCache, ProductView, UnitOfWork } from '../../ports';
import { productView } from '../../support/views.mapper';

export interface CreateProductInput {
  name: string;
  price: number;
  stock: number;
}

export class CreateProduct {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly productCache: ProductCache,
  ) {}

  async execute(input: CreateProductInput): Promise<ProductView> {
    const fields = Product.validateNew(input);
    this.productCache.beginWrite();
    const product = await this.transactions.run(async (tx) => productView(await tx.products.add(fields)));
    this.productCache.evict([product.id]);
    return product;
  }
}
