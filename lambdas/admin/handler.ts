/** The admin Lambda on AWS: IAM-authorized routes under /v1/admin. Wiring only. */
import { lazyEventSourceMappings } from '../shared/adapters/lazy-adapters';
import { pausePortsFromEnv } from '../shared/wiring/pause-ports';
import { boolEnv, requireEnv } from '../shared/runtime/env';
import { resolveAllAddresses } from '../shared/runtime/dns';
import { createLogger } from '../shared/runtime/logging';
import { createMetrics, meterOver } from '../shared/runtime/metrics';
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
