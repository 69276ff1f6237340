/** The delivery Lambda on AWS, fed by one event-source mapping per destination queue. Wiring only. */
import { lambdaClient } from '../shared/aws/clients';
import { LambdaEventSourceMappings } from '../shared/aws/lambda-event-source-mappings';
import { pausePortsFromEnv } from '../shared/aws/pause-ports-from-env';
import { createLogger } from '../shared/logging';
import { createMetrics, meterOver } from '../shared/metrics';
import { createDeliveryHandler } from './app';

const logger = createLogger('conveyor-delivery');
const metrics = createMetrics();

export const handler = createDeliveryHandler(pausePortsFromEnv(new LambdaEventSourceMappings(lambdaClient), logger, meterOver(metrics)), logger, metrics);
