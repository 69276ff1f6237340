import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '../shared/runtime/metrics';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { PausePorts } from '../shared/pauses/pause-ports';
import { deliverBatch } from './deliver-batch';

/** The delivery handler over its ports; `handler.ts` (AWS) and the local runtime supply them. */
export const createDeliveryHandler = (ports: PausePorts, logger: Logger, metrics: Metrics) =>
  middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics(metrics))
    .handler((event: SQSEvent, context: Context) => deliverBatch(event, context, ports));
