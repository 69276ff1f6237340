/**
 * Every environment variable Conveyor sets or reads, named once: the stack's constructs set them,
 * the functions' `config.ts` files read them, the bundle check and the local runtime use them.
 * Nothing else spells a variable's name.
 */
export const ENV = {
  // Set by the stack on every function (lib/constructs/conveyor-function.ts).
  /** The stack name; dimensions the metrics so the dashboard shows one deployment. */
  CONVEYOR_DEPLOYMENT: 'CONVEYOR_DEPLOYMENT',
  NODE_OPTIONS: 'NODE_OPTIONS',
  // Set by the construct that grants the resource (lib/constructs/*.ts `bindTo`, `grant*`).
  TABLE_NAME: 'TABLE_NAME',
  PAYLOAD_BUCKET: 'PAYLOAD_BUCKET',
  /** Days delivered payloads are kept for redelivery (0: none); set with the bucket, whose lifecycle rule matches it. */
  PAYLOAD_RETENTION_DAYS: 'PAYLOAD_RETENTION_DAYS',
  RECORD_RETENTION_DAYS: 'RECORD_RETENTION_DAYS',
  QUEUE_NAME_PREFIX: 'QUEUE_NAME_PREFIX',
  QUEUE_VISIBILITY_TIMEOUT_SECONDS: 'QUEUE_VISIBILITY_TIMEOUT_SECONDS',
  QUEUE_KMS_KEY_ID: 'QUEUE_KMS_KEY_ID',
  ALERT_FROM_ADDRESS: 'ALERT_FROM_ADDRESS',
  ALLOW_PRIVATE_DESTINATIONS: 'ALLOW_PRIVATE_DESTINATIONS',
  DELIVERY_FUNCTION_ARN: 'DELIVERY_FUNCTION_ARN',
  COMMIT_GRACE_MS: 'COMMIT_GRACE_MS',
  // Settings with defaults, which tests and benchmarks shorten.
  QUEUE_RETENTION_SECONDS: 'QUEUE_RETENTION_SECONDS',
  INLINE_RETRY_BACKOFF_MS: 'INLINE_RETRY_BACKOFF_MS',
  INLINE_RETRY_CAP_MS: 'INLINE_RETRY_CAP_MS',
  PAUSE_RELEASE_SECONDS: 'PAUSE_RELEASE_SECONDS',
  SPILL_AFTER_SECONDS: 'SPILL_AFTER_SECONDS',
  PROBE_LADDER_SECONDS: 'PROBE_LADDER_SECONDS',
  INGEST_CACHE_TTL_MS: 'INGEST_CACHE_TTL_MS',
  IDEMPOTENCY_LEASE_MS: 'IDEMPOTENCY_LEASE_MS',
  MAX_QUEUE_MESSAGE_BYTES: 'MAX_QUEUE_MESSAGE_BYTES',
  REDELIVERY_ADMIN_BUDGET_MS: 'REDELIVERY_ADMIN_BUDGET_MS',
  /** `true`: new destinations require endpoint verification unless created with `verify: false`. */
  VERIFY_DESTINATIONS: 'VERIFY_DESTINATIONS',
  /** Seconds an upload can serve a message after its creation (default 23 h; tests shorten it). */
  UPLOAD_USABLE_SECONDS: 'UPLOAD_USABLE_SECONDS',
  /** How long (s) a resumed destination stays active before its Resumed email goes (domain/pause-episodes.ts). */
  ALERT_SETTLING_SECONDS: 'ALERT_SETTLING_SECONDS',
  /** More pause episodes than this in the flapping window: one Unstable email instead of more pairs. */
  ALERT_FLAPPING_EPISODES: 'ALERT_FLAPPING_EPISODES',
  /** The flapping window (s), which is also the quiet time after which pairs of emails go again. */
  ALERT_FLAPPING_WINDOW_SECONDS: 'ALERT_FLAPPING_WINDOW_SECONDS',
  // Read by Powertools and the AWS SDK themselves; Conveyor passes the first two explicitly.
  POWERTOOLS_LOG_LEVEL: 'POWERTOOLS_LOG_LEVEL',
  POWERTOOLS_METRICS_DISABLED: 'POWERTOOLS_METRICS_DISABLED',
  AWS_REGION: 'AWS_REGION',
  AWS_ACCESS_KEY_ID: 'AWS_ACCESS_KEY_ID',
  AWS_SECRET_ACCESS_KEY: 'AWS_SECRET_ACCESS_KEY',
  // `npm start` (bin/local.ts) and its stand-ins.
  PORT: 'PORT',
  CONVEYOR_ADMIN_TOKEN: 'CONVEYOR_ADMIN_TOKEN',
  CONVEYOR_DATA_DIR: 'CONVEYOR_DATA_DIR',
  CONVEYOR_SQS_PORT: 'CONVEYOR_SQS_PORT',
  CONVEYOR_DYNAMODB_PORT: 'CONVEYOR_DYNAMODB_PORT',
  CONVEYOR_SES_PORT: 'CONVEYOR_SES_PORT',
  /** `aws`: the local runtime misbehaves as AWS does at its worst (local/fidelity/). */
  CONVEYOR_LOCAL_FIDELITY: 'CONVEYOR_LOCAL_FIDELITY',
  /** The seed of the fidelity mode's chance; printed at start, so a failing run can be replayed. */
  CONVEYOR_LOCAL_SEED: 'CONVEYOR_LOCAL_SEED',
  DDB_LOCAL_TELEMETRY: 'DDB_LOCAL_TELEMETRY',
  // `npm run bench`: how many messages the benchmarks send.
  BENCH_MESSAGES: 'BENCH_MESSAGES',
  BENCH_FAN_OUT_MESSAGES: 'BENCH_FAN_OUT_MESSAGES',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Variables by name, as `process.env` holds them (or a test or the local runtime gives them). */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The one way Conveyor reads its environment. Each read takes a default or fails with a message
 * naming the variable; unset and empty mean the same.
 */
export interface EnvReader {
  string(key: EnvName, defaultValue?: string): string;
  integer(key: EnvName, defaultValue?: number): number;
  /** `true` or `false`. */
  boolean(key: EnvName, defaultValue?: boolean): boolean;
  /** Parsed by `parse`, whose error is reported with the variable's name. */
  parsed<T>(key: EnvName, parse: (text: string) => T, defaultValue?: T): T;
  /** Parsed by `parse` when set; undefined when not. */
  optional<T = string>(key: EnvName, parse?: (text: string) => T): T | undefined;
}

const parseInteger = (text: string): number => {
  const parsed = Number(text);
  if (!Number.isInteger(parsed)) throw new Error(`must be an integer, got ${JSON.stringify(text)}`);
  return parsed;
};

const parseBoolean = (text: string): boolean => {
  if (text !== 'true' && text !== 'false') throw new Error('must be true or false');
  return text === 'true';
};

/** A reader over `env` (the process's environment unless given, as the local runtime and tests do). */
export const envReader = (env: Environment = process.env): EnvReader => {
  const textOf = (key: EnvName): string | undefined => {
    const value = env[key];
    return value === undefined || value === '' ? undefined : value;
  };
  const parseNamed = <T>(key: EnvName, text: string, parse: (text: string) => T): T => {
    try {
      return parse(text);
    } catch (error) {
      throw new Error(`Environment variable ${key}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  };
  const parsed = <T>(key: EnvName, parse: (text: string) => T, defaultValue?: T): T => {
    const text = textOf(key);
    if (text !== undefined) return parseNamed(key, text, parse);
    if (defaultValue === undefined) throw new Error(`Environment variable ${key} is required but not set`);
    return defaultValue;
  };
  return {
    string: (key, defaultValue) => parsed(key, (text) => text, defaultValue),
    integer: (key, defaultValue) => parsed(key, parseInteger, defaultValue),
    boolean: (key, defaultValue) => parsed(key, parseBoolean, defaultValue),
    parsed,
    optional: <T = string>(key: EnvName, parse: (text: string) => T = (text) => text as T) => {
      const text = textOf(key);
      return text === undefined ? undefined : parseNamed(key, text, parse);
    },
  };
};
