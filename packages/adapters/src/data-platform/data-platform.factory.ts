import type { DataPlatformClient } from '@storefront/application';
import type { AppConfig } from '../config/app.config';
import { HttpDataPlatformClient } from './http-data-platform.client';
import { JetStreamDataPlatformClient } from './jetstream-data-platform.client';
import { JsonlFileSink } from './jsonl-file.sink';

/** Signed HTTP or NATS JetStream by DATA_PLATFORM_URL's scheme, else the local JSONL file sink. */
export function dataPlatformClientFor(settings: AppConfig['dataPlatform']): DataPlatformClient {
  switch (settings.kind) {
    case 'http':
      return new HttpDataPlatformClient({ url: settings.url, secret: settings.secret, timeoutMs: settings.timeoutMs });
    case 'nats':
      return new JetStreamDataPlatformClient({ url: settings.url, stream: settings.stream, timeoutMs: settings.timeoutMs });
    case 'file':
      return new JsonlFileSink(settings.sinkPath);
  }
}
