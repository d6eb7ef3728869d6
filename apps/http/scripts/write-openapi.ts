import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createInMemoryStorefront } from '@storefront/application/testing';
import { buildApp } from '../src/app';
import { composeHttp } from '../src/http.composition';

/*
 * Writes the OpenAPI document the service serves to a file, for the linter (`pnpm lint:openapi`)
 * and for client teams that generate code from it. The document depends on the routes only, so
 * an app over the in-memory adapters serves the same one as production.
 *
 *   tsx apps/http/scripts/write-openapi.ts <file>
 */

const target = process.argv[2];
if (target === undefined) {
  console.error('usage: write-openapi.ts <file>');
  process.exit(2);
}

const app = await buildApp(
  composeHttp(createInMemoryStorefront(), {
    jwtSecret: 'only-for-writing-the-openapi-document',
    maxBalance: 10_000_000,
    businessTimeZone: 'Asia/Seoul',
    readiness: () => Promise.resolve(true),
    productCacheTtlMs: 0,
  }),
);
const response = await app.inject({ method: 'GET', url: '/openapi.json' });
await app.close();
if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}`);
const path = resolve(target);
await mkdir(dirname(path), { recursive: true });
await writeFile(path, `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);
console.log(`wrote ${path}`);
