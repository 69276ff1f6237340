/** The integrator API on AWS: `POST /v1/messages`, `GET /v1/messages/{messageId}` and `POST /v1/uploads`. Composition only. */
import { createLogger } from '../shared/runtime/logging';
import { createMetrics } from '../shared/runtime/metrics';
import { createAwsClients } from '../shared/wiring/clients';
import { createStorePorts } from '../shared/wiring/store-ports';
import { createIngestApi } from './app';
import { readIngestConfig } from './config';

const config = readIngestConfig();
const logger = createLogger('conveyor-ingest', config.observe);
const metrics = createMetrics(config.observe);

export const handler = createIngestApi(
  { ...createStorePorts(createAwsClients(), config.store), ...config.settings },
  logger,
  metrics,
);
