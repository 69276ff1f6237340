/** The integrator API's routes over its use cases; `handler.ts` (AWS) and the local runtime supply the ports. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import httpRouterHandler from '@middy/http-router';
import {
  type ApiEvent,
  type ApiResult,
  bodyText,
  header,
  json,
  jsonBody,
  pathParameter,
  routeNotFound,
} from '../shared/http/api';
import { ApiError, notAccepted } from '../shared/domain/errors';
import { apiErrors } from '../shared/http/api-errors';
import { authenticateSource } from '../shared/http/authenticate';
import { stackFields } from '../shared/runtime/logging';
import type { Directory } from '../shared/ports/directory';
import type { MessageStore } from '../shared/ports/messages';
import type { Clock } from '../shared/ports/observe';
import type { PayloadStore } from '../shared/ports/payloads';
import type { DestinationQueues } from '../shared/ports/queues';
import type { UploadObjects, UploadRecords } from '../shared/ports/uploads';
import { meterOver, publishMetrics } from '../shared/runtime/metrics';
import { acceptMessage } from './accept-message';
import { CachedDirectory } from './cached-directory';
import { authenticateByRememberedKey } from './remembered-key';
import { createUpload } from './create-upload';
import { getMessage } from './get-message';

/** The ports ingest reads and writes. */
export interface IngestDependencies {
  readonly directory: Directory;
  readonly messages: MessageStore;
  readonly queues: DestinationQueues;
  readonly payloads: PayloadStore;
  readonly uploads: UploadRecords;
  readonly uploadObjects: UploadObjects;
  readonly clock: Clock;
}

/** The deployment's choices for ingest. */
export interface IngestSettings {
  /** How long (ms) a warm function remembers API keys, destinations and subscriptions (see `CachedDirectory`). */
  readonly cacheTtlMs: number;
  /** How long (ms) an unfinished request holds its Idempotency-Key against a concurrent retry. */
  readonly idempotencyLeaseMs: number;
  /** The largest queue message (bytes); larger payloads go to the payload store. */
  readonly maxQueueMessageBytes: number;
  /** How long after its creation an upload can serve a message, in seconds. */
  readonly uploadUsableSeconds: number;
}

export interface IngestPorts extends IngestDependencies, IngestSettings {}

/**
 * Time (ms) kept before the function's deadline to answer a `POST /v1/messages` that is out of
 * time with 503 `not_accepted`, rather than letting the function's own timeout answer 500.
 */
const ANSWER_MARGIN_MS = 1000;

/**
 * The integrator API's routes over `ports` (`POST /v1/messages`, `GET /v1/messages/{messageId}`,
 * `POST /v1/uploads`):
 * what `createIngestApi` serves, exported so that a test holds them to docs/openapi.yaml. `logger`
 * and `metrics` are those of the function serving them.
 */
export const ingestRoutes = (
  ports: IngestPorts,
  logger: Logger,
  metrics: Metrics,
): Array<{
  method: 'GET' | 'POST';
  path: string;
  handler: (event: ApiEvent, context: Context) => Promise<ApiResult>;
}> => {
  // Keys, destinations and subscriptions are read on every message; a warm function remembers them
  // briefly (keys and subscriptions only to go ahead while they are read again: see CachedDirectory).
  const directory = new CachedDirectory(ports.directory, ports.cacheTtlMs, ports.clock);
  const acceptPorts = {
    directory,
    messages: ports.messages,
    queues: ports.queues,
    clock: ports.clock,
    log: logger,
    idempotencyLeaseMs: ports.idempotencyLeaseMs,
    maxQueueMessageBytes: ports.maxQueueMessageBytes,
    meter: meterOver(metrics),
    payloads: ports.payloads,
    uploads: ports.uploads,
    uploadObjects: ports.uploadObjects,
  };

  const postMessage = async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    // Out of time, the answer is 503 not_accepted (nothing acknowledged: the integrator retries with
    // the same key), never the 500 of the function's own timeout; the message is not committed after.
    const outOfTime = new AbortController();
    const timer = setTimeout(
      () => outOfTime.abort(),
      Math.max(0, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS),
    );
    const ranOutOfTime = new Promise<never>((_resolve, reject) =>
      outOfTime.signal.addEventListener('abort', () => reject(notAccepted('The request ran out of time.'))),
    );
    ranOutOfTime.catch(() => undefined);
    const accepting = acceptPosted(event, outOfTime.signal);
    // Answered out of time, it goes on (to abandon its message); its own end is then no one's answer.
    accepting.catch(() => undefined);
    try {
      return await Promise.race([accepting, ranOutOfTime]);
    } finally {
      clearTimeout(timer);
    }
  };

  const acceptPosted = async (event: ApiEvent, outOfTime: AbortSignal): Promise<ApiResult> => {
    try {
      // A remembered key goes ahead at once, its record read beside the queue writes; acceptMessage
      // acknowledges nothing before that read confirms it.
      const { source, confirmed } = await authenticateByRememberedKey(
        header(event, 'authorization'),
        directory,
        ports.clock(),
      );
      let body: string;
      try {
        body = bodyText(event);
      } catch (error) {
        // 401 first, as when the key is read before the body: a refused key outranks a 413 or 415.
        await confirmed;
        throw error;
      }
      const answer = await acceptMessage(
        { source, confirmed, idempotencyKey: header(event, 'idempotency-key'), body, outOfTime },
        acceptPorts,
      );
      return json(200, answer);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      // Anything else (the key's read failing, say) acknowledged nothing: the contract's answer is
      // 503 not_accepted, which tells the integrator to retry, never a 500. Name and frames only:
      // an error's message may quote the body.
      logger.error('Message not accepted: unexpected failure', stackFields(error));
      throw notAccepted('A dependency failed.');
    }
  };

  // Reading a message and creating an upload are off the hot path: their key is read first.
  const readMessage = async (event: ApiEvent): Promise<ApiResult> => {
    const source = await authenticateSource(header(event, 'authorization'), directory, ports.clock());
    // The directory itself, not the warm cache: a deleted destination's transmissions read `cancelled` at once.
    const readPorts = { messages: ports.messages, directory: ports.directory };
    return json(200, await getMessage(source, pathParameter(event, 'messageId'), readPorts));
  };

  const postUpload = async (event: ApiEvent): Promise<ApiResult> => {
    const source = await authenticateSource(header(event, 'authorization'), directory, ports.clock());
    const uploadPorts = {
      uploads: ports.uploads,
      uploadObjects: ports.uploadObjects,
      clock: ports.clock,
      log: logger,
      uploadUsableSeconds: ports.uploadUsableSeconds,
    };
    return json(201, await createUpload(source, jsonBody(event), uploadPorts));
  };

  return [
    { method: 'POST', path: '/v1/messages', handler: postMessage },
    { method: 'GET', path: '/v1/messages/{messageId}', handler: readMessage },
    { method: 'POST', path: '/v1/uploads', handler: postUpload },
  ];
};

/** `POST /v1/messages`, `GET /v1/messages/{messageId}` and `POST /v1/uploads`. */
export const createIngestApi = (ports: IngestPorts, logger: Logger, metrics: Metrics) =>
  middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics(metrics))
    .use(apiErrors(logger))
    .handler(
      httpRouterHandler<ApiEvent, ApiResult>({
        routes: ingestRoutes(ports, logger, metrics),
        notFoundResponse: routeNotFound,
      }),
    );
