import { DEFAULT_PROBE_LADDER_SECONDS } from '../../../../lambdas/shared/domain/failures';
import {
  readAllowPrivateDestinations,
  readObserveConfig,
  readPauseConfig,
  readPauseSettings,
  readPausingFunctionConfig,
  readPowertoolsSettings,
  readQueueRetentionSeconds,
  readRecordRetentionDays,
  readStoreConfig,
} from '../../../../lambdas/shared/runtime/config';
import { ENV, type Environment } from '../../../../lambdas/shared/runtime/env';
import { messageThrownBy } from '../../../fixtures/thrown';

/** What the stack sets on a function that delivers, probes or controls pauses: only what has no default. */
const required: Environment = {
  [ENV.TABLE_NAME]: 'conveyor-table',
  [ENV.PAYLOAD_BUCKET]: 'conveyor-payloads',
  [ENV.QUEUE_NAME_PREFIX]: 'conveyor-dst-',
  [ENV.ALERT_FROM_ADDRESS]: 'alerts@conveyor.example',
};

/** `required` without `name`. */
const without = (name: string): Environment =>
  Object.fromEntries(Object.entries(required).filter(([key]) => key !== name));

/** SQS's longest retention, 14 days, in seconds. */
const FOURTEEN_DAYS = 1_209_600;

describe('readObserveConfig', () => {
  it("names the deployment 'conveyor' unless CONVEYOR_DEPLOYMENT says otherwise", () => {
    expect(readObserveConfig({})).toEqual({ deployment: 'conveyor' });
    expect(readObserveConfig({ CONVEYOR_DEPLOYMENT: 'ConveyorProd' })).toEqual({ deployment: 'ConveyorProd' });
  });

  it("leaves Powertools' own variables to Powertools", () => {
    const config = readObserveConfig({ POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_METRICS_DISABLED: 'true' });

    expect(config).toEqual({ deployment: 'conveyor' });
  });
});

describe('readPowertoolsSettings', () => {
  it('reads the log level in any case, and whether metrics are disabled', () => {
    const env = { POWERTOOLS_LOG_LEVEL: 'debug', POWERTOOLS_METRICS_DISABLED: 'false' };

    const settings = readPowertoolsSettings(env, { metricsDisabled: true });

    expect(settings).toEqual({ logLevel: 'DEBUG', metricsDisabled: false });
  });

  it('leaves the level to Powertools when unset or unknown, and disables metrics as the caller defaults', () => {
    expect(readPowertoolsSettings({}, { metricsDisabled: true })).toEqual({
      logLevel: undefined,
      metricsDisabled: true,
    });
    expect(readPowertoolsSettings({ POWERTOOLS_LOG_LEVEL: 'verbose' }, { metricsDisabled: false })).toEqual({
      logLevel: undefined,
      metricsDisabled: false,
    });
  });

  it('names POWERTOOLS_METRICS_DISABLED when it is neither true nor false', () => {
    const read = () => readPowertoolsSettings({ POWERTOOLS_METRICS_DISABLED: '1' }, { metricsDisabled: false });

    expect(messageThrownBy(read)).toBe('Environment variable POWERTOOLS_METRICS_DISABLED: must be true or false');
  });
});

describe('readQueueRetentionSeconds', () => {
  it("is SQS's longest, 14 days, unless shortened", () => {
    expect(readQueueRetentionSeconds({})).toBe(FOURTEEN_DAYS);
    expect(readQueueRetentionSeconds({ QUEUE_RETENTION_SECONDS: '700' })).toBe(700);
  });

  it('names QUEUE_RETENTION_SECONDS when it is not an integer', () => {
    expect(messageThrownBy(() => readQueueRetentionSeconds({ QUEUE_RETENTION_SECONDS: '14d' }))).toBe(
      'Environment variable QUEUE_RETENTION_SECONDS: must be an integer, got "14d"',
    );
  });
});

