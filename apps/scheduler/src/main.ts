import { runService } from '@storefront/adapters';
import { schedulerAddressOf, startSchedulerProcess } from './scheduler.composition';

/** `pnpm start:scheduler`: the scheduler role alone (the outbox relay and the 00:00 job), its metrics on METRICS_PORT. */
await runService({ role: 'scheduler', listensOn: schedulerAddressOf, start: startSchedulerProcess });
