/**
 * Bytes of log per delivered message: the ingest and delivery functions' middy stacks (Powertools
 * context and all) over memory ports, ten messages accepted one request each and delivered in one
 * batch of ten (the batch a backlogged FIFO group gets on AWS), with an X-Ray trace id as on AWS.
 * As deployed (INFO) against issue 14's goal of at most 300 bytes; at DEBUG, the lines a message's
 * happy path writes (logged at INFO before they were demoted). Metrics (EMF documents) are not
 * counted here: they are metrics, published once per invocation.
 */
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import type { SQSRecord } from 'aws-lambda';
import { createDeliveryHandler } from '../../lambdas/delivery/app';
import { createIngestApi } from '../../lambdas/ingest/app';
import { encodeEnvelope } from '../../lambdas/shared/domain/envelope';
import { newId, transmissionIdOf } from '../../lambdas/shared/domain/ids';
import { createLogger } from '../../lambdas/shared/runtime/logging';
import { createMetrics, meterOver } from '../../lambdas/shared/runtime/metrics';
import { MemoryMessageStore, MemoryPayloadStore } from '../fixtures/memory-store';
import { MemoryUploadObjects, MemoryUploadRecords } from '../fixtures/memory-uploads';
import { apiEvent, captureOutput, lambdaContext, sqsEvent, sqsRecord } from './lambda';
import { activeDestination, KeyedDirectory, NOW, organization, pausePorts, RecordingQueues } from './ports';

const API_KEY = 'cvk_4hQ0pV2rS8tY1uW3xZ5bC7dF9gJ2kL4mN6pQ8rT0vX2';
const MESSAGES = 10;
const TRACE = 'Root=1-674ae1c2-5f4a1b2c3d4e5f6a7b8c9d0e;Parent=53995c3f42cd8ad8;Sampled=1';

/** Bytes of the log entries (not metrics) `work` writes, as Powertools writes them (one JSON line each). */
const logBytesOf = async (work: () => Promise<void>): Promise<number> => {
  const output = captureOutput();
  try {
    await work();
  } finally {
    output.restore();
  }
  return output.logs().reduce((bytes, entry) => bytes + Buffer.byteLength(`${JSON.stringify(entry)}\n`), 0);
};

/** Ingest's log bytes for `MESSAGES` accepted messages, at `logLevel`. */
const ingestLogBytes = async (logLevel: LogLevel) => {
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
  const api = createIngestApi(
    {
      directory,
      messages: new MemoryMessageStore(),
      queues: new RecordingQueues(),
      payloads: new MemoryPayloadStore(),
      uploads: new MemoryUploadRecords(),
      uploadObjects: new MemoryUploadObjects(),
      clock: () => NOW,
      cacheTtlMs: 30_000,
      idempotencyLeaseMs: 60_000,
      maxQueueMessageBytes: 1024 * 1024,
      uploadUsableSeconds: 3600,
    },
    createLogger('conveyor-ingest', { logLevel }),
    createMetrics({ deployment: 'conveyor-test' }),
  );
  const body = JSON.stringify({ meta: { dataModel: 'Imaging', eventType: 'Report' }, data: { n: 1 } });
  return logBytesOf(async () => {
    for (let n = 0; n < MESSAGES; n++) {
      const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
      const answer = await api(apiEvent('POST', '/v1/messages', { headers, body }), lambdaContext('conveyor-ingest'));
      expect(answer.statusCode).toBe(200);
    }
  });
};

/** Delivery's log bytes for one batch of `MESSAGES` delivered transmissions, at `logLevel`. */
const deliveryLogBytes = async (logLevel: LogLevel) => {
  const destination = activeDestination(newId('organization'));
  const logger = createLogger('conveyor-delivery', { logLevel });
  const metrics = createMetrics({ deployment: 'conveyor-test' });
  const fakes = pausePorts({ log: logger, meter: meterOver(metrics) });
  fakes.directory.organizations.set(destination.organizationId, {
    ...organization('Lab'),
    id: destination.organizationId,
  });
  fakes.directory.destinations.set(destination.id, destination);
  const handler = createDeliveryHandler(fakes.ports, logger, metrics);
  const records: SQSRecord[] = [];
  for (let n = 0; n < MESSAGES; n++) {
    const messageId = newId('message');
    const transmissionId = transmissionIdOf(messageId, 0);
    const receivedAt = '2026-11-26T09:59:58.000Z';
    await fakes.messages.commitMessage({
      id: messageId,
      sourceId: newId('source'),
      organizationId: destination.organizationId,
      receivedAt,
      dataModel: 'Imaging',
      eventType: 'Report',
      transmissions: [{ id: transmissionId, destinationId: destination.id, status: 'queued', attempts: 0 }],
    });
    const header = {
      v: 1 as const,
      messageId,
      transmissionId,
      destinationId: destination.id,
      sourceId: 'src',
      dataModel: 'Imaging',
      eventType: 'Report',
      receivedAt,
    };
    records.push(sqsRecord(`sqs-${transmissionId}`, encodeEnvelope(header, '{"n":1}'), destination.id));
  }
  return logBytesOf(async () => {
    const answer = await handler(
      sqsEvent(records),
      lambdaContext('conveyor-delivery', () => 600_000),
    );
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(fakes.messages.arrivals).toHaveLength(MESSAGES);
  });
};

const perDeliveredMessage = async (logLevel: LogLevel) => {
  const ingest = await ingestLogBytes(logLevel);
  const delivery = await deliveryLogBytes(logLevel);
  return { ingest: ingest / MESSAGES, delivery: delivery / MESSAGES, total: (ingest + delivery) / MESSAGES };
};

describe('log bytes per delivered message', () => {
  const trace = process.env._X_AMZN_TRACE_ID;
  beforeAll(() => {
    process.env._X_AMZN_TRACE_ID = TRACE;
  });
  afterAll(() => {
    if (trace === undefined) delete process.env._X_AMZN_TRACE_ID;
    else process.env._X_AMZN_TRACE_ID = trace;
  });

  it('is at most 300 at INFO, as deployed: the happy path of a message writes no line', async () => {
    const deployed = await perDeliveredMessage('INFO');

    expect(deployed).toEqual({ ingest: 0, delivery: 0, total: 0 });
  });

  it('at DEBUG is a line of over 500 bytes per accepted message and over 600 per delivery, context fields and all', async () => {
    const debug = await perDeliveredMessage('DEBUG');

    // What the happy path cost when these lines were INFO: 1,126 bytes here, ~1,230 with the longer
    // function names CDK generates (issue 14).
    expect(debug.ingest).toBeGreaterThan(500);
    expect(debug.delivery).toBeGreaterThan(600);
    expect(debug.total).toBeLessThan(1400);
  });
});
