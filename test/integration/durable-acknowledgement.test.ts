/**
 * Promise 1: a 200 only once every destination queue has the message; anything short of that is a
 * 503 from which nothing is delivered, and a retry with the same Idempotency-Key delivers once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(180_000);

let conveyor: TestConveyor;
let r1: Receiver;
let r2: Receiver;
let d1: { id: string };
let d2: { id: string };
let source: { id: string; apiKey: string };

const message = (tag: string, destinations?: string[]) => ({
  meta: { dataModel: 'PatientAdmin', eventType: 'Arrival', ...(destinations ? { destinations } : {}) },
  data: { tag },
});
const tagsOf = (receiver: Receiver) =>
  receiver.received.map((delivery) => JSON.parse(delivery.body).data.tag as string);
const webhookIdsOf = (receiver: Receiver, tag: string) =>
  receiver.received
    .filter((delivery) => JSON.parse(delivery.body).data.tag === tag)
    .map((delivery) => delivery.headers['webhook-id']);

beforeAll(async () => {
  conveyor = await startTestConveyor();
  const organization = await conveyor.createOrganization();
  [r1, r2] = [await startReceiver(), await startReceiver()];
  d1 = await conveyor.createDestination(organization.id, r1.url);
  d2 = await conveyor.createDestination(organization.id, r2.url);
  source = await conveyor.createSource(organization.id);
  await conveyor.subscribe(source.id, d1.id, 'PatientAdmin');
  await conveyor.subscribe(source.id, d2.id, 'PatientAdmin');
});

afterAll(async () => {
  await conveyor?.stop();
  await Promise.all([r1?.close(), r2?.close()]);
});

it('answers a repeated Idempotency-Key with the first answer and delivers once', async () => {
  const first = await conveyor.send(source.apiKey, message('once'), { 'idempotency-key': 'order-1001' });
  const repeat = await conveyor.send(source.apiKey, message('once'), { 'idempotency-key': 'order-1001' });
  const reused = await conveyor.send(source.apiKey, message('changed'), { 'idempotency-key': 'order-1001' });

  expect(first.status).toBe(200);
  expect(repeat).toEqual(first);
  expect(reused).toMatchObject({ status: 422, body: { error: { code: 'idempotency_key_reused' } } });
  const marker = await conveyor.send(source.apiKey, message('after-once'));
  expect(marker.status).toBe(200);
  await waitFor(() => tagsOf(r1).includes('after-once') && tagsOf(r2).includes('after-once'), 'the marker');
  expect(tagsOf(r1).filter((tag) => tag === 'once')).toHaveLength(1);
  expect(tagsOf(r2).filter((tag) => tag === 'once')).toHaveLength(1);
  expect(tagsOf(r1)).not.toContain('changed');
});

it('remembers an Idempotency-Key for 24 hours, past the 5 minutes SQS deduplicates for', async () => {
  const first = await conveyor.send(source.apiKey, message('day-long'), { 'idempotency-key': 'order-3003' });
  expect(first.status).toBe(200);
  await waitFor(() => tagsOf(r1).includes('day-long') && tagsOf(r2).includes('day-long'), 'the first delivery');
  // The SQS stand-in forgets its deduplication history on a restart: as if its 5 minutes were over.
  await conveyor.local.stopSqs();
  await conveyor.local.startSqs();

  const repeat = await conveyor.send(source.apiKey, message('day-long'), { 'idempotency-key': 'order-3003' });
  expect(repeat).toEqual(first);
  const marker = await conveyor.send(source.apiKey, message('after-day-long'));
  await waitFor(
    () => tagsOf(r1).includes('after-day-long') && tagsOf(r2).includes('after-day-long'),
    'the marker',
    60_000,
  );
  expect(tagsOf(r1).filter((tag) => tag === 'day-long')).toHaveLength(1);
  expect(marker.status).toBe(200);

  // The record itself lives 24 hours (DynamoDB TTL), not minutes.
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: conveyor.local.dynamoDbUrl }));
  const records = await documents.send(
    new ScanCommand({
      TableName: 'conveyor',
      FilterExpression: 'begins_with(pk, :idem) AND messageId = :id',
      ExpressionAttributeValues: { ':idem': 'IDEM#', ':id': first.body.messageId },
    }),
  );
  expect(records.Items).toHaveLength(1);
  const lifetimeSeconds = (records.Items![0]!.expiresAt as number) - Date.parse(first.body.receivedAt) / 1000;
  expect(lifetimeSeconds).toBeGreaterThan(24 * 3600 - 60);
  expect(lifetimeSeconds).toBeLessThanOrEqual(24 * 3600 + 60);
});

const queueDepth = async (destinationId: string) =>
  (await conveyor.admin('GET', `/v1/admin/destinations/${destinationId}`)).body.queueDepth;

it('answers 503 while SQS is down, delivers nothing of that request, and a retry with the same key delivers once', async () => {
  // Let the pollers delete what they delivered first: a delete lost to the outage would hold the
  // queue until the visibility timeout (correct, but slow for a test).
  await waitFor(async () => (await queueDepth(d1.id)) === 0 && (await queueDepth(d2.id)) === 0, 'empty queues');
  await conveyor.local.stopSqs();
  let refused;
  try {
    refused = await conveyor.send(source.apiKey, message('while-down'), { 'idempotency-key': 'order-2002' });
  } finally {
    await conveyor.local.startSqs();
  }
  expect(refused).toMatchObject({
    status: 503,
    body: { error: { code: 'not_accepted', message: expect.stringContaining('Idempotency-Key') } },
  });

  const retried = await conveyor.send(source.apiKey, message('while-down'), { 'idempotency-key': 'order-2002' });
  expect(retried.status).toBe(200);
  const marker = await conveyor.send(source.apiKey, message('after-down'));
  expect(marker.status).toBe(200);
  await waitFor(
    () => tagsOf(r1).includes('after-down') && tagsOf(r2).includes('after-down'),
    'the marker after SQS came back',
  );

  const transmissionFor = (destinationId: string) =>
    retried.body.transmissions.find((transmission: any) => transmission.destinationId === destinationId).id;
  expect(webhookIdsOf(r1, 'while-down')).toEqual([transmissionFor(d1.id)]);
  expect(webhookIdsOf(r2, 'while-down')).toEqual([transmissionFor(d2.id)]);
});

it('answers 503 when one of two destination queues refuses, and the other never delivers it', async () => {
  // Remove d2's queue behind Conveyor's back, so that destination's write fails while d1's succeeds.
  const sqs = new SQSClient({ endpoint: conveyor.local.sqsUrl, useQueueUrlAsEndpoint: false });
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `conveyor-local-${d2.id}.fifo` }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  sqs.destroy();

  const refused = await conveyor.send(source.apiKey, message('half-written'));
  expect(refused).toMatchObject({
    status: 503,
    body: { error: { code: 'not_accepted', message: expect.stringContaining('1 of 2') } },
  });

  // d1's queue holds the half-written message ahead of this marker, so once the marker arrives the
  // half-written one has been dealt with.
  const marker = await conveyor.send(source.apiKey, message('after-half', [d1.id]));
  expect(marker.status).toBe(200);
  await waitFor(() => tagsOf(r1).includes('after-half'), 'the marker on d1');
  expect(tagsOf(r1)).not.toContain('half-written');
  expect(r1.received.map((delivery) => Number(delivery.headers['conveyor-sequence']))).toEqual(
    r1.received.map((_, index) => index + 1),
  );
});

it('keeps an Idempotency-Key through a route the warm function remembered wrongly: one message, delivered once to each', async () => {
  // Destinations of its own (an earlier test removes d2's queue). A model subscribed by the first
  // alone, sent once so the ingest function remembers that route.
  const [first, second] = [await startReceiver(), await startReceiver()];
  try {
    const organization = await conveyor.createOrganization();
    const [early, late] = [
      await conveyor.createDestination(organization.id, first.url),
      await conveyor.createDestination(organization.id, second.url),
    ];
    const lateSource = await conveyor.createSource(organization.id);
    await conveyor.subscribe(lateSource.id, early.id, 'LabResult');
    const lab = (tag: string) => ({ meta: { dataModel: 'LabResult', eventType: 'Final' }, data: { tag } });
    expect((await conveyor.send(lateSource.apiKey, lab('warm'))).status).toBe(200);
    // The second subscribes: the remembered route is now stale, and only the fresh read knows it.
    await conveyor.subscribe(lateSource.id, late.id, 'LabResult');

    const answer = await conveyor.send(lateSource.apiKey, lab('late'), { 'idempotency-key': 'lab-5005' });
    const repeat = await conveyor.send(lateSource.apiKey, lab('late'), { 'idempotency-key': 'lab-5005' });

    expect(answer.status).toBe(200);
    expect((answer.body as { transmissions: unknown[] }).transmissions).toHaveLength(2);
    expect(repeat).toEqual(answer);
    expect((await conveyor.send(lateSource.apiKey, lab('after-late'))).status).toBe(200);
    await waitFor(() => tagsOf(first).includes('after-late') && tagsOf(second).includes('after-late'), 'the marker');
    // The stale route's abandoned copy is dropped by delivery: each receiver has 'late' once.
    expect(tagsOf(first).filter((tag) => tag === 'late')).toHaveLength(1);
    expect(tagsOf(second).filter((tag) => tag === 'late')).toHaveLength(1);
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
});
