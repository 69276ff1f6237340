/**
 * The ingest function's middy stack (`createIngestApi`: Powertools context, metrics, the error
 * middleware and the router) called as API Gateway calls it, over memory ports.
 */
import { createIngestApi } from '../../lambdas/ingest/app';
import { decodeEnvelopeHeader } from '../../lambdas/shared/domain/envelope';
import { hashApiKey, isId, newId, transmissionIdOf } from '../../lambdas/shared/domain/ids';
import type { Message, Transmission } from '../../lambdas/shared/domain/model';
import { answerViolations } from '../fixtures/openapi';
import { createLogger } from '../../lambdas/shared/runtime/logging';
import { createMetrics } from '../../lambdas/shared/runtime/metrics';
import { MemoryMessageStore, MemoryPayloadStore } from '../fixtures/memory-store';
import { MemoryUploadObjects, MemoryUploadRecords } from '../fixtures/memory-uploads';
import { type ApiRequest, apiEvent, type CapturedOutput, captureOutput, lambdaContext } from './lambda';
import { activeDestination, KeyedDirectory, NOW, organization, RecordingQueues } from './ports';

const API_KEY = 'cvk_4hQ0pV2rS8tY1uW3xZ5bC7dF9gJ2kL4mN6pQ8rT0vX2';
/** Stands for patient data: it may appear in an answer to its sender, never in a log line. */
const PHI = 'Jane Roe, born 1961-04-02, MRN 88314';
const messageBody = JSON.stringify({ meta: { dataModel: 'Imaging', eventType: 'Report' }, data: { patient: PHI } });

let output: CapturedOutput;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

/** The ingest API over memory: one source with `API_KEY`, subscribed to one destination for `Imaging`. */
const setUp = () => {
  const hospital = organization('Hospital');
  const source = { id: newId('source'), organizationId: hospital.id, name: 'EHR', createdAt: NOW.toISOString() };
  const destination = activeDestination(hospital.id);
  const directory = new KeyedDirectory();
  directory.addKey(source, API_KEY);
  directory.destinations.set(destination.id, destination);
  directory.subscriptions.push({
    id: newId('subscription'),
    sourceId: source.id,
    destinationId: destination.id,
    dataModel: 'Imaging',
    createdAt: NOW.toISOString(),
  });
  const messages = new MemoryMessageStore();
  const queues = new RecordingQueues();
  const settings = {
    cacheTtlMs: 30_000,
    idempotencyLeaseMs: 60_000,
    maxQueueMessageBytes: 1024 * 1024,
    uploadUsableSeconds: 3600,
  };
  const uploads = { uploads: new MemoryUploadRecords(), uploadObjects: new MemoryUploadObjects() };
  const api = createIngestApi(
    { directory, messages, queues, payloads: new MemoryPayloadStore(), ...uploads, clock: () => NOW, ...settings },
    createLogger('conveyor-ingest', { logLevel: 'DEBUG' }),
    createMetrics({ deployment: 'conveyor-test' }),
  );
  const call = (method: string, path: string, request?: ApiRequest) =>
    api(apiEvent(method, path, request), lambdaContext('conveyor-ingest'));
  return { api, call, directory, messages, queues, source, destination };
};

const authorized = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

/** The answer to a request whose dependency failed before anything was acknowledged. */
const DEPENDENCY_FAILED = {
  statusCode: 503,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    error: {
      code: 'not_accepted',
      message: 'A dependency failed. Nothing was acknowledged; retry with the same Idempotency-Key.',
    },
  }),
};

