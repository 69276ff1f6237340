/** The prober Lambda on AWS, run every minute by an EventBridge rule. Wiring only. */
import { lambdaClient } from '../shared/aws/clients';
import { LambdaEventSourceMappings } from '../shared/aws/lambda-event-source-mappings';
import { pausePortsFromEnv } from '../shared/aws/pause-ports-from-env';
import { createLogger } from '../shared/logging';
import { createMetrics, meterOver } from '../shared/metrics';
import { createProberHandler } from './app';

const logger = createLogger('conveyor-prober');
const metrics = createMetrics();

export const handler = createProberHandler(pausePortsFromEnv(new LambdaEventSourceMappings(lambdaClient), logger, meterOver(metrics)), logger, metrics);
