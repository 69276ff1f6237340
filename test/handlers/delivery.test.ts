/**
 * The delivery function's middy stack (`createDeliveryHandler`: Powertools context, metrics and
 * `deliverBatch`) called as an event-source mapping calls it, over memory ports.
 */
import type { Context, SQSRecord } from 'aws-lambda';
import { createDeliveryHandler } from '../../lambdas/delivery/app';
import { encodeEnvelope } from '../../lambdas/shared/domain/envelope';
import { newId, transmissionIdOf } from '../../lambdas/shared/domain/ids';
import type { ActiveDestination, Destination, Message, UnverifiedDestination } from '../../lambdas/shared/domain/model';
import type { DeliveryOutcome } from '../../lambdas/shared/ports/deliverer';
import { createLogger } from '../../lambdas/shared/runtime/logging';
import { createMetrics, meterOver } from '../../lambdas/shared/runtime/metrics';
import { type CapturedOutput, captureOutput, lambdaContext, sqsEvent, sqsRecord } from './lambda';
import { activeDestination, organization, paused, pausePorts } from './ports';

const RECEIVED_AT = '2026-11-26T09:59:58.000Z';

let output: CapturedOutput;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

/** The delivery handler over memory ports, with one organization owning `destination`. */
const setUp = (destination: Destination, answers: DeliveryOutcome[] = []) => {
  const logger = createLogger('conveyor-delivery', { logLevel: 'DEBUG' });
  const metrics = createMetrics({ deployment: 'conveyor-test' });
  const fakes = pausePorts({ log: logger, meter: meterOver(metrics) }, answers);
  const lab = { ...organization('Lab'), id: destination.organizationId };
  fakes.directory.organizations.set(lab.id, lab);
  fakes.directory.destinations.set(destination.id, destination);
  const handler = createDeliveryHandler(fakes.ports, logger, metrics);
  return { ...fakes, handler, worklist: fakes.ports.worklist };
};