describe('POST /v1/messages', () => {
  it('answers 200 with the message id, its receipt time and one queued transmission per destination', async () => {
    const { call, queues, destination } = setUp();

    const answer = await call('POST', '/v1/messages', { headers: authorized, body: messageBody });

    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toEqual({ 'content-type': 'application/json' });
    const body = JSON.parse(answer.body!);
    expect(isId('message', body.messageId)).toBe(true);
    expect(body).toEqual({
      messageId: body.messageId,
      receivedAt: '2026-11-26T10:00:00.000Z',
      transmissions: [{ id: transmissionIdOf(body.messageId, 0), destinationId: destination.id, status: 'queued' }],
    });
    expect(
      queues.sent.map(({ queueUrl, entry: { groupId, deduplicationId } }) => ({ queueUrl, groupId, deduplicationId })),
    ).toEqual([
      { queueUrl: destination.queueUrl, groupId: destination.id, deduplicationId: transmissionIdOf(body.messageId, 0) },
    ]);
  });

  it('publishes the counts it recorded, once, in the Conveyor namespace dimensioned by deployment', async () => {
    const { call } = setUp();

    await call('POST', '/v1/messages', { headers: authorized, body: messageBody });

    const published = output.metrics();
    expect(published).toHaveLength(1);
    expect(published[0]!._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Conveyor',
        Dimensions: [['service']],
        Metrics: [
          { Name: 'MessagesAccepted', Unit: 'Count' },
          { Name: 'TransmissionsQueued', Unit: 'Count' },
        ],
      },
    ]);
    expect(published[0]).toMatchObject({ service: 'conveyor-test', MessagesAccepted: 1, TransmissionsQueued: 1 });
  });

  it('logs the acceptance by ids, with the invocation context, and never the data', async () => {
    const { call, source } = setUp();

    const answer = await call('POST', '/v1/messages', { headers: authorized, body: messageBody });

    const { messageId } = JSON.parse(answer.body!);
    // DEBUG: at INFO, as deployed, an accepted message writes no line (the message's item records it).
    expect(output.logs().map(({ level, message }) => `${level} ${message}`)).toEqual(['DEBUG Message accepted']);
    expect(output.logs()[0]).toMatchObject({
      service: 'conveyor-ingest',
      function_name: 'conveyor-ingest',
      function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      messageId,
      sourceId: source.id,
      transmissions: 1,
    });
    expect(output.text()).not.toContain('Jane Roe');
    expect(output.text()).not.toContain(API_KEY);
  });

  it('answers 503 not_accepted when the destination queue refuses, warning with its code', async () => {
    const { call, queues } = setUp();
    queues.sendError = Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' });

    const answer = await call('POST', '/v1/messages', { headers: authorized, body: messageBody });

    expect(answer).toEqual({
      statusCode: 503,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: {
          code: 'not_accepted',
          message:
            '1 of 1 destination queues did not confirm the write. Nothing was acknowledged; retry with the same Idempotency-Key.',
        },
      }),
    });
    expect(output.logs().map(({ level, message }) => `${level} ${message}`)).toEqual([
      'ERROR Destination queue refused a write',
      'WARN Request not accepted',
    ]);
    expect(output.logs()[1]).toMatchObject({ code: 'not_accepted' });
    expect(output.metrics()).toEqual([]);
    expect(output.text()).not.toContain('Jane Roe');
  });
});

it('answers a request still unfinished near the function’s deadline with 503 not_accepted, and never commits its message', async () => {
  const { api, queues, messages } = setUp();
  // The queue write is held until the answer is out.
  let releaseSend = () => {};
  const sendHeld = new Promise<void>((resolve) => {
    releaseSend = resolve;
  });
  const send = queues.send.bind(queues);
  queues.send = async (queueUrl, entry) => {
    await sendHeld;
    return send(queueUrl, entry);
  };
  // 1.2 s left: the answer is due 1 s before the deadline, long before the function's own timeout.
  const deadline = Date.now() + 1200;
  const context = lambdaContext('conveyor-ingest', () => deadline - Date.now());

  const answer = await api(apiEvent('POST', '/v1/messages', { headers: authorized, body: messageBody }), context);

  expect(answer.statusCode).toBe(503);
  expect(JSON.parse(answer.body ?? '')).toEqual({
    error: {
      code: 'not_accepted',
      message: 'The request ran out of time. Nothing was acknowledged; retry with the same Idempotency-Key.',
    },
  });
  releaseSend();
  // Its queue write lands after the answer: the message is abandoned (its copy dropped), never committed.
  const abandoned = () => [...messages.messages.values()].includes('abandoned');
  for (let turn = 0; turn < 1000 && !abandoned(); turn++) await new Promise((resolve) => setImmediate(resolve));
  expect([...messages.messages.values()]).toEqual(['abandoned']);
  expect(queues.sent).toHaveLength(1);
});

