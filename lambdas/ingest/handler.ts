/** The integrator API: `POST /v1/messages` and `GET /v1/messages/{messageId}`. Wiring only. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import { storePortsFromEnv } from '../shared/wiring/store-ports';
import { MAX_QUEUE_MESSAGE_BYTES } from '../shared/adapters/sqs-destination-queues';
import { authenticateSource } from '../shared/http/authenticate';
import { intEnv } from '../shared/runtime/env';
import { apiErrors } from '../shared/http/api-errors';
import { type ApiEvent, type ApiResult, bodyText, header, json, pathParameter, routeNotFound } from '../shared/http/api';
import { createLogger } from '../shared/runtime/logging';
import { createMetrics, meterOver, publishMetrics } from '../shared/runtime/metrics';
import { acceptMessage } from './accept-message';
import { CachedDirectory } from './cached-directory';
import { getMessage } from './get-message';

const logger = createLogger('conveyor-ingest');
const metrics = createMetrics();
const stores = storePortsFromEnv();
const { messages, queues, payloads } = stores;
// Keys and destinations are read on every message; a warm function remembers them briefly.
const directory = new CachedDirectory(stores.directory, intEnv('INGEST_CACHE_TTL_MS', 30_000));
const acceptPorts = {
  directory,
  messages,
  queues,
  clock: () => new Date(),
  log: logger,
  idempotencyLeaseMs: intEnv('IDEMPOTENCY_LEASE_MS', 60_000),
  maxQueueMessageBytes: intEnv('MAX_QUEUE_MESSAGE_BYTES', MAX_QUEUE_MESSAGE_BYTES),
  meter: meterOver(metrics),
  payloads,
};

const postMessage = async (event: ApiEvent): Promise<ApiResult> => {
  const source = await authenticateSource(header(event, 'authorization'), directory);
  const body = bodyText(event);
  const answer = await acceptMessage({ source, idempotencyKey: header(event, 'idempotency-key'), body }, acceptPorts);
  return json(200, answer);
};

const readMessage = async (event: ApiEvent): Promise<ApiResult> => {
  const source = await authenticateSource(header(event, 'authorization'), directory);
  return json(200, await getMessage(source, pathParameter(event, 'messageId'), messages));
};

export const handler = middy<ApiEvent, ApiResult>()
  .use(injectLambdaContext(logger))
  .use(publishMetrics(metrics))
  .use(apiErrors(logger))
  .handler(
    httpRouterHandler<ApiEvent, ApiResult>({
      routes: [
        { method: 'POST', path: '/v1/messages', handler: postMessage },
        { method: 'GET', path: '/v1/messages/{messageId}', handler: readMessage },
      ],
      notFoundResponse: routeNotFound,
    }),
  );
