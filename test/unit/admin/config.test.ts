import { readAdminConfig } from '../../../lambdas/admin/config';
import { readPausingFunctionConfig } from '../../../lambdas/shared/runtime/config';
import { ENV, type Environment } from '../../../lambdas/shared/runtime/env';
import { messageThrownBy } from '../../fixtures/thrown';

/** What the stack sets on the admin function and has no default. */
const required: Environment = {
  [ENV.TABLE_NAME]: 'conveyor-table',
  [ENV.PAYLOAD_BUCKET]: 'conveyor-payloads',
  [ENV.QUEUE_NAME_PREFIX]: 'conveyor-dst-',
  [ENV.ALERT_FROM_ADDRESS]: 'alerts@conveyor.example',
  [ENV.DELIVERY_FUNCTION_ARN]: 'arn:aws:lambda:eu-west-1:123456789012:function:ConveyorTest-delivery',
};

const without = (name: string): Environment =>
  Object.fromEntries(Object.entries(required).filter(([key]) => key !== name));

describe('readAdminConfig', () => {
  it('reads what every pausing function reads, and the delivery function its mappings feed', () => {
    expect(readAdminConfig(required)).toEqual({
      ...readPausingFunctionConfig(required),
      deliveryFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:ConveyorTest-delivery',
      settings: { redeliveryBudgetMs: 5000, verifyDestinations: false },
    });
  });

  it.each(Object.keys(required))('names %s when it is not set', (name) => {
    expect(messageThrownBy(() => readAdminConfig(without(name)))).toBe(
      `Environment variable ${name} is required but not set`,
    );
  });

  it('reads endpoint verification as the default for new destinations only when VERIFY_DESTINATIONS is true', () => {
    expect(readAdminConfig({ ...required, VERIFY_DESTINATIONS: 'true' }).settings.verifyDestinations).toBe(true);
    expect(readAdminConfig({ ...required, VERIFY_DESTINATIONS: 'false' }).settings.verifyDestinations).toBe(false);
  });

  it('reads private destinations as allowed only when ALLOW_PRIVATE_DESTINATIONS is true', () => {
    expect(readAdminConfig(required).pauses.allowPrivateDestinations).toBe(false);
    expect(readAdminConfig({ ...required, ALLOW_PRIVATE_DESTINATIONS: 'true' }).pauses.allowPrivateDestinations).toBe(
      true,
    );
  });
});
