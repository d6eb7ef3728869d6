import { runService } from '@storefront/adapters';
import { httpAddressOf, startHttpRole } from './http.composition';

/** `pnpm start:http`: the HTTP role alone (several may run side by side on one PostgreSQL). */
await runService({
  role: 'http',
  listensOn: httpAddressOf,
  async start(service) {
    const http = await startHttpRole(service);
    return { stop: () => http.close() };
  },
});