describe('readStoreConfig', () => {
  it('reads the table, the bucket and the queue settings, with their defaults', () => {
    expect(readStoreConfig(required)).toEqual({
      tableName: 'conveyor-table',
      payloadBucket: 'conveyor-payloads',
      payloadRetentionDays: 7,
      queues: {
        namePrefix: 'conveyor-dst-',
        visibilityTimeoutSeconds: 720,
        kmsKeyId: undefined,
        retentionSeconds: FOURTEEN_DAYS,
      },
    });
  });

  it('reads the queue settings the stack sets', () => {
    const config = readStoreConfig({
      ...required,
      QUEUE_VISIBILITY_TIMEOUT_SECONDS: '900',
      QUEUE_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/k',
      QUEUE_RETENTION_SECONDS: '3600',
    });

    expect(config.queues).toEqual({
      namePrefix: 'conveyor-dst-',
      visibilityTimeoutSeconds: 900,
      kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k',
      retentionSeconds: 3600,
    });
  });

  it.each([ENV.TABLE_NAME, ENV.PAYLOAD_BUCKET, ENV.QUEUE_NAME_PREFIX])('names %s when it is not set', (name) => {
    expect(messageThrownBy(() => readStoreConfig(without(name)))).toBe(
      `Environment variable ${name} is required but not set`,
    );
  });

  it('names QUEUE_VISIBILITY_TIMEOUT_SECONDS when it is not an integer', () => {
    const read = () => readStoreConfig({ ...required, QUEUE_VISIBILITY_TIMEOUT_SECONDS: '12 minutes' });

    expect(messageThrownBy(read)).toBe(
      'Environment variable QUEUE_VISIBILITY_TIMEOUT_SECONDS: must be an integer, got "12 minutes"',
    );
  });
});

describe('readPauseSettings', () => {
  it('has a default for every setting: the spill takes entries at six sevenths of the retention (12 of 14 days)', () => {
    expect(readPauseSettings({})).toEqual({
      commitGraceMs: 30_000,
      retryBackoffMs: 1000,
      retryCapMs: 5000,
      pauseReleaseSeconds: 5,
      spillAfterSeconds: 12 * 24 * 60 * 60,
      probeLadderSeconds: DEFAULT_PROBE_LADDER_SECONDS,
      // The contract's: 5 minutes' settling; more than 3 episodes in a rolling hour is unstable.
      alerting: { settlingSeconds: 300, flappingEpisodes: 3, flappingWindowSeconds: 3600 },
    });
  });

  it('reads each setting it is given', () => {
    const settings = readPauseSettings({
      COMMIT_GRACE_MS: '45000',
      INLINE_RETRY_BACKOFF_MS: '10',
      INLINE_RETRY_CAP_MS: '20',
      PAUSE_RELEASE_SECONDS: '1',
      SPILL_AFTER_SECONDS: '30',
      PROBE_LADDER_SECONDS: '1, 2,4',
      ALERT_SETTLING_SECONDS: '0',
      ALERT_FLAPPING_EPISODES: '1',
      ALERT_FLAPPING_WINDOW_SECONDS: '600',
    });

    expect(settings).toEqual({
      commitGraceMs: 45_000,
      retryBackoffMs: 10,
      retryCapMs: 20,
      pauseReleaseSeconds: 1,
      spillAfterSeconds: 30,
      probeLadderSeconds: [1, 2, 4],
      alerting: { settlingSeconds: 0, flappingEpisodes: 1, flappingWindowSeconds: 600 },
    });
  });

  it('takes the alert defaults it is given (the local runtime: a 10 s settling time), which the environment still overrides', () => {
    const local = { settlingSeconds: 10, flappingEpisodes: 3, flappingWindowSeconds: 3600 };
    expect(readPauseSettings({}, local).alerting).toEqual(local);
    expect(readPauseSettings({ ALERT_SETTLING_SECONDS: '2' }, local).alerting.settlingSeconds).toBe(2);
  });

  it.each([
    ['ALERT_SETTLING_SECONDS', '-1', 'must be a whole number of seconds, at least 0, got "-1"'],
    ['ALERT_SETTLING_SECONDS', '2.5', 'must be a whole number of seconds, at least 0, got "2.5"'],
    ['ALERT_FLAPPING_EPISODES', '0', 'must be a whole number of episodes, at least 1, got "0"'],
    ['ALERT_FLAPPING_WINDOW_SECONDS', 'an hour', 'must be a whole number of seconds, at least 1, got "an hour"'],
  ])('names %s when it is out of range (%j)', (name, value, message) => {
    expect(messageThrownBy(() => readPauseSettings({ [name]: value }))).toBe(
      `Environment variable ${name}: ${message}`,
    );
  });

  it('derives the spill age from a shortened retention when the spill age is not given', () => {
    expect(readPauseSettings({ QUEUE_RETENTION_SECONDS: '700' }).spillAfterSeconds).toBe(600);
  });

  it.each(['5,ten,30', '5,-10', 'soon'])('names PROBE_LADDER_SECONDS and quotes a malformed ladder %j', (ladder) => {
    expect(messageThrownBy(() => readPauseSettings({ PROBE_LADDER_SECONDS: ladder }))).toBe(
      'Environment variable PROBE_LADDER_SECONDS: ' +
        `A probe ladder is a comma-separated list of non-negative seconds, got ${JSON.stringify(ladder)}`,
    );
  });

  it('names QUEUE_RETENTION_SECONDS when a malformed retention leaves no spill age to derive', () => {
    expect(messageThrownBy(() => readPauseSettings({ QUEUE_RETENTION_SECONDS: 'two weeks' }))).toBe(
      'Environment variable QUEUE_RETENTION_SECONDS: must be an integer, got "two weeks"',
    );
  });
});

