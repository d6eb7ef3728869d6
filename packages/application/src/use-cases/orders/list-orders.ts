import { requireId, type OrderStatus } from '@storefront/domain';
import type { OrderQueries, OrderView, Page, PageRequest } from '../../ports';

/** Every order, newest first, optionally of one status and of one user: the admin's view. */
export class ListOrders {
  constructor(private readonly orders: OrderQueries) {}

  async execute(input: { status: OrderStatus | null; userId: number | null; page: PageRequest }): Promise<Page<OrderView>> {
    const userId = input.userId === null ? null : requireId(input.userId, 'userId');
    return this.orders.orders({ status: input.status, userId }, input.page);
  }
}
