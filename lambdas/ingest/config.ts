/** The ingest function's configuration, read from its environment once, at module load. */
import { MAX_QUEUE_MESSAGE_BYTES } from '../shared/adapters/sqs-destination-queues';
import { DEFAULT_UPLOAD_USABLE_SECONDS } from '../shared/domain/uploads';
import { type ObserveConfig, readObserveConfig, readStoreConfig, type StoreConfig } from '../shared/runtime/config';
import { ENV, type Environment, envReader } from '../shared/runtime/env';
import type { IngestSettings } from './app';

export interface IngestConfig {
  readonly observe: ObserveConfig;
  readonly store: StoreConfig;
  readonly settings: IngestSettings;
}

/** Ingest's own settings, all with defaults (the local runtime reads them with this too). */
export const readIngestSettings = (env?: Environment): IngestSettings => {
  const read = envReader(env);
  return {
    cacheTtlMs: read.integer(ENV.INGEST_CACHE_TTL_MS, 30_000),
    idempotencyLeaseMs: read.integer(ENV.IDEMPOTENCY_LEASE_MS, 60_000),
    maxQueueMessageBytes: read.integer(ENV.MAX_QUEUE_MESSAGE_BYTES, MAX_QUEUE_MESSAGE_BYTES),
    uploadUsableSeconds: read.integer(ENV.UPLOAD_USABLE_SECONDS, DEFAULT_UPLOAD_USABLE_SECONDS),
  };
};

export const readIngestConfig = (env?: Environment): IngestConfig => ({
  observe: readObserveConfig(env),
  store: readStoreConfig(env),
  settings: readIngestSettings(env),
});
