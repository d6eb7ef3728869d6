import { orderNotFound, requireId } from '@storefront/domain';
import type { OrderQueries, OrderView } from '../../ports';

export interface Viewer {
  userId: number;
  isAdmin: boolean;
}

/** One order. Someone else's order does not exist, as far as the viewer can tell. */
export class GetOrder {
  constructor(private readonly orders: OrderQueries) {}

  async execute(input: { orderId: number; viewer: Viewer }): Promise<OrderView> {
    const orderId = requireId(input.orderId, 'orderId');
    const order = await this.orders.orderById(orderId);
    if (!order || (!input.viewer.isAdmin && order.userId !== input.viewer.userId)) throw orderNotFound(orderId);
    return order;
  }
}
