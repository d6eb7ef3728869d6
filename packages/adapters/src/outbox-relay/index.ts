export * from './pg-outbox-relay.store';
export * from './pg-outbox.queries';
export * from './pg-event-sequencer';
