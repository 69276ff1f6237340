/** The delivery Lambda on AWS, fed by one event-source mapping per destination queue. Wiring only. */
import { lazyEventSourceMappings } from '../shared/adapters/lazy-adapters';
import { pausePortsFromEnv } from '../shared/wiring/pause-ports';
import { createLogger } from '../shared/runtime/logging';
import { createMetrics, meterOver } from '../shared/runtime/metrics';
import { createDeliveryHandler } from './app';

const logger = createLogger('conveyor-delivery');
const metrics = createMetrics();

export const handler = createDeliveryHandler(pausePortsFromEnv(lazyEventSourceMappings(), logger, meterOver(metrics)), logger, metrics);
