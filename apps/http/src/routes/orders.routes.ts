import { orderSchema, refundSchema } from '@storefront/application';
import { ORDER_STATUSES } from '@storefront/domain';
import { z } from 'zod';
import { assertActsFor, principalOf, requireToken } from '../auth/authentication';
import { answerPage } from '../routing/cursor';
import { actsForPathUser, bearer, type App, type RouteContext } from '../routing/route-context';
import { AUTHORIZED, failures, IDEMPOTENT, INVALID, ok, WITH_BODY } from '../routing/responses';
import { freeText, idempotencyHeaders, idParam, pageOf, pageQuery, positiveId } from '../routing/schemas';

/** 1..50 lines of distinct products, 1..1000 units each: an order's lines, or a refund's. */
const requestedLines = z
  .array(z.object({ productId: positiveId, quantity: z.number().int().min(1).max(1000) }).strict())
  .min(1)
  .max(50)
  .refine((items) => new Set(items.map((i) => i.productId)).size === items.length, 'productIds must be distinct');

const newOrder = z
  .object({
    userId: positiveId,
    items: requestedLines,
    userCouponId: positiveId.nullable().optional(),
  })
  .strict();

const reason = freeText(500).optional().meta({ description: 'Why, in at most 500 characters' });

const newRefund = z
  .object({
    items: requestedLines,
    restock: z.boolean().optional().meta({ description: 'Put the units back into stock (default true)' }),
    reason,
  })
  .strict();

