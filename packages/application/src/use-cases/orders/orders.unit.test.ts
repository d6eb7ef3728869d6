import { ErrorCode } from '@storefront/domain';
import { describe, expect, it } from 'vitest';
import { createInMemoryStorefront } from '../../in-memory';
import { allPages, anOrder, aProduct, given } from '../../testing';
import { GetOrder } from './get-order';
import { ListUserOrders } from './list-user-orders';

async function setUp() {
  const store = createInMemoryStorefront();
  const g = given(store);
  const product = await g.product(aProduct().withPrice(1_000));
  await g.fundedUser(1, 100_000);
  await g.fundedUser(2, 100_000);
  return { store, given: g, product, getOrder: new GetOrder(store.orderQueries), listOrders: new ListUserOrders(store.orderQueries) };
}

describe('GetOrder', () => {
  it('shows the owner their order, exactly as placed', async () => {
    const { given: g, product, getOrder } = await setUp();
    const placed = await g.paidOrder(anOrder().by(1).withItem(product.id, 3));
    await expect(getOrder.execute({ orderId: placed.orderId, viewer: { userId: 1, isAdmin: false } })).resolves.toEqual(placed);
  });

  it('shows an admin anyone’s order', async () => {
    const { given: g, product, getOrder } = await setUp();
    const placed = await g.paidOrder(anOrder().by(1).withItem(product.id));
    await expect(getOrder.execute({ orderId: placed.orderId, viewer: { userId: 99, isAdmin: true } })).resolves.toEqual(placed);
  });

  it('fails with ORDER_NOT_FOUND for another user’s order, as for one that does not exist', async () => {
    const { given: g, product, getOrder } = await setUp();
    const placed = await g.paidOrder(anOrder().by(1).withItem(product.id));
    await expect(getOrder.execute({ orderId: placed.orderId, viewer: { userId: 2, isAdmin: false } })).rejects.toMatchObject({
      code: ErrorCode.OrderNotFound,
      details: { orderId: placed.orderId },
    });
    await expect(getOrder.execute({ orderId: 404, viewer: { userId: 1, isAdmin: true } })).rejects.toMatchObject({ code: ErrorCode.OrderNotFound });
  });

  it('refuses an invalid id as VALIDATION_FAILED', async () => {
    const { getOrder } = await setUp();
    await expect(getOrder.execute({ orderId: 0, viewer: { userId: 1, isAdmin: false } })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});

describe('ListUserOrders', () => {
  it('pages through one user’s orders, newest first', async () => {
    const { given: g, product, listOrders } = await setUp();
    const mine = [];
    for (let quantity = 1; quantity <= 5; quantity += 1) {
      mine.push(await g.paidOrder(anOrder().by(1).withItem(product.id, quantity)));
      await g.paidOrder(anOrder().by(2).withItem(product.id, 1));
    }
    const pages = await allPages((page) => listOrders.execute({ userId: 1, page }), 2);
    expect(pages.map((p) => p.items.map((o) => o.orderId))).toEqual([
      [mine[4]?.orderId, mine[3]?.orderId],
      [mine[2]?.orderId, mine[1]?.orderId],
      [mine[0]?.orderId],
    ]);
    expect(pages.map((p) => p.nextAfter)).toEqual([mine[3]?.orderId, mine[1]?.orderId, null]);
    expect(pages[2]?.items[0]).toEqual(mine[0]);
  });

  it('answers an empty page for a user with no orders, and refuses an invalid id', async () => {
    const { listOrders } = await setUp();
    await expect(listOrders.execute({ userId: 3, page: { limit: 20, after: null } })).resolves.toEqual({ items: [], nextAfter: null });
    await expect(listOrders.execute({ userId: 0, page: { limit: 20, after: null } })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});
