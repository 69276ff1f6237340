/**
 * The parts of configuration several functions share, each read from the environment by the one
 * reader. A function's `config.ts` puts together the parts it needs; the local runtime reads its
 * tunable parts with these same readers from the environment it is given.
 */
import { LogLevel } from '@aws-lambda-powertools/logger';
import type { LogLevel as LogLevelName } from '@aws-lambda-powertools/logger/types';
import { MAX_RETENTION_SECONDS, type QueueSettings } from '../adapters/sqs-destination-queues';
import { DEFAULT_PROBE_LADDER_SECONDS, parseLadder } from '../domain/failures';
import { defaultRecordRetentionDays, recordRetentionProblem } from '../domain/record-retention';
import { type AlertSettings, DEFAULT_ALERT_SETTINGS } from '../domain/pause-episodes';
import type { PauseSettings } from '../pauses/pause-ports';
import { ENV, type Environment, envReader } from './env';

/** How long delivered payloads are kept for redelivery, in days, unless the deployment says otherwise. */
export const DEFAULT_PAYLOAD_RETENTION_DAYS = 7;

/** Days delivered payloads are kept for redelivery: a whole number from 0 (none kept). */
export const readPayloadRetentionDays = (env?: Environment): number =>
  envReader(env).parsed(
    ENV.PAYLOAD_RETENTION_DAYS,
    (text) => {
      const days = Number(text);
      if (!Number.isInteger(days) || days < 0)
        throw new Error(`must be a whole number of days, got ${JSON.stringify(text)}`);
      return days;
    },
    DEFAULT_PAYLOAD_RETENTION_DAYS,
  );

/**
 * Days a message's records (`MSG#`, `ARR#`, `ATT#` items) are kept (`record-retention.ts`); refused
 * below 14 days + the payload retention, which redelivery needs.
 */
export const readRecordRetentionDays = (env?: Environment): number => {
  const payloadRetentionDays = readPayloadRetentionDays(env);
  return envReader(env).parsed(
    ENV.RECORD_RETENTION_DAYS,
    (text) => {
      const days = Number(text);
      const problem = recordRetentionProblem(days, payloadRetentionDays);
      if (problem !== undefined) throw new Error(problem);
      return days;
    },
    defaultRecordRetentionDays(payloadRetentionDays),
  );
};

/** How a function logs and meters. */
export interface ObserveConfig {
  /** The deployment (stack) name, the metrics' service dimension. @default 'conveyor' */
  readonly deployment: string;
  /** The log level; when absent, Powertools reads POWERTOOLS_LOG_LEVEL itself (default INFO). */
  readonly logLevel?: LogLevelName;
  /** Discard metrics; when absent, Powertools reads POWERTOOLS_METRICS_DISABLED itself. */
  readonly metricsDisabled?: boolean;
}

/** The table, the payload bucket and the destination queues every function uses. */
export interface StoreConfig {
  readonly tableName: string;
  readonly payloadBucket: string;
  /**
   * Days a delivered payload is kept for redelivery, counted from its latest delivery (0: none are
   * kept). The bucket's lifecycle rule deletes them after this (`PayloadBucket`). @default 7
   */
  readonly payloadRetentionDays: number;
  /**
   * Days a message's records are kept by TTL: its item once every transmission was delivered, its
   * arrival-log entries and failed attempts from their time (`record-retention.ts`). Read only when
   * RECORD_RETENTION_DAYS is set (the stack always sets it); otherwise the default applies where
   * the store is wired (`defaultRecordRetentionDays`). @default 90
   */
  readonly recordRetentionDays?: number;
  readonly queues: QueueSettings;
}

/** What delivering, probing and the operator controls need beyond the store. */
export interface PauseConfig {
  /** The SES-verified sender of pause and recovery alerts. */
  readonly alertFromAddress: string;
  /** Deliveries may reach private and loopback addresses (never link-local). */
  readonly allowPrivateDestinations: boolean;
  readonly settings: PauseSettings;
}

const LOG_LEVELS: readonly string[] = Object.values(LogLevel);

/** A level Powertools knows, else undefined (Powertools ignores an unknown level too). */
const logLevelOf = (text: string): LogLevelName | undefined => {
  const level = text.toUpperCase();
  return LOG_LEVELS.includes(level) ? (level as LogLevelName) : undefined;
};

/** On AWS: the deployment. Powertools reads its own variables from the function's environment. */
export const readObserveConfig = (env?: Environment): ObserveConfig => ({
  deployment: envReader(env).string(ENV.CONVEYOR_DEPLOYMENT, 'conveyor'),
});

/**
 * Powertools' own settings, read from `env` to be passed explicitly: for the local runtime, whose
 * functions share one process whose environment is not the one they are given.
 */
export const readPowertoolsSettings = (
  env: Environment | undefined,
  defaults: { readonly metricsDisabled: boolean },
): Pick<ObserveConfig, 'logLevel' | 'metricsDisabled'> => {
  const read = envReader(env);
  return {
    logLevel: read.optional(ENV.POWERTOOLS_LOG_LEVEL, logLevelOf),
    metricsDisabled: read.boolean(ENV.POWERTOOLS_METRICS_DISABLED, defaults.metricsDisabled),
  };
};

