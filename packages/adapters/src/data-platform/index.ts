export * from './webhook.signature';
export * from './http-data-platform.client';
export * from './jsonl-file.sink';
export * from './jetstream-data-platform.client';
export * from './data-platform.factory';