describe('POST /v1/messages on an API key a warm function remembers', () => {
  const unauthorizedAnswer = (message: string) => ({
    statusCode: 401,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: { code: 'unauthorized', message } }),
  });

  /** The ingest API after one accepted message: its key (and subscriptions) remembered. */
  const warmed = async () => {
    const setup = setUp();
    const first = await setup.call('POST', '/v1/messages', { headers: authorized, body: messageBody });
    expect(first.statusCode).toBe(200);
    output.restore();
    output = captureOutput();
    return setup;
  };

  it('answers 401 once the source is deleted: its entry was queued, the message abandoned, nothing committed', async () => {
    const { call, directory, messages, queues } = await warmed();
    directory.apiKeys.delete(hashApiKey(API_KEY));

    const answer = await call('POST', '/v1/messages', { headers: authorized, body: messageBody });

    expect(answer).toEqual(unauthorizedAnswer('The API key in the Authorization header is not valid.'));
    expect(queues.sent).toHaveLength(2);
    const refused = decodeEnvelopeHeader(queues.sent[1]!.entry.body).messageId;
    expect(messages.messages.get(refused)).toBe('abandoned');
    expect([...messages.messages.values()].filter((message) => message !== 'abandoned')).toHaveLength(1);
    expect(output.metrics()).toEqual([]);
    expect(output.text()).not.toContain(API_KEY);
  });

  it('answers 401 for a key whose grace period ended, before a body not declared JSON (415)', async () => {
    const { call, directory, source } = await warmed();
    directory.addKey(source, API_KEY, NOW.toISOString());

    const headers = { ...authorized, 'content-type': 'text/plain' };
    const answer = await call('POST', '/v1/messages', { headers, body: messageBody });

    expect(answer).toEqual(
      unauthorizedAnswer(
        'The API key in the Authorization header was replaced by a newer key and its grace period is over.',
      ),
    );
  });

  it('answers 401 for a revoked key before a body that is not JSON (400)', async () => {
    const { call, directory, queues } = await warmed();
    directory.apiKeys.delete(hashApiKey(API_KEY));

    const answer = await call('POST', '/v1/messages', { headers: authorized, body: '{"meta":' });

    expect(answer).toEqual(unauthorizedAnswer('The API key in the Authorization header is not valid.'));
    expect(queues.sent).toHaveLength(1);
  });

  it('answers 503 not_accepted when the key’s fresh read fails, abandoning the message, logged by name and frames', async () => {
    const { call, directory, messages } = await warmed();
    directory.findApiKey = async () => {
      throw new TypeError(`Cannot read properties of undefined (reading '${PHI}')`);
    };

    const answer = await call('POST', '/v1/messages', { headers: authorized, body: messageBody });

    expect(answer).toEqual(DEPENDENCY_FAILED);
    expect([...messages.messages.values()].filter((message) => message === 'abandoned')).toHaveLength(1);
    const logs = output.logs();
    expect(logs.map(({ level, message }) => `${level} ${message}`)).toEqual([
      'ERROR API key could not be read',
      'WARN Request not accepted',
    ]);
    expect(logs[0]).toMatchObject({ errorName: 'TypeError', frames: expect.stringMatching(/^ {4}at /) });
    expect(output.text()).not.toContain('Jane Roe');
    expect(output.text()).not.toContain(API_KEY);
  });

  it('reads the key first for GET /v1/messages/{messageId}: a revoked key is 401 at once', async () => {
    const { call, directory } = await warmed();
    directory.apiKeys.delete(hashApiKey(API_KEY));

    const answer = await call('GET', `/v1/messages/${newId('message')}`, { headers: authorized });

    expect(answer).toEqual(unauthorizedAnswer('The API key in the Authorization header is not valid.'));
  });
});