/** A committed message for `destination` and its queue record, `data` as the integrator sent it. */
const queued = async (
  messages: { commitMessage(message: Message): Promise<void> },
  destination: Destination,
  data: string,
) => {
  const messageId = newId('message');
  const transmissionId = transmissionIdOf(messageId, 0);
  await messages.commitMessage({
    id: messageId,
    sourceId: newId('source'),
    organizationId: destination.organizationId,
    receivedAt: RECEIVED_AT,
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
    receivedAt: RECEIVED_AT,
  };
  return {
    messageId,
    transmissionId,
    record: sqsRecord(`sqs-${transmissionId}`, encodeEnvelope(header, data), destination.id),
  };
};

const ids = (records: SQSRecord[]) => records.map((record) => ({ itemIdentifier: record.messageId }));
const context = (): Context => lambdaContext('conveyor-delivery', () => 600_000);

it('answers an empty event with no failures, and logs and publishes nothing', async () => {
  const { handler, posted } = setUp(activeDestination(newId('organization')));

  const answer = await handler(sqsEvent([]), context());

  expect(answer).toEqual({ batchItemFailures: [] });
  expect(posted).toEqual([]);
  expect(output.entries()).toEqual([]);
});

it('delivers a batch in order and publishes what it counted', async () => {
  const destination = activeDestination(newId('organization'));
  const { handler, messages, posted } = setUp(destination);
  const first = await queued(messages, destination, '{"n":1}');
  const second = await queued(messages, destination, '{"n":2}');

  const answer = await handler(sqsEvent([first.record, second.record]), context());

  expect(answer).toEqual({ batchItemFailures: [] });
  expect(posted.map((request) => [request.url, request.headers['webhook-id']])).toEqual([
    ['https://lab.example.org/hook', first.transmissionId],
    ['https://lab.example.org/hook', second.transmissionId],
  ]);
  expect(messages.arrivals.map(({ transmissionId, sequence }) => [transmissionId, sequence])).toEqual([
    [first.transmissionId, 1],
    [second.transmissionId, 2],
  ]);
  // Each reservation recorded its record's SentTimestamp: how old the queue's head is. The second
  // reservation recorded the first arrival in the same write (the fold), and nothing else did.
  expect(messages.counters.get(destination.id)).toEqual({
    last: 2,
    holder: second.transmissionId,
    headSentAt: new Date(1795000000000).toISOString(),
    lastArrival: expect.objectContaining({ reservationKey: first.transmissionId, sequence: 1 }),
  });
  expect(messages.folds).toEqual([{ previous: first.transmissionId, reservationKey: second.transmissionId }]);
  const published = output.metrics();
  expect(published).toHaveLength(1);
  // Embedded metric format keeps each value recorded under a name, in order.
  expect(published[0]).toMatchObject({
    service: 'conveyor-test',
    TransmissionsDelivered: [1, 1],
    DeliveryLatency: [2000, 2000],
    EndpointResponseTime: [3, 3],
  });
});

it('hands back every record of a paused destination untouched, visible again after the release delay', async () => {
  // Prepare: the mapping is known to be off; the handler only sees what was in flight.
  const destination = paused(
    activeDestination(newId('organization')),
    '2026-11-26T09:00:00.000Z',
    '2026-11-26T10:05:00.000Z',
  );
  const { handler, messages, posted, queues, mappings, directory } = setUp(destination);
  const first = await queued(messages, destination, '{"n":1}');
  const second = await queued(messages, destination, '{"n":2}');
  const before = structuredClone([...messages.messages.entries()]);

  const answer = await handler(sqsEvent([first.record, second.record]), context());

  expect(answer).toEqual({ batchItemFailures: ids([first.record, second.record]) });
  expect(queues.released).toEqual([
    {
      queueUrl: destination.queueUrl,
      receiptHandles: [first.record.receiptHandle, second.record.receiptHandle],
      seconds: 5,
    },
  ]);
  expect(posted).toEqual([]);
  expect(mappings.calls).toEqual([]);
  expect([...messages.messages.entries()]).toEqual(before);
  expect(directory.destinations.get(destination.id)).toEqual(destination);
  expect(output.logs().map(({ level, message }) => `${level} ${message}`)).toEqual([
    'INFO Batch handed back: destination is paused',
  ]);
  expect(output.logs()[0]).toMatchObject({ destinationId: destination.id, records: 2 });
  expect(output.metrics()).toEqual([]);
});

it('never calls the control plane: a batch for a paused destination puts it on the worklist as evidence its mapping still runs', async () => {
  const pausedDestination = paused(
    activeDestination(newId('organization')),
    '2026-11-26T09:00:00.000Z',
    '2026-11-26T10:05:00.000Z',
  );
  const destination = { ...pausedDestination, pause: { ...pausedDestination.pause, mappingDisabled: false } };
  const { handler, messages, mappings, worklist } = setUp(destination);
  const { record } = await queued(messages, destination, '{}');

  const answer = await handler(sqsEvent([record]), context());

  expect(answer).toEqual({ batchItemFailures: ids([record]) });
  expect(mappings.calls).toEqual([]);
  expect(await worklist.list()).toEqual([
    expect.objectContaining({ destinationId: destination.id, reason: 'evidence' }),
  ]);
});

it('delivers nothing to an unverified destination: its batch is handed back and it goes on the worklist', async () => {
  // Its mapping, created enabled, may run until the reconciler disables it.
  const destination: UnverifiedDestination = {
    ...activeDestination(newId('organization')),
    status: 'unverified',
    verify: true,
  };
  const { handler, messages, posted, queues, worklist } = setUp(destination);
  const { record } = await queued(messages, destination, '{}');

  const answer = await handler(sqsEvent([record]), context());

  expect(answer).toEqual({ batchItemFailures: ids([record]) });
  expect(posted).toEqual([]);
  expect(queues.released).toEqual([
    { queueUrl: destination.queueUrl, receiptHandles: [record.receiptHandle], seconds: 5 },
  ]);
  expect(await worklist.list()).toEqual([
    expect.objectContaining({ destinationId: destination.id, reason: 'evidence' }),
  ]);
  expect(output.logs().map(({ level, message }) => `${level} ${message}`)).toEqual([
    'INFO Batch handed back: destination is unverified',
  ]);
});

it('stops at the first record the endpoint fails, returns it and every later one, and pauses the destination', async () => {
  const destination: ActiveDestination = activeDestination(newId('organization'));
  const unavailable = { kind: 'answered' as const, status: 503, durationMs: 40 };
  const { handler, messages, posted, queues, mappings, directory, mailed } = setUp(destination, [unavailable]);
  const first = await queued(messages, destination, '{"n":1}');
  const second = await queued(messages, destination, '{"n":2}');

  const answer = await handler(sqsEvent([first.record, second.record]), context());

  expect(answer).toEqual({ batchItemFailures: ids([first.record, second.record]) });
  expect(posted).toHaveLength(1);
  expect(directory.destinations.get(destination.id)).toMatchObject({
    status: 'paused',
    pause: {
      reason: 'HTTP 503',
      fault: 'destination',
      headTransmissionId: first.transmissionId,
      nextRetryAt: '2026-11-26T10:00:05.000Z',
    },
  });
  // The pause is recorded; the reconciler, not delivery, turns the mapping off.
  expect(mappings.calls).toEqual([]);
  expect(mailed.map(({ to }) => to)).toEqual(['lab@example.org']);
  expect(queues.released).toEqual([
    {
      queueUrl: destination.queueUrl,
      receiptHandles: [first.record.receiptHandle, second.record.receiptHandle],
      seconds: 5,
    },
  ]);
  expect(output.metrics()[0]).toMatchObject({ FailedAttempts: 1, Pauses: 1, AlertsSent: 1 });
});

it('hands back, untried, records the invocation has no time left for', async () => {
  const destination = activeDestination(newId('organization'));
  const { handler, messages, posted, queues } = setUp(destination);
  const { record } = await queued(messages, destination, '{}');

  // One attempt needs the destination's timeout (5 s) plus 5 s of room.
  const answer = await handler(
    sqsEvent([record]),
    lambdaContext('conveyor-delivery', () => 9_999),
  );

  expect(answer).toEqual({ batchItemFailures: ids([record]) });
  expect(posted).toEqual([]);
  expect(queues.released).toEqual([
    { queueUrl: destination.queueUrl, receiptHandles: [record.receiptHandle], seconds: 10 },
  ]);
});

it('fails the whole invocation, so the batch is retried, when the destination does not exist', async () => {
  const known = activeDestination(newId('organization'));
  const { handler, messages } = setUp(known);
  const unknown = activeDestination(known.organizationId);
  const { record } = await queued(messages, unknown, '{}');

  await expect(handler(sqsEvent([record]), context())).rejects.toThrow(`Destination ${unknown.id} does not exist`);
  expect(output.metrics()).toEqual([]);
});
