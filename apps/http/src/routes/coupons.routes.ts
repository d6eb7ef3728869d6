import { z } from 'zod';
import { requireToken } from '../auth/authentication';
import { pageAnswer, presentCoupon, presentUserCoupon } from '../http/presenters';
import { actsForPathUser, bearer, type App, type RouteContext } from '../http/route-context';
import { displayName, idempotencyHeaders, idParam, isoDateTime, pageOf, pageQuery, positiveId, problems, won } from '../http/schemas';

const coupon = z
  .object({
    id: positiveId,
    name: z.string(),
    discountType: z.enum(['FIXED', 'RATE']),
    discountValue: won,
    totalQuantity: won,
    remainingQuantity: won,
    expiresAt: isoDateTime,
  })
  .meta({ id: 'Coupon' });

const userCoupon = z
  .object({
    userCouponId: positiveId,
    couponId: positiveId,
    userId: positiveId,
    status: z.enum(['AVAILABLE', 'USED', 'EXPIRED']),
    issuedAt: isoDateTime,
    expiresAt: isoDateTime,
  })
  .meta({ id: 'UserCoupon' });

const newCoupon = z
  .object({
    name: displayName,
    discountType: z.enum(['FIXED', 'RATE']),
    discountValue: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    totalQuantity: z.number().int().min(1).max(1_000_000),
    expiresAt: isoDateTime.meta({ description: 'ISO-8601 with offset, in the future' }),
  })
  .strict()
  .refine((c) => c.discountType !== 'RATE' || c.discountValue <= 100, { path: ['discountValue'], message: 'a RATE discount is a percentage from 1 to 100' });

export function couponRoutes(app: App, ctx: RouteContext): void {
  const admin = requireToken(ctx.tokens, 'admin');
  const user = requireToken(ctx.tokens, 'user');
  const userParams = z.object({ userId: idParam('User id') });

  app.post('/admin/coupons', {
    schema: {
      tags: ['admin'],
      summary: 'Create a first-come coupon',
      security: bearer,
      headers: idempotencyHeaders,
      body: newCoupon,
      response: { 201: coupon, ...problems(400, 401, 403, 409, 413, 415, 422) },
    },
    onRequest: admin,
    preHandler: ctx.idempotency.claim,
    onSend: ctx.idempotency.record,
    handler: (request, reply) =>
      ctx.idempotency.respond(request, reply, 201, (writes) => writes.createCoupon.execute({ ...request.body, expiresAt: new Date(request.body.expiresAt) }), presentCoupon),
  });

  app.get('/coupons/:couponId', {
    schema: {
      tags: ['coupons'],
      summary: 'A coupon and how many are left',
      params: z.object({ couponId: idParam('Coupon id') }),
      response: { 200: coupon, ...problems(400, 404) },
    },
    handler: async (request) => presentCoupon(await ctx.useCases.getCoupon.execute({ couponId: request.params.couponId })),
  });

  app.post('/users/:userId/coupons', {
    schema: {
      tags: ['coupons'],
      summary: 'Claim a first-come coupon (one per user)',
      security: bearer,
      params: userParams,
      headers: idempotencyHeaders,
      body: z.object({ couponId: positiveId }).strict(),
      response: { 201: userCoupon, ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
    },
    onRequest: user,
    preHandler: [actsForPathUser, ctx.idempotency.claim],
    onSend: ctx.idempotency.record,
    handler: (request, reply) =>
      ctx.idempotency.respond(
        request,
        reply,
        201,
        (writes) => writes.issueCoupon.execute({ userId: request.params.userId, couponId: request.body.couponId }),
        presentUserCoupon,
      ),
  });

  app.get('/users/:userId/coupons', {
    schema: {
      tags: ['coupons'],
      summary: "A user's coupons, newest first",
      security: bearer,
      params: userParams,
      querystring: pageQuery,
      response: { 200: pageOf(userCoupon), ...problems(400, 401, 403) },
    },
    onRequest: user,
    preHandler: actsForPathUser,
    handler: async (request) => {
      const page = { limit: request.query.limit, after: ctx.cursors.decode(request.query.cursor) };
      return pageAnswer(await ctx.useCases.listUserCoupons.execute({ userId: request.params.userId, page }), ctx.cursors, presentUserCoupon);
    },
  });

  app.get('/admin/coupons', {
    schema: {
      tags: ['admin'],
      summary: 'Every coupon, newest first, with the units left',
      security: bearer,
      querystring: pageQuery,
      response: { 200: pageOf(coupon), ...problems(400, 401, 403) },
    },
    onRequest: admin,
    handler: async (request) => {
      const page = { limit: request.query.limit, after: ctx.cursors.decode(request.query.cursor) };
      return pageAnswer(await ctx.useCases.listCoupons.execute({ page }), ctx.cursors, presentCoupon);
    },
  });
}
