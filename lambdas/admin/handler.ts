/** The admin Lambda on AWS: IAM-authorized routes under /v1/admin. Wiring only. */
import { lazyEventSourceMappings } from '../shared/aws/lazy-adapters';
import { pausePortsFromEnv } from '../shared/aws/pause-ports-from-env';
import { boolEnv, requireEnv } from '../shared/config';
import { resolveAllAddresses } from '../shared/dns';
import { createLogger } from '../shared/logging';
import { createMetrics, meterOver } from '../shared/metrics';
import { createAdminApi } from './app';

const logger = createLogger('conveyor-admin');
const metrics = createMetrics();

export const handler = createAdminApi(
  {
    ...pausePortsFromEnv(lazyEventSourceMappings(requireEnv('DELIVERY_FUNCTION_ARN')), logger, meterOver(metrics)),
    urlPolicy: {
      allowPrivate: boolEnv('ALLOW_PRIVATE_DESTINATIONS', false),
      resolve: resolveAllAddresses,
    },
  },
  logger,
  metrics,
);
