/**
 * The delivery Lambda on AWS, fed by one event-source mapping per destination queue. Composition
 * only; it is given no mappings: only the prober's reconciler calls Lambda's control plane.
 */
import { createLogger } from '../shared/runtime/logging';
import { createMetrics, meterOver } from '../shared/runtime/metrics';
import { createAwsClients } from '../shared/wiring/clients';
import { createPausePorts } from '../shared/wiring/pause-ports';
import { createDeliveryHandler } from './app';
import { readDeliveryConfig } from './config';

const config = readDeliveryConfig();
const logger = createLogger('conveyor-delivery', config.observe);
const metrics = createMetrics(config.observe);
const clients = createAwsClients();

export const handler = createDeliveryHandler(
  createPausePorts(clients, config, { log: logger, meter: meterOver(metrics) }),
  logger,
  metrics,
);
