import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { servedOpenApiDocument } from './served-openapi';

/*
 * Writes the OpenAPI document the service serves to a file, for the linter (`pnpm lint:openapi`)
 * and for client teams that generate code from it.
 *
 *   tsx apps/http/scripts/write-openapi.ts <file>
 */

const target = process.argv[2];
if (target === undefined) {
  console.error('usage: write-openapi.ts <file>');
  process.exit(2);
}

const document = await servedOpenApiDocument();
const path = resolve(target);
await mkdir(dirname(path), { recursive: true });
await writeFile(path, `${JSON.stringify(document, null, 2)}\n`);
console.log(`wrote ${path}`);
