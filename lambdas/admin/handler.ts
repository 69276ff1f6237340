/** The admin Lambda on AWS: IAM-authorized routes under /v1/admin. Composition only. */
import { createLogger } from '../shared/runtime/logging';
import { createMetrics, meterOver } from '../shared/runtime/metrics';
import { createAwsClients } from '../shared/wiring/clients';
import { createAdminPorts, createEventSourceMappings } from '../shared/wiring/pause-ports';
import { createAdminApi } from './app';
import { readAdminConfig } from './config';

const config = readAdminConfig();
const logger = createLogger('conveyor-admin', config.observe);
const metrics = createMetrics(config.observe);
const clients = createAwsClients();

export const handler = createAdminApi(
  createAdminPorts(clients, config, {
    mappings: createEventSourceMappings(clients, { deliveryFunctionArn: config.deliveryFunctionArn, role: 'admin' }),
    log: logger,
    meter: meterOver(metrics),
    ...config.settings,
  }),
  logger,
  metrics,
);
