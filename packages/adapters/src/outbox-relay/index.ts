export * from './outbox-relay.store';
export * from './outbox.queries';
export * from './event.sequencer';
