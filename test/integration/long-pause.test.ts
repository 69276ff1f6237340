/**
 * A pause that outlives the queue's retention, on the stand-ins with the retention shortened to
 * the minimum SQS allows (60 s) and entries moved to the spill once 3 s old: the backlog leaves
 * the queue, in order, before it could expire; new messages queue behind it; a skip takes the
 * spill's first entry; and on recovery the receiver gets everything in queue order, the spilled
 * entries ahead of the newer ones, byte for byte, with one sequence gap where the skip was.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSpill } from '../../lambdas/shared/adapters/dynamodb/spill';
import { accepted, startReceiver, type Receiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(180_000);

let conveyor: TestConveyor;
let receiver: Receiver;

afterAll(async () => {
  await conveyor?.stop();
  await receiver?.close();
});

it('moves a long-paused backlog to the spill in order and puts it back ahead of newer messages', async () => {
  conveyor = await startTestConveyor({
    QUEUE_RETENTION_SECONDS: '60',
    SPILL_AFTER_SECONDS: '3',
    PROBE_LADDER_SECONDS: '1',
  });
  receiver = await startReceiver();
  receiver.respond = () => 503;
  const organization = await conveyor.createOrganization();
  const destination = await conveyor.createDestination(organization.id, receiver.url, 2000);
  const source = await conveyor.createSource(organization.id);
  await conveyor.subscribe(source.id, destination.id, 'Results');
  // One entry near SQS's size limit, incompressible, so the spill has to split it across items.
  const large = randomBytes(600_000).toString('base64');
  const send = async (n: number) => {
    const data = n === 3 ? { n, large } : { n };
    const answer = await conveyor.send(source.apiKey, { meta: { dataModel: 'Results', eventType: 'New' }, data });
    expect(answer.status).toBe(200);
    return {
      n,
      messageId: answer.body.messageId as string,
      transmissionId: answer.body.transmissions[0].id as string,
      data: JSON.stringify(data),
    };
  };
  const describe = async () => (await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`)).body;

  const backlog = [];
  for (let n = 0; n < 12; n++) backlog.push(await send(n));
  await waitFor(async () => (await describe()).status === 'paused', 'the pause');
  await waitFor(async () => (await describe()).spilled === 12, 'the backlog to move to the spill', 60_000);
  const whileSpilled = await describe();
  expect(whileSpilled).toMatchObject({
    status: 'paused',
    queueDepth: 12,
    headTransmissionId: backlog[0]!.transmissionId,
  });

  const newer = [];
  for (let n = 12; n < 16; n++) newer.push(await send(n));
  expect((await describe()).queueDepth).toBe(16);

  const skip = await conveyor.admin('POST', `/v1/admin/destinations/${destination.id}/skip`);
  expect(skip).toMatchObject({ status: 200, body: { skippedTransmissionId: backlog[0]!.transmissionId } });
  expect((await describe()).spilled).toBeGreaterThanOrEqual(11);

  receiver.respond = () => 200;
  await waitFor(() => accepted(receiver).length >= 15, 'every entry but the skipped one', 90_000);
  await waitFor(async () => (await describe()).status === 'active', 'the destination to resume');

  const delivered = accepted(receiver);
  const expected = [...backlog.slice(1), ...newer];
  // At least once: a repeat carries the same webhook-id; the first arrivals are in queue order.
  const firstArrivals = delivered.filter(
    (entry, index) =>
      delivered.findIndex((other) => other.headers['webhook-id'] === entry.headers['webhook-id']) === index,
  );
  expect(firstArrivals.map((entry) => entry.headers['webhook-id'])).toEqual(
    expected.map((entry) => entry.transmissionId),
  );
  // Byte for byte (compared as digests: the large entry would drown a failure message).
  const digest = (text: string) => createHash('sha256').update(text).digest('hex');
  expect(firstArrivals.map((entry) => digest(entry.body.slice(entry.body.indexOf(',"data":') + 8, -1)))).toEqual(
    expected.map((entry) => digest(entry.data)),
  );
  // The skipped head held number 1 (it was attempted): receivers see the gap, then 2, 3, ...
  const sequences = firstArrivals.map((entry) => Number(entry.headers['conveyor-sequence']));
  expect(sequences).toEqual(expected.map((_, index) => index + 2));
  const final = await describe();
  expect(final).toMatchObject({ status: 'active', queueDepth: 0 });
  expect(final.spilled).toBeUndefined();

  const skipped = await conveyor.request('GET', `/v1/messages/${backlog[0]!.messageId}`, {
    headers: { authorization: `Bearer ${source.apiKey}` },
  });
  expect(skipped.body.transmissions).toEqual([
    expect.objectContaining({ id: backlog[0]!.transmissionId, status: 'skipped' }),
  ]);
});

it('keeps a spilled entry once however often it is moved, and hands entries back by queue position', async () => {
  const organization = await conveyor.createOrganization();
  const destination = await conveyor.createDestination(organization.id, receiver.url);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: conveyor.local.dynamoDbUrl }));
  const spill = new DynamoSpill(client, 'conveyor');
  const entry = (position: string) => ({ position, sentAt: '2026-01-01T00:00:00.000Z', body: `entry ${position}` });

  expect(await spill.keep(destination.id, entry('100000000000000000001'))).toBe(true);
  expect(await spill.keep(destination.id, entry('100000000000000000001'))).toBe(false);
  // Numerically smaller, though longer as text would sort it later: the padded key keeps queue order.
  expect(await spill.keep(destination.id, entry('99999999999999999999'))).toBe(true);
  expect((await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`)).body.spilled).toBe(2);

  expect(await spill.first(destination.id)).toEqual(entry('99999999999999999999'));
  await spill.remove(destination.id, '99999999999999999999');
  await spill.remove(destination.id, '99999999999999999999');
  expect(await spill.first(destination.id)).toEqual(entry('100000000000000000001'));
  expect((await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`)).body.spilled).toBe(1);
});
