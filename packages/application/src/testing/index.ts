/**
 * `@storefront/application/testing`: the in-memory adapters of every port, test builders and
 * helpers, for isolation tests. Kept out of the main entry so production code cannot lean on them.
 */
export * from '../in-memory';
export * from './builders';
export * from './given';
export * from './invariants';
export * from './pages';
export * from './fake-data-platform';
export * from './faults';
