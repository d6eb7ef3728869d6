import type { DataPlatformClient } from '@storefront/application';
import type { AppConfig } from '../config/config';
import { HttpDataPlatformClient } from './http-data-platform.client';
import { JsonlFileSink } from './jsonl-file.sink';

/** The signed HTTP client when DATA_PLATFORM_URL is set, else the local JSONL file sink. */
export function dataPlatformClientFor(settings: AppConfig['dataPlatform']): DataPlatformClient {
  return 'url' in settings
    ? new HttpDataPlatformClient({ url: settings.url, secret: settings.secret, timeoutMs: settings.timeoutMs })
    : new JsonlFileSink(settings.sinkPath);
}
