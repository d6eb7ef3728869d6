import { fileURLToPath } from 'node:url';

/** docs/api.md at the repository's root. */
export const API_DOCS_PATH = fileURLToPath(new URL('../../../docs/api.md', import.meta.url));