/** How long SQS keeps an entry: the most it allows unless shortened (to test the spill). */
export const readQueueRetentionSeconds = (env?: Environment): number =>
  envReader(env).integer(ENV.QUEUE_RETENTION_SECONDS, MAX_RETENTION_SECONDS);

export const readStoreConfig = (env?: Environment): StoreConfig => {
  const read = envReader(env);
  return {
    tableName: read.string(ENV.TABLE_NAME),
    payloadBucket: read.string(ENV.PAYLOAD_BUCKET),
    payloadRetentionDays: readPayloadRetentionDays(env),
    ...(read.optional(ENV.RECORD_RETENTION_DAYS) === undefined
      ? {}
      : { recordRetentionDays: readRecordRetentionDays(env) }),
    queues: {
      namePrefix: read.string(ENV.QUEUE_NAME_PREFIX),
      visibilityTimeoutSeconds: read.integer(ENV.QUEUE_VISIBILITY_TIMEOUT_SECONDS, 720),
      kmsKeyId: read.optional(ENV.QUEUE_KMS_KEY_ID),
      retentionSeconds: readQueueRetentionSeconds(env),
    },
  };
};

/** A whole number from `least`: `what` names the unit in the message of a wrong value. */
const wholeNumberFrom =
  (least: number, what: string) =>
  (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < least)
      throw new Error(`must be a whole number of ${what}, at least ${least}, got ${JSON.stringify(text)}`);
    return value;
  };

/**
 * When a resume's email goes and when a destination is unstable (`domain/pause-episodes.ts`):
 * `ALERT_SETTLING_SECONDS` (≥ 0), `ALERT_FLAPPING_EPISODES` (≥ 1), `ALERT_FLAPPING_WINDOW_SECONDS`
 * (≥ 1), each defaulting to `defaults` (the contract's: 300 s, 3, 3600 s; the local runtime
 * passes a 10 s settling time). Throws naming the variable for a value out of range.
 */
export const readAlertSettings = (
  env?: Environment,
  defaults: AlertSettings = DEFAULT_ALERT_SETTINGS,
): AlertSettings => {
  const read = envReader(env);
  return {
    settlingSeconds: read.parsed(ENV.ALERT_SETTLING_SECONDS, wholeNumberFrom(0, 'seconds'), defaults.settlingSeconds),
    flappingEpisodes: read.parsed(
      ENV.ALERT_FLAPPING_EPISODES,
      wholeNumberFrom(1, 'episodes'),
      defaults.flappingEpisodes,
    ),
    flappingWindowSeconds: read.parsed(
      ENV.ALERT_FLAPPING_WINDOW_SECONDS,
      wholeNumberFrom(1, 'seconds'),
      defaults.flappingWindowSeconds,
    ),
  };
};

/**
 * The settings of pause episodes (and of the deliveries inside them), all with defaults;
 * `alertDefaults` are those of `readAlertSettings`.
 */
export const readPauseSettings = (env?: Environment, alertDefaults?: AlertSettings): PauseSettings => {
  const read = envReader(env);
  return {
    commitGraceMs: read.integer(ENV.COMMIT_GRACE_MS, 30_000),
    retryBackoffMs: read.integer(ENV.INLINE_RETRY_BACKOFF_MS, 1000),
    retryCapMs: read.integer(ENV.INLINE_RETRY_CAP_MS, 5000),
    pauseReleaseSeconds: read.integer(ENV.PAUSE_RELEASE_SECONDS, 5),
    // Six sevenths of the retention: twelve of SQS's fourteen days, two days to spare.
    spillAfterSeconds: read.integer(ENV.SPILL_AFTER_SECONDS, Math.floor((readQueueRetentionSeconds(env) * 6) / 7)),
    probeLadderSeconds: read.parsed(ENV.PROBE_LADDER_SECONDS, parseLadder, DEFAULT_PROBE_LADDER_SECONDS),
    alerting: readAlertSettings(env, alertDefaults),
  };
};

/** Whether destinations may be private addresses: registration and every delivery check it. */
export const readAllowPrivateDestinations = (env?: Environment): boolean =>
  envReader(env).boolean(ENV.ALLOW_PRIVATE_DESTINATIONS, false);

export const readPauseConfig = (env?: Environment): PauseConfig => ({
  alertFromAddress: envReader(env).string(ENV.ALERT_FROM_ADDRESS),
  allowPrivateDestinations: readAllowPrivateDestinations(env),
  settings: readPauseSettings(env),
});

/** What the functions that deliver, probe or control pauses (delivery, prober, admin) read. */
export interface PausingFunctionConfig {
  readonly observe: ObserveConfig;
  readonly store: StoreConfig;
  readonly pauses: PauseConfig;
}

export const readPausingFunctionConfig = (env?: Environment): PausingFunctionConfig => ({
  observe: readObserveConfig(env),
  store: readStoreConfig(env),
  pauses: readPauseConfig(env),
});
