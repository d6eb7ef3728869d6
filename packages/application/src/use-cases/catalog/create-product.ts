import { Product } from '@storefront/domain';
import type { ProductView, UnitOfWork } from '../../ports';
import { productView } from '../../support/views.mapper';

export interface CreateProductInput {
  name: string;
  price: number;
  stock: number;
}

export class CreateProduct {
  constructor(private readonly transactions: UnitOfWork) {}

  async execute(input: CreateProductInput): Promise<ProductView> {
    const fields = Product.validateNew(input);
    return this.transactions.run(async (tx) => productView(await tx.products.add(fields)));
  }
}
