import { writeFile } from 'node:fs/promises';
import { apiMarkdown } from './api-markdown';
import { API_DOCS_PATH } from './api-docs-path';
import { servedOpenApiDocument } from './served-openapi';

/*
 * `pnpm docs:api`: writes docs/api.md from the OpenAPI document the service serves. Run it after
 * changing a route, a schema or a problem; apps/http/test/api-docs.unit.test.ts fails until then.
 */

await writeFile(API_DOCS_PATH, apiMarkdown(await servedOpenApiDocument()));
console.log(`wrote ${API_DOCS_PATH}`);
