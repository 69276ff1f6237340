import { readProberConfig } from '../../../lambdas/prober/config';
import { DEFAULT_PROBE_LADDER_SECONDS } from '../../../lambdas/shared/domain/failures';
import { ENV, type Environment } from '../../../lambdas/shared/runtime/env';
import { messageThrownBy } from '../../fixtures/thrown';

/** What the stack sets on the prober and has no default. */
const required: Environment = {
  [ENV.TABLE_NAME]: 'conveyor-table',
  [ENV.PAYLOAD_BUCKET]: 'conveyor-payloads',
  [ENV.QUEUE_NAME_PREFIX]: 'conveyor-dst-',
  [ENV.ALERT_FROM_ADDRESS]: 'alerts@conveyor.example',
  // The delivery function whose mappings the prober reconciles.
  [ENV.DELIVERY_FUNCTION_ARN]: 'arn:aws:lambda:eu-west-1:123456789012:function:conveyor-delivery',
};

const without = (name: string): Environment =>
  Object.fromEntries(Object.entries(required).filter(([key]) => key !== name));

describe('readProberConfig', () => {
  it('reads the deployment, the store and the pause settings from one environment, with their defaults', () => {
    expect(readProberConfig({ ...required, CONVEYOR_DEPLOYMENT: 'ConveyorTest' })).toEqual({
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
      pauses: {
        alertFromAddress: 'alerts@conveyor.example',
        allowPrivateDestinations: false,
        settings: {
          commitGraceMs: 30_000,
          retryBackoffMs: 1000,
          retryCapMs: 5000,
          pauseReleaseSeconds: 5,
          spillAfterSeconds: 1_036_800,
          probeLadderSeconds: DEFAULT_PROBE_LADDER_SECONDS,
          alerting: { settlingSeconds: 300, flappingEpisodes: 3, flappingWindowSeconds: 3600 },
        },
      },
      deliveryFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:conveyor-delivery',
    });
  });

  it.each(Object.keys(required))('names %s when it is not set', (name) => {
    expect(messageThrownBy(() => readProberConfig(without(name)))).toBe(
      `Environment variable ${name} is required but not set`,
    );
  });

  it('names PROBE_LADDER_SECONDS when its ladder is malformed', () => {
    expect(messageThrownBy(() => readProberConfig({ ...required, PROBE_LADDER_SECONDS: '5;10' }))).toBe(
      'Environment variable PROBE_LADDER_SECONDS: A probe ladder is a comma-separated list of non-negative seconds, got "5;10"',
    );
  });
});
