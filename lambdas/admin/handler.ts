/** The admin Lambda on AWS: IAM-authorized routes under /v1/admin. Wiring only. */
import { lambdaClient } from '../shared/aws/clients';
import { LambdaEventSourceMappings } from '../shared/aws/lambda-event-source-mappings';
import { storePortsFromEnv } from '../shared/aws/ports-from-env';
import { boolEnv, requireEnv } from '../shared/config';
import { resolveAllAddresses } from '../shared/dns';
import { createLogger } from '../shared/logging';
import { createAdminApi } from './api';

const logger = createLogger('conveyor-admin');

export const handler = createAdminApi(
  {
    ...storePortsFromEnv(),
    mappings: new LambdaEventSourceMappings(lambdaClient, requireEnv('DELIVERY_FUNCTION_ARN')),
    urlPolicy: {
      allowPrivate: boolEnv('ALLOW_PRIVATE_DESTINATIONS', false),
      resolve: resolveAllAddresses,
    },
    clock: () => new Date(),
    log: logger,
  },
  logger,
);
