/**
 * The typed configuration of Conveyor on one machine: the stand-ins' endpoints with local
 * credentials, the local names of the table, bucket and queues, and the settings the functions'
 * own readers parse from the environment the runtime is given (tests shorten timeouts there).
 */
import { type AdminSettings, readAdminSettings } from '../lambdas/admin/config';
import { type IngestSettings } from '../lambdas/ingest/app';
import { readIngestSettings } from '../lambdas/ingest/config';
import {
  type ObserveConfig,
  type PauseConfig,
  readObserveConfig,
  readPayloadRetentionDays,
  readRecordRetentionDays,
  readPauseSettings,
  readPowertoolsSettings,
  readQueueRetentionSeconds,
  type StoreConfig,
} from '../lambdas/shared/runtime/config';
import { ENV, type Environment, envReader } from '../lambdas/shared/runtime/env';
import { DEFAULT_ALERT_SETTINGS } from '../lambdas/shared/domain/pause-episodes';
import type { AwsClientConfig } from '../lambdas/shared/wiring/clients';
import { LOCAL_CLIENT_IDENTITY } from './stand-ins';

/** Where the stand-ins listen. */
export interface StandInEndpoints {
  readonly sqs: string;
  readonly dynamoDb: string;
  readonly ses: string;
}

/**
 * How kind the local runtime is. `default`: the stand-ins as they are. `aws`: as AWS behaves at its
 * worst (contract, "Local mode"): mapping changes delayed and throttled, batches of up to 10, the
 * 6 MB invocation limit, and DynamoDB and SQS writes now and then applied with their answers lost.
 */
export interface LocalFidelity {
  readonly mode: 'default' | 'aws';
  /** Seeds every chance the `aws` mode takes; the same seed replays the same run. */
  readonly seed: number;
}

const parseFidelityMode = (text: string): LocalFidelity['mode'] => {
  if (text !== 'default' && text !== 'aws') throw new Error(`must be default or aws, got ${JSON.stringify(text)}`);
  return text;
};

/** `CONVEYOR_LOCAL_FIDELITY` (default `default`) and `CONVEYOR_LOCAL_SEED` (default: a new one each start). */
export const readLocalFidelity = (environment: Environment): LocalFidelity => {
  const env = envReader(environment);
  return {
    mode: env.parsed(ENV.CONVEYOR_LOCAL_FIDELITY, parseFidelityMode, 'default'),
    seed: env.integer(ENV.CONVEYOR_LOCAL_SEED, Math.floor(Math.random() * 0x7fff_ffff)),
  };
};

export interface LocalConfig {
  readonly fidelity: LocalFidelity;
  readonly clients: AwsClientConfig;
  readonly observe: ObserveConfig;
  readonly store: StoreConfig;
  readonly pauses: PauseConfig;
  readonly ingest: IngestSettings;
  readonly admin: AdminSettings;
}

/**
 * The settling time (s) of local mode (the contract's "Alerts": 10 seconds locally, 5 minutes
 * deployed), so a Resumed email shows in the SES inbox seconds after the resume.
 * `ALERT_SETTLING_SECONDS` overrides it, as deployed.
 */
export const LOCAL_SETTLING_SECONDS = 10;

/** The one table's name; tests that read it directly use the same. */
export const LOCAL_TABLE_NAME = 'conveyor';

export const localConfig = (endpoints: StandInEndpoints, environment: Environment = {}): LocalConfig => ({
  fidelity: readLocalFidelity(environment),
  clients: {
    ...LOCAL_CLIENT_IDENTITY,
    // fauxqs serves S3 on the same endpoint as SQS, path-style.
    endpoints: { sqs: endpoints.sqs, dynamodb: endpoints.dynamoDb, ses: endpoints.ses, s3: endpoints.sqs },
    s3ForcePathStyle: true,
  },
  observe: {
    ...readObserveConfig(environment),
    // No CloudWatch here to read embedded-format metrics: they would only crowd the console.
    ...readPowertoolsSettings(environment, { metricsDisabled: true }),
  },
  store: {
    tableName: LOCAL_TABLE_NAME,
    payloadBucket: 'conveyor-local-payloads',
    payloadRetentionDays: readPayloadRetentionDays(environment),
    recordRetentionDays: readRecordRetentionDays(environment),
    queues: {
      namePrefix: 'conveyor-local-',
      visibilityTimeoutSeconds: 60,
      retentionSeconds: readQueueRetentionSeconds(environment),
    },
  },
  pauses: {
    alertFromAddress: 'alerts@conveyor.local',
    allowPrivateDestinations: true,
    settings: readPauseSettings(environment, { ...DEFAULT_ALERT_SETTINGS, settlingSeconds: LOCAL_SETTLING_SECONDS }),
  },
  ingest: readIngestSettings(environment),
  admin: readAdminSettings(environment),
});