describe('GET /v1/messages/{messageId}', () => {
  it('answers 200 with the message, its rolled-up status and its transmissions, and publishes nothing', async () => {
    const { call, messages, source, destination } = setUp();
    const messageId = newId('message');
    const delivered = {
      id: transmissionIdOf(messageId, 0),
      destinationId: destination.id,
      status: 'delivered' as const,
      attempts: 1,
      sequence: 7,
      arrivedAt: '2026-11-26T09:59:01.000Z',
    };
    const message: Message = {
      id: messageId,
      sourceId: source.id,
      organizationId: source.organizationId,
      receivedAt: '2026-11-26T09:59:00.000Z',
      dataModel: 'Imaging',
      eventType: 'Report',
      transmissions: [delivered],
    };
    await messages.commitMessage(message);

    const answer = await call('GET', `/v1/messages/${messageId}`, { headers: { authorization: `Bearer ${API_KEY}` } });

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body!)).toEqual({
      messageId,
      receivedAt: '2026-11-26T09:59:00.000Z',
      status: 'delivered',
      transmissions: [delivered],
    });
    expect(output.metrics()).toEqual([]);
  });

  it("shows a replayed transmission's generation as docs/openapi.yaml documents it, and no field it does not list", async () => {
    const { call, messages, source, destination } = setUp();
    const messageId = newId('message');
    const replayed = {
      id: transmissionIdOf(messageId, 0),
      destinationId: destination.id,
      status: 'queued' as const,
      attempts: 3,
      lastError: 'HTTP 503',
      generation: 2,
    };
    // A field a store might hold beside the documented ones (such as a replay's token).
    const stored = { ...replayed, replayToken: 'rpl_internal' } as Transmission;
    await messages.commitMessage({
      id: messageId,
      sourceId: source.id,
      organizationId: source.organizationId,
      receivedAt: '2026-11-26T09:59:00.000Z',
      dataModel: 'Imaging',
      eventType: 'Report',
      transmissions: [stored],
    });
    const path = `/v1/messages/${messageId}`;

    const answer = await call('GET', path, { headers: { authorization: `Bearer ${API_KEY}` } });

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body!).transmissions).toEqual([replayed]);
    const observed = { method: 'GET', path, status: 200, contentType: 'application/json' };
    expect(answerViolations({ ...observed, text: answer.body! })).toEqual([]);
    // The oracle the integration tests use would catch the field had it been shown.
    const leaked = { ...JSON.parse(answer.body!), transmissions: [stored] };
    expect(answerViolations({ ...observed, text: JSON.stringify(leaked) })).toEqual([
      '/transmissions/0 must NOT have additional properties "replayToken"',
    ]);
  });
});

