/** The prober Lambda on AWS, run every minute by an EventBridge rule. Wiring only. */
import { lazyEventSourceMappings } from '../shared/adapters/lazy-adapters';
import { pausePortsFromEnv } from '../shared/wiring/pause-ports';
import { createLogger } from '../shared/runtime/logging';
import { createMetrics, meterOver } from '../shared/runtime/metrics';
import { createProberHandler } from './app';

const logger = createLogger('conveyor-prober');
const metrics = createMetrics();

export const handler = createProberHandler(pausePortsFromEnv(lazyEventSourceMappings(), logger, meterOver(metrics)), logger, metrics);