describe('readAllowPrivateDestinations', () => {
  it('refuses private destinations unless ALLOW_PRIVATE_DESTINATIONS is true', () => {
    expect(readAllowPrivateDestinations({})).toBe(false);
    expect(readAllowPrivateDestinations({ ALLOW_PRIVATE_DESTINATIONS: 'true' })).toBe(true);
  });
});

describe('readPauseConfig', () => {
  it('reads the alert sender, the private-destination policy and the pause settings', () => {
    expect(
      readPauseConfig({ ALERT_FROM_ADDRESS: 'alerts@conveyor.example', ALLOW_PRIVATE_DESTINATIONS: 'true' }),
    ).toEqual({
      alertFromAddress: 'alerts@conveyor.example',
      allowPrivateDestinations: true,
      settings: readPauseSettings({}),
    });
  });

  it('names ALERT_FROM_ADDRESS when it is not set', () => {
    expect(messageThrownBy(() => readPauseConfig({}))).toBe(
      'Environment variable ALERT_FROM_ADDRESS is required but not set',
    );
  });
});

describe('readPausingFunctionConfig', () => {
  it('puts together how to observe, the store and the pauses, from one environment', () => {
    expect(readPausingFunctionConfig({ ...required, CONVEYOR_DEPLOYMENT: 'ConveyorTest' })).toEqual({
      observe: { deployment: 'ConveyorTest' },
      store: readStoreConfig(required),
      pauses: readPauseConfig(required),
    });
  });

  it.each(Object.keys(required))('names %s when it is not set', (name) => {
    expect(messageThrownBy(() => readPausingFunctionConfig(without(name)))).toBe(
      `Environment variable ${name} is required but not set`,
    );
  });
});

describe('readRecordRetentionDays', () => {
  it('is 90 days unless set, and at least 14 days beyond the payload retention', () => {
    expect(readRecordRetentionDays({})).toBe(90);
    expect(readRecordRetentionDays({ RECORD_RETENTION_DAYS: '365' })).toBe(365);
    expect(readRecordRetentionDays({ PAYLOAD_RETENTION_DAYS: '100' })).toBe(114);
  });

  it('names RECORD_RETENTION_DAYS and the least it may be when it is shorter', () => {
    expect(messageThrownBy(() => readRecordRetentionDays({ RECORD_RETENTION_DAYS: '20' }))).toBe(
      'Environment variable RECORD_RETENTION_DAYS: recordRetentionDays must be a whole number of days of at least 21 (14 days of queue retention + payloadRetentionDays 7), got 20',
    );
  });
});
