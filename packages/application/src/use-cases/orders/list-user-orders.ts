import { requireId } from '@storefront/domain';
import type { OrderQueries, OrderView, Page, PageRequest } from '../../ports';

/** A user's orders, newest first. */
export class ListUserOrders {
  constructor(private readonly orders: OrderQueries) {}

  async execute(input: { userId: number; page: PageRequest }): Promise<Page<OrderView>> {
    return this.orders.ordersOf(requireId(input.userId, 'userId'), input.page);
  }
}
