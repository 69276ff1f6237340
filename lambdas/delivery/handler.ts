/** The delivery Lambda, fed by one event-source mapping per destination queue. Wiring only. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { storePortsFromEnv } from '../shared/aws/ports-from-env';
import { intEnv } from '../shared/config';
import { createLogger } from '../shared/logging';
import { deliverBatch } from './deliver-batch';
import { UndiciDeliverer } from './undici-deliverer';

const logger = createLogger('conveyor-delivery');
const { directory, messages } = storePortsFromEnv();
const ports = {
  directory,
  messages,
  deliverer: new UndiciDeliverer(),
  clock: () => new Date(),
  log: logger,
  sleep: (ms: number) => sleep(ms),
  commitGraceMs: intEnv('COMMIT_GRACE_MS', 30_000),
};

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler((event: SQSEvent, context: Context) => deliverBatch(event, context, ports));