export function orderRoutes(app: App, ctx: RouteContext): void {
  const user = requireToken(ctx.tokens, 'user');
  const admin = requireToken(ctx.tokens, 'admin');
  const orderParams = z.object({ orderId: idParam('Order id', 1024) });

  app.post('/orders', {
    schema: {
      operationId: 'placeOrder',
      tags: ['orders'],
      summary: 'Place and pay an order from the wallet',
      description:
        'All or nothing, in one transaction: the stock of every line is taken, the coupon (if any) is used, the wallet is debited and an `order.paid` event is written. A refusal changes nothing. Safe to retry with an Idempotency-Key.',
      security: bearer,
      headers: idempotencyHeaders,
      body: newOrder,
      response: {
        201: ok(orderSchema, 'The order, paid'),
        ...failures(WITH_BODY, AUTHORIZED, IDEMPOTENT, 'PRODUCT_NOT_FOUND', 'OUT_OF_STOCK', 'COUPON_NOT_USABLE', 'INSUFFICIENT_BALANCE'),
      },
    },
    onRequest: user,
    preHandler: [async (request) => assertActsFor(request.principal, request.body.userId), ctx.idempotency.claim],
    onSend: ctx.idempotency.record,
    handler: (request, reply) => {
      const { userId, items, userCouponId } = request.body;
      return ctx.idempotency.respond(request, reply, 201, (writes) => writes.placeOrder.execute({ userId, items, userCouponId: userCouponId ?? null }));
    },
  });

  app.get('/orders/:orderId', {
    schema: {
      operationId: 'getOrder',
      tags: ['orders'],
      summary: 'One order',
      description: "An order of the token's user (any order for an admin); another user's order is a 404, as if it did not exist.",
      security: bearer,
      params: orderParams,
      response: { 200: ok(orderSchema, 'The order'), ...failures(INVALID, 'UNAUTHENTICATED', 'ORDER_NOT_FOUND') },
    },
    onRequest: user,
    handler: async (request) => {
      const principal = principalOf(request);
      const viewer = { userId: principal.userId, isAdmin: principal.role === 'admin' };
      return ctx.useCases.getOrder.execute({ orderId: request.params.orderId, viewer });
    },
  });

  app.get('/users/:userId/orders', {
    schema: {
      operationId: 'listUserOrders',
      tags: ['orders'],
      summary: "A user's orders, newest first",
      description: 'The orders of one user, a page at a time. The token must be that user, or an admin.',
      security: bearer,
      params: z.object({ userId: idParam('User id', 42) }),
      querystring: pageQuery,
      response: { 200: ok(pageOf(orderSchema), "A page of the user's orders, newest first"), ...failures(INVALID, AUTHORIZED) },
    },
    onRequest: user,
    preHandler: actsForPathUser,
    handler: async (request) => {
      return answerPage(ctx.cursors, request.query, (page) => ctx.useCases.listUserOrders.execute({ userId: request.params.userId, page }));
    },
  });

  app.post('/orders/:orderId/cancel', {
    schema: {
      operationId: 'cancelOrder',
      tags: ['orders'],
      summary: 'Cancel a PAID order that has no refunds',
      description:
        "All or nothing, in one transaction: the stock of every line comes back, the wallet is credited the order's paidAmount, the coupon is available again and an `order.cancelled` event is written. The order's user or an admin; another user's order is a 404. Safe to retry with an Idempotency-Key.",
      security: bearer,
      headers: idempotencyHeaders,
      params: orderParams,
      body: z.object({ reason }).strict().meta({ description: 'Optional: a POST without a body cancels without a reason' }),
      response: {
        200: ok(orderSchema, 'The order, now CANCELLED'),
        ...failures(WITH_BODY, 'UNAUTHENTICATED', IDEMPOTENT, 'ORDER_NOT_FOUND', 'ORDER_NOT_CANCELLABLE'),
      },
    },
    onRequest: user,
    // A missing body (which Fastify reads as null) is an empty one: no reason given.
    preValidation: async (request) => {
      request.body ??= {};
    },
    preHandler: ctx.idempotency.claim,
    onSend: ctx.idempotency.record,
    handler: (request, reply) => {
      const principal = principalOf(request);
      const actor = { userId: principal.userId, isAdmin: principal.role === 'admin' };
      return ctx.idempotency.respond(
        request,
        reply,
        200,
        (writes) => writes.cancelOrder.execute({ orderId: request.params.orderId, actor, reason: request.body.reason ?? null })
      );
    },
  });

  app.post('/admin/orders/:orderId/refunds', {
    schema: {
      operationId: 'refundOrder',
      tags: ['admin'],
      summary: 'Refund some units of an order',
      description:
        "Each unit returns its exact share of its line's paidAmount; the wallet is credited, the stock restored unless `restock` is false, and an `order.refunded` event is written. Role admin. Safe to retry with an Idempotency-Key.",
      security: bearer,
      headers: idempotencyHeaders,
      params: orderParams,
      body: newRefund,
      response: {
        201: ok(refundSchema, 'The refund'),
        ...failures(WITH_BODY, AUTHORIZED, IDEMPOTENT, 'ORDER_NOT_FOUND', 'ORDER_NOT_REFUNDABLE', 'REFUND_EXCEEDS_ORDER'),
      },
    },
    onRequest: admin,
    preHandler: ctx.idempotency.claim,
    onSend: ctx.idempotency.record,
    handler: (request, reply) => {
      const { items, restock, reason: why } = request.body;
      return ctx.idempotency.respond(
        request,
        reply,
        201,
        (writes) => writes.refundOrder.execute({ orderId: request.params.orderId, items, restock: restock ?? true, reason: why ?? null })
      );
    },
  });

  app.get('/admin/orders', {
    schema: {
      operationId: 'listOrders',
      tags: ['admin'],
      summary: 'Every order, newest first',
      description: 'All orders, a page at a time, optionally only those of one status or of one user. Role admin.',
      security: bearer,
      querystring: pageQuery.extend({
        status: z.enum(ORDER_STATUSES).optional().meta({ description: 'Only the orders with this status' }),
        userId: idParam('Only the orders of this user', 42).optional(),
      }),
      response: { 200: ok(pageOf(orderSchema), 'A page of orders, newest first'), ...failures(INVALID, AUTHORIZED) },
    },
    onRequest: admin,
    handler: async (request) => {
      const { status, userId } = request.query;
      return answerPage(ctx.cursors, request.query, (page) => ctx.useCases.listOrders.execute({ status: status ?? null, userId: userId ?? null, page }));
    },
  });
}
