/** `@storefront/scheduler`: what `pnpm start` (scripts/start-all.ts) hosts of the scheduler role. */
export { startSchedulerRole, type SchedulerRole } from './scheduler.composition';
