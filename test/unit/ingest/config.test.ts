import { readIngestConfig, readIngestSettings } from '../../../lambdas/ingest/config';
import { ENV, type Environment } from '../../../lambdas/shared/runtime/env';
import { messageThrownBy } from '../../fixtures/thrown';

/** What the stack sets on the ingest function and has no default (no alert sender: ingest never pauses). */
const required: Environment = {
  [ENV.TABLE_NAME]: 'conveyor-table',
  [ENV.PAYLOAD_BUCKET]: 'conveyor-payloads',
  [ENV.QUEUE_NAME_PREFIX]: 'conveyor-dst-',
};

const without = (name: string): Environment =>
  Object.fromEntries(Object.entries(required).filter(([key]) => key !== name));

describe('readIngestConfig', () => {
  it('reads the deployment, the store and ingest settings from one environment, with their defaults', () => {
    expect(readIngestConfig({ ...required, CONVEYOR_DEPLOYMENT: 'ConveyorTest' })).toEqual({
      observe: { deployment: 'ConveyorTest' },
      store: {
        tableName: 'conveyor-table',
        payloadBucket: 'conveyor-payloads',
        payloadRetentionDays: 7,
        queues: {
          namePrefix: 'conveyor-dst-',
          visibilityTimeoutSeconds: 720,
          kmsKeyId: undefined,
          retentionSeconds: 1_209_600,
        },
      },
      settings: {
        cacheTtlMs: 30_000,
        idempotencyLeaseMs: 60_000,
        maxQueueMessageBytes: 1024 * 1024,
        uploadUsableSeconds: 23 * 60 * 60,
      },
    });
  });

  it.each(Object.keys(required))('names %s when it is not set', (name) => {
    expect(messageThrownBy(() => readIngestConfig(without(name)))).toBe(
      `Environment variable ${name} is required but not set`,
    );
  });
});

describe('readIngestSettings', () => {
  it('reads each setting it is given', () => {
    const settings = readIngestSettings({
      INGEST_CACHE_TTL_MS: '0',
      IDEMPOTENCY_LEASE_MS: '5000',
      MAX_QUEUE_MESSAGE_BYTES: '262144',
      UPLOAD_USABLE_SECONDS: '2',
    });

    expect(settings).toEqual({
      cacheTtlMs: 0,
      idempotencyLeaseMs: 5000,
      maxQueueMessageBytes: 262_144,
      uploadUsableSeconds: 2,
    });
  });

  const integerSettings = [
    ENV.INGEST_CACHE_TTL_MS,
    ENV.IDEMPOTENCY_LEASE_MS,
    ENV.MAX_QUEUE_MESSAGE_BYTES,
    ENV.UPLOAD_USABLE_SECONDS,
  ];
  it.each(integerSettings)('names %s when it is not an integer', (name) => {
    const read = () => readIngestSettings({ [name]: '1MB' });

    expect(messageThrownBy(read)).toBe(`Environment variable ${name}: must be an integer, got "1MB"`);
  });
});
