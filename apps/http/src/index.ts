/** `@storefront/http`: what `pnpm start` (scripts/start-all.ts) hosts of the HTTP role. */
export { demoTokens } from './auth/issue-token';
export { httpAddressOf, startHttpRole, type HttpRole } from './http.composition';