describe('errors, in the contract error body', () => {
  const missing = newId('message');
  interface ErrorCase {
    readonly case: string;
    readonly method: string;
    readonly path: string;
    readonly request: ApiRequest;
    readonly statusCode: number;
    readonly code: string;
    readonly message: string;
  }
  const rows: ErrorCase[] = [
    {
      case: 'no Authorization header',
      method: 'POST',
      path: '/v1/messages',
      request: { headers: { 'content-type': 'application/json' }, body: messageBody },
      statusCode: 401,
      code: 'unauthorized',
      message: 'The Authorization header is missing; send "Bearer <source API key>".',
    },
    {
      case: 'an unknown API key',
      method: 'POST',
      path: '/v1/messages',
      request: { headers: { ...authorized, authorization: 'Bearer cvk_unknown' }, body: messageBody },
      statusCode: 401,
      code: 'unauthorized',
      message: 'The API key in the Authorization header is not valid.',
    },
    {
      case: 'a body that is not JSON',
      method: 'POST',
      path: '/v1/messages',
      request: { headers: authorized, body: '{"meta":' },
      statusCode: 400,
      code: 'invalid_json',
      message: 'The body is not valid JSON.',
    },
    {
      case: 'a body without data',
      method: 'POST',
      path: '/v1/messages',
      request: { headers: authorized, body: '{"meta":{"dataModel":"Imaging","eventType":"Report"}}' },
      statusCode: 400,
      code: 'invalid_request',
      message: 'The body needs data (the document inline) or dataUpload (an upload of it), exactly one of them.',
    },
    {
      case: 'a body not declared JSON',
      method: 'POST',
      path: '/v1/messages',
      request: { headers: { ...authorized, 'content-type': 'text/plain' }, body: messageBody },
      statusCode: 415,
      code: 'unsupported_media_type',
      message: 'The Content-Type header must be application/json (UTF-8).',
    },
    {
      case: 'an unknown message',
      method: 'GET',
      path: `/v1/messages/${missing}`,
      request: { headers: authorized },
      statusCode: 404,
      code: 'message_not_found',
      message: `No message with id "${missing}".`,
    },
    {
      case: 'a path no route serves',
      method: 'GET',
      path: '/v1/uploads',
      request: { headers: authorized },
      statusCode: 404,
      code: 'route_not_found',
      message: 'No such route.',
    },
    {
      case: 'a method no route serves',
      method: 'DELETE',
      path: '/v1/messages',
      request: { headers: authorized },
      statusCode: 404,
      code: 'route_not_found',
      message: 'No such route.',
    },
  ];
  it.each(rows)('$case: $method $path answers $statusCode $code, logs and publishes nothing', async (row) => {
    const { method, path, request, statusCode, code, message } = row;
    const { call } = setUp();

    const answer = await call(method, path, request);

    expect(answer).toEqual({
      statusCode,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: { code, message } }),
    });
    expect(output.logs()).toEqual([]);
    expect(output.metrics()).toEqual([]);
  });

  it('answers 401 for a replaced key whose grace period is over', async () => {
    const { call, directory, source } = setUp();
    directory.addKey(source, 'cvk_replaced', '2026-11-26T09:00:00.000Z');

    const headers = { ...authorized, authorization: 'Bearer cvk_replaced' };

    const answer = await call('POST', '/v1/messages', { headers, body: messageBody });

    expect(answer).toEqual({
      statusCode: 401,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: {
          code: 'unauthorized',
          message: 'The API key in the Authorization header was replaced by a newer key and its grace period is over.',
        },
      }),
    });
  });

  it("judges a replaced key's grace period by the function's clock, not the wall clock", async () => {
    // Prepare: the grace period runs a day past the function's clock (and is over by the wall clock).
    const { call, directory, source } = setUp();
    directory.addKey(source, 'cvk_in_grace', '2026-11-27T10:00:00.000Z');
    const headers = { ...authorized, authorization: 'Bearer cvk_in_grace' };

    const answer = await call('POST', '/v1/messages', { headers, body: messageBody });

    expect(answer.statusCode).toBe(200);
  });

  it('answers an unexpected failure with 503 not_accepted (nothing acknowledged: retry), logged by name and frames without its message', async () => {
    // Prepare: the directory fails with a message quoting the request, as a careless dependency might.
    const { call, directory, queues } = setUp();
    directory.findApiKey = async () => {
      throw new TypeError(`Cannot read properties of undefined (reading '${PHI}')`);
    };

    const answer = await call('POST', '/v1/messages', { headers: authorized, body: messageBody });

    expect(answer).toEqual(DEPENDENCY_FAILED);
    expect(queues.sent).toEqual([]);
    const logs = output.logs();
    expect(logs.map(({ level, message }) => `${level} ${message}`)).toEqual([
      'ERROR Message not accepted: unexpected failure',
      'WARN Request not accepted',
    ]);
    expect(logs[0]).toMatchObject({ errorName: 'TypeError', frames: expect.stringMatching(/^ {4}at /) });
    expect(output.text()).not.toContain('Jane Roe');
    expect(output.text()).not.toContain(API_KEY);
    expect(output.metrics()).toEqual([]);
  });
});
