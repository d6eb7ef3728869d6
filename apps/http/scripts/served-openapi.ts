import { createInMemoryStorefront } from '@storefront/application/testing';
import { buildApp } from '../src/app';
import { composeHttp } from '../src/http.composition';

/**
 * The OpenAPI document the service serves at GET /openapi.json, as parsed JSON. It depends on the
 * routes only, so an app over the in-memory adapters serves the same one as production.
 */
export async function servedOpenApiDocument(): Promise<Record<string, unknown>> {
  const app = await buildApp(
    composeHttp(createInMemoryStorefront(), {
      jwtSecret: 'only-for-writing-the-openapi-document',
      maxBalance: 10_000_000,
      businessTimeZone: 'Asia/Seoul',
      readiness: () => Promise.resolve(true),
      productCacheTtlMs: 0,
    }),
  );
  try {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}`);
    return JSON.parse(response.body) as Record<string, unknown>;
  } finally {
    await app.close();
  }
}
