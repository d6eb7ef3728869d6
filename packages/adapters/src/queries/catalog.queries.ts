import type { CatalogQueries, Page, PageRequest, ProductView } from '@storefront/application';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { productStock } from '../db/product-stock';
import { toPage } from './keyset.pagination';

const columns = ['id', 'name', 'price', productStock.as('stock')] as const;

export class PgCatalogQueries implements CatalogQueries {
  constructor(private readonly db: Kysely<DB>) {}

  async productById(productId: number): Promise<ProductView | null> {
    return (await this.db.selectFrom('products').select(columns).where('id', '=', productId).executeTakeFirst()) ?? null;
  }

  async products(page: PageRequest): Promise<Page<ProductView>> {
    let query = this.db.selectFrom('products').select(columns);
    if (page.after !== null) query = query.where('id', '>', page.after);
    const rows = await query.orderBy('id').limit(page.limit + 1).execute();
    return toPage(rows, page, (row) => row.id, (row) => ({ ...row }));
  }
}
