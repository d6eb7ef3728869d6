import type { CatalogQueries, Page, PageRequest, ProductView } from '../../ports';

/** The catalogue, ordered by id. */
export class ListProducts {
  constructor(private readonly catalog: CatalogQueries) {}

  execute(input: { page: PageRequest }): Promise<Page<ProductView>> {
    return this.catalog.products(input.page);
  }
}
