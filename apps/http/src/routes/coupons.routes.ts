import { couponSchema, userCouponSchema } from '@storefront/application';
import { DISCOUNT_TYPES } from '@storefront/domain';
import { z } from 'zod';
import { requireToken } from '../auth/authentication';
import { answerPage } from '../routing/cursor';
import { actsForPathUser, bearer, type App, type RouteContext } from '../routing/route-context';
import { AUTHORIZED, failures, IDEMPOTENT, INVALID, ok, WITH_BODY } from '../routing/responses';
import { displayName, idempotencyHeaders, idParam, isoDateTime, pageOf, pageQuery, positiveId } from '../routing/schemas';

const newCoupon = z
  .object({
    name: displayName.meta({ examples: ['Black Friday 5,000 won off'] }),
    discountType: z.enum(DISCOUNT_TYPES).meta({ description: 'FIXED: won off the order; RATE: percent off, rounded down to the won' }),
    discountValue: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).meta({ description: 'Won (FIXED) or percent from 1 to 100 (RATE)', examples: [5_000] }),
    totalQuantity: z.number().int().min(1).max(1_000_000).meta({ description: 'How many users can claim it', examples: [1_000] }),
    expiresAt: isoDateTime.meta({ description: 'ISO-8601 with offset, in the future', examples: ['2026-12-01T00:00:00+09:00'] }),
  })
  .strict()
  .refine((c) => c.discountType !== 'RATE' || c.discountValue <= 100, { path: ['discountValue'], message: 'a RATE discount is a percentage from 1 to 100' });

export function couponRoutes(app: App, ctx: RouteContext): void {
  const admin = requireToken(ctx.tokens, 'admin');
  const user = requireToken(ctx.tokens, 'user');
  const userParams = z.object({ userId: idParam('User id', 42) });

  app.post('/admin/coupons', {
    schema: {
      operationId: 'createCoupon',
      tags: ['admin'],
      summary: 'Create a first-come coupon',
      description: 'A coupon that `totalQuantity` users can claim, one each, until it expires. Role admin.',
      security: bearer,
      headers: idempotencyHeaders,
      body: newCoupon,
      response: { 201: ok(couponSchema, 'The coupon, with its new id'), ...failures(WITH_BODY, AUTHORIZED, IDEMPOTENT) },
    },
    onRequest: admin,
    preHandler: ctx.idempotency.claim,
    onSend: ctx.idempotency.record,
    handler: (request, reply) =>
      ctx.idempotency.respond(request, reply, 201, (writes) => writes.createCoupon.execute({ ...request.body, expiresAt: new Date(request.body.expiresAt) })),
  });

  app.get('/coupons/:couponId', {
    schema: {
      operationId: 'getCoupon',
      tags: ['coupons'],
      summary: 'A coupon and how many are left',
      description: 'The terms of a coupon and how many units are still unclaimed. No token needed.',
      params: z.object({ couponId: idParam('Coupon id', 3) }),
      response: { 200: ok(couponSchema, 'The coupon'), ...failures(INVALID, 'COUPON_NOT_FOUND') },
    },
    handler: (request) => ctx.useCases.getCoupon.execute({ couponId: request.params.couponId }),
  });

  app.post('/users/:userId/coupons', {
    schema: {
      operationId: 'issueCoupon',
      tags: ['coupons'],
      summary: 'Claim a first-come coupon (one per user)',
      description: 'First come, first served: never more than the total issued, at most one per user per coupon.',
      security: bearer,
      params: userParams,
      headers: idempotencyHeaders,
      body: z.object({ couponId: positiveId.meta({ examples: [3] }) }).strict(),
      response: {
        201: ok(userCouponSchema, "The user's copy of the coupon, AVAILABLE"),
        ...failures(WITH_BODY, AUTHORIZED, IDEMPOTENT, 'COUPON_NOT_FOUND', 'COUPON_SOLD_OUT', 'COUPON_ALREADY_ISSUED', 'COUPON_EXPIRED'),
      },
    },
    onRequest: user,
    preHandler: [actsForPathUser, ctx.idempotency.claim],
    onSend: ctx.idempotency.record,
    handler: (request, reply) =>
      ctx.idempotency.respond(
        request,
        reply,
        201,
        (writes) => writes.issueCoupon.execute({ userId: request.params.userId, couponId: request.body.couponId })
      ),
  });

  app.get('/users/:userId/coupons', {
    schema: {
      operationId: 'listUserCoupons',
      tags: ['coupons'],
      summary: "A user's coupons, newest first",
      description: 'The coupons a user holds, each AVAILABLE, USED or EXPIRED.',
      security: bearer,
      params: userParams,
      querystring: pageQuery,
      response: { 200: ok(pageOf(userCouponSchema), "A page of the user's coupons, newest first"), ...failures(INVALID, AUTHORIZED) },
    },
    onRequest: user,
    preHandler: actsForPathUser,
    handler: async (request) => {
      return answerPage(ctx.cursors, request.query, (page) => ctx.useCases.listUserCoupons.execute({ userId: request.params.userId, page }));
    },
  });

  app.get('/admin/coupons', {
    schema: {
      operationId: 'listCoupons',
      tags: ['admin'],
      summary: 'Every coupon, newest first',
      description: 'All coupons with the units still unclaimed, a page at a time. Role admin.',
      security: bearer,
      querystring: pageQuery,
      response: { 200: ok(pageOf(couponSchema), 'A page of coupons, newest first'), ...failures(INVALID, AUTHORIZED) },
    },
    onRequest: admin,
    handler: async (request) => {
      return answerPage(ctx.cursors, request.query, (page) => ctx.useCases.listCoupons.execute({ page }));
    },
  });
}
