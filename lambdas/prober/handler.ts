/** The prober Lambda on AWS, run every minute by an EventBridge rule. Composition only. */
import { createLogger } from '../shared/runtime/logging';
import { createMetrics, meterOver } from '../shared/runtime/metrics';
import { createBacklogPorts } from '../shared/wiring/backlog-ports';
import { createAwsClients } from '../shared/wiring/clients';
import { createEventSourceMappings } from '../shared/wiring/pause-ports';
import { createProberPorts } from '../shared/wiring/prober-ports';
import { createProberHandler } from './app';
import { readProberConfig } from './config';

const config = readProberConfig();
const logger = createLogger('conveyor-prober', config.observe);
const metrics = createMetrics(config.observe);
const clients = createAwsClients();

export const handler = createProberHandler(
  {
    ...createProberPorts(clients, config, {
      mappings: createEventSourceMappings(clients, {
        deliveryFunctionArn: config.deliveryFunctionArn,
        role: 'reconciler',
      }),
      log: logger,
      meter: meterOver(metrics),
    }),
    ...createBacklogPorts(clients, config.store),
  },
  logger,
  metrics,
);
