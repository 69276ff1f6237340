/** The prober Lambda on AWS, run every minute by an EventBridge rule. Wiring only. */
import { lazyEventSourceMappings } from '../shared/aws/lazy-adapters';
import { pausePortsFromEnv } from '../shared/aws/pause-ports-from-env';
import { createLogger } from '../shared/logging';
import { createMetrics, meterOver } from '../shared/metrics';
import { createProberHandler } from './app';

const logger = createLogger('conveyor-prober');
const metrics = createMetrics();

export const handler = createProberHandler(pausePortsFromEnv(lazyEventSourceMappings(), logger, meterOver(metrics)), logger, metrics);
