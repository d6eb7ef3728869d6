import { CreateCoupon, CreateProduct, NO_PRODUCT_CACHE, type Clock, type CouponView, type ProductView } from '@storefront/application';
import type { Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { KyselyUnitOfWork } from '../unit-of-work/kysely.unit-of-work';

/** A few products at realistic won prices, and stock enough to try a rush on the last one. */
export const DEMO_PRODUCTS = [
  { name: 'Jeju tangerines, 3 kg', price: 24_900, stock: 200 },
  { name: 'Hand-drip coffee set', price: 39_000, stock: 80 },
  { name: 'Wireless earbuds', price: 129_000, stock: 50 },
  { name: 'Merino wool scarf', price: 59_000, stock: 120 },
  { name: 'Limited edition sneakers', price: 189_000, stock: 10 },
] as const;

export interface DemoSeed {
  /** False when the catalogue already had products: nothing was written. */
  seeded: boolean;
  products: ProductView[];
  coupon: CouponView | null;
}

/**
 * Demo data for the embedded start: a handful of products and one first-come coupon (100 units,
 * 10 % off, valid 30 days). Written only into an empty catalogue, through the same use cases an
 * admin would call, so every invariant holds from the first row.
 */
export async function seedDemoData(db: Kysely<DB>, clock: Clock): Promise<DemoSeed> {
  const existing = await db.selectFrom('products').select('id').limit(1).executeTakeFirst();
  if (existing !== undefined) return { seeded: false, products: [], coupon: null };

  const transactions = new KyselyUnitOfWork(db);
  const createProduct = new CreateProduct(transactions, NO_PRODUCT_CACHE);
  const products: ProductView[] = [];
  for (const product of DEMO_PRODUCTS) products.push(await createProduct.execute({ ...product }));

  const coupon = await new CreateCoupon(transactions, clock).execute({
    name: 'Welcome rush: 10% off, first 100 shoppers',
    discountType: 'RATE',
    discountValue: 10,
    totalQuantity: 100,
    expiresAt: new Date(clock.now().getTime() + 30 * 24 * 60 * 60 * 1000),
  });
  return { seeded: true, products, coupon };
}
