import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { API_DOCS_PATH } from '../scripts/api-docs-path';
import { API_DOCS_COMMAND, apiMarkdown } from '../scripts/api-markdown';
import { servedOpenApiDocument } from '../scripts/served-openapi';

describe('docs/api.md', () => {
  it('is what the served OpenAPI document renders to today', async () => {
    const fresh = apiMarkdown(await servedOpenApiDocument());
    const written = await readFile(API_DOCS_PATH, 'utf8').catch(() => '');
    expect(written === fresh, `docs/api.md is stale: run \`${API_DOCS_COMMAND}\` and commit the result`).toBe(true);
  });
});
