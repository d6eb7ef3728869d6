export * from './builders';
export * from './given';
export * from './invariants';
export * from './pages';
export * from './fake-data-platform';
