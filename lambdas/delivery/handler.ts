/** The delivery Lambda on AWS, fed by one event-source mapping per destination queue. Wiring only. */
import { lazyEventSourceMappings } from '../shared/aws/lazy-adapters';
import { pausePortsFromEnv } from '../shared/aws/pause-ports-from-env';
import { createLogger } from '../shared/logging';
import { createMetrics, meterOver } from '../shared/metrics';
import { createDeliveryHandler } from './app';

const logger = createLogger('conveyor-delivery');
const metrics = createMetrics();

export const handler = createDeliveryHandler(pausePortsFromEnv(lazyEventSourceMappings(), logger, meterOver(metrics)), logger, metrics);
