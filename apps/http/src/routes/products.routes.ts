import { z } from 'zod';
import { requireToken } from '../auth/authentication';
import { pageAnswer } from '../http/presenters';
import { bearer, type App, type RouteContext } from '../http/route-context';
import { displayName, idempotencyHeaders, idParam, pageOf, pageQuery, positiveId, problems, queryInt, won } from '../http/schemas';

const product = z.object({ id: positiveId, name: z.string(), price: won, stock: won }).meta({ id: 'Product' });
const productParams = z.object({ productId: idParam('Product id') });
const name = displayName;
const price = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const stock = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const topProducts = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    items: z.array(
      z.object({ rank: positiveId, productId: positiveId, name: z.string(), price: won, soldQuantity: won, revenue: won }),
    ),
  })
  .meta({ id: 'TopProducts' });

export function productRoutes(app: App, ctx: RouteContext): void {
  const admin = requireToken(ctx.tokens, 'admin');
  const samePresenter = <T>(v: T): T => v;

  app.get('/products', {
    schema: {
      tags: ['products'],
      summary: 'The catalogue, ordered by id',
      querystring: pageQuery,
      response: { 200: pageOf(product), ...problems(400) },
    },
    handler: async (request) => {
      const page = { limit: request.query.limit, after: ctx.cursors.decode(request.query.cursor) };
      return pageAnswer(await ctx.useCases.listProducts.execute({ page }), ctx.cursors, samePresenter);
    },
  });

  // Registered before /products/:productId for readability; Fastify prefers the static segment anyway.
  app.get('/products/top', {
    schema: {
      tags: ['products'],
      summary: 'Best sellers over the last complete business days',
      querystring: z.object({ days: queryInt(1, 30, 3, 'Complete business days'), limit: queryInt(1, 50, 5, 'How many products') }),
      response: { 200: topProducts, ...problems(400) },
    },
    handler: async (request) => ctx.useCases.getTopProducts.execute({ days: request.query.days, limit: request.query.limit }),
  });

  app.get('/products/:productId', {
    schema: {
      tags: ['products'],
      summary: 'One product',
      params: productParams,
      response: { 200: product, ...problems(400, 404) },
    },
    handler: (request) => ctx.useCases.getProduct.execute({ productId: request.params.productId }),
  });

  app.post('/admin/products', {
    schema: {
      tags: ['admin'],
      summary: 'Create a product',
      security: bearer,
      headers: idempotencyHeaders,
      body: z.object({ name, price, stock }).strict(),
      response: { 201: product, ...problems(400, 401, 403, 409, 413, 415, 422) },
    },
    onRequest: admin,
    preHandler: ctx.idempotency.claim,
    onSend: ctx.idempotency.record,
    handler: (request, reply) => ctx.idempotency.respond(request, reply, 201, (writes) => writes.createProduct.execute(request.body)),
  });

  app.patch('/admin/products/:productId', {
    schema: {
      tags: ['admin'],
      summary: 'Change any of name, price and stock',
      security: bearer,
      params: productParams,
      headers: idempotencyHeaders,
      body: z
        .object({ name: name.optional(), price: price.optional(), stock: stock.optional() })
        .strict()
        .refine((changes) => Object.keys(changes).length > 0, 'give at least one of name, price, stock'),
      response: { 200: product, ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
    },
    onRequest: admin,
    preHandler: ctx.idempotency.claim,
    onSend: ctx.idempotency.record,
    handler: (request, reply) =>
      ctx.idempotency.respond(request, reply, 200, (writes) => writes.updateProduct.execute({ productId: request.params.productId, changes: request.body })),
  });
}
