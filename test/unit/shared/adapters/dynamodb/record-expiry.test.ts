/**
 * The TTLs (`expiresAt`, epoch s) on a message's records: the arrival-log entry and failed attempt
 * from their time, the message item only once every transmission of it is delivered.
 */
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoMessageStore } from '../../../../../lambdas/shared/adapters/dynamodb/message-store';
import type { Message } from '../../../../../lambdas/shared/domain/model';
import { client, clock, conditionFailed, ddb, NOW_SECONDS, TABLE } from './mock-table';

const DAY = 24 * 60 * 60;
const HELD = 'held: a transmission is not delivered yet';
const messageKey = { pk: 'MSG#msg_1', sk: 'MSG' };

const messageTo = (...destinationIds: string[]): Message => ({
  id: 'msg_1',
  sourceId: 'src_1',
  organizationId: 'org_1',
  receivedAt: '2026-01-01T00:00:00.000Z',
  dataModel: 'Results',
  eventType: 'New',
  transmissions: destinationIds.map((destinationId, index) => ({
    id: `trn_${index}`,
    destinationId,
    status: 'queued' as const,
    attempts: 0,
  })),
});

const arrival = {
  destinationId: 'dst_1',
  transmissionId: 'trn_0',
  messageId: 'msg_1',
  sequence: 3,
  arrivedAt: '2026-01-01T00:00:00.000Z',
  attempts: 1,
  status: 200,
  durationMs: 20,
};

/** The message item as markDelivered's ALL_NEW answers it. */
const itemAfterDelivery = (statuses: string[], expiresAt?: number | string) => ({
  Attributes: {
    ...messageKey,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    transmissions: Object.fromEntries(statuses.map((status, index) => [`trn_${index}`, { status, index }])),
  },
});

describe('records kept for the deployment’s record retention', () => {
  // 30 days: not the default, so the figures below come from the setting.
  const store = new DynamoMessageStore(client, TABLE, clock, 30);

  beforeEach(() => ddb.reset());

  it('commits a message of one transmission without a TTL, and one of several with its TTL held (a string TTL ignores)', async () => {
    ddb.on(PutCommand).resolves({});

    await store.commitMessage(messageTo('dst_1'));
    await store.commitMessage(messageTo('dst_1', 'dst_2'));

    const [single, fanOut] = ddb.commandCalls(PutCommand).map((call) => call.args[0].input.Item!);
    expect(single).not.toHaveProperty('expiresAt');
    expect(fanOut).toMatchObject({ expiresAt: HELD });
  });

  it('writes the arrival entry with a TTL 30 days after the arrival, and a one-transmission message its TTL in the same update', async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves(itemAfterDelivery(['delivered'], NOW_SECONDS + 30 * DAY));

    expect(await store.recordArrival(arrival)).toEqual({ settled: true });

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
      pk: 'ARR#dst_1',
      expiresAt: NOW_SECONDS + 30 * DAY,
    });
    const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.UpdateExpression).toContain('expiresAt = if_not_exists(expiresAt, :expiresAt)');
    expect(updates[0]!.ExpressionAttributeValues).toMatchObject({ ':expiresAt': NOW_SECONDS + 30 * DAY });
  });

  it('leaves a fan-out message’s TTL held while a transmission waits, and sets it once the last is delivered', async () => {
    ddb.on(PutCommand).resolves({});
    ddb
      .on(UpdateCommand)
      .resolvesOnce(itemAfterDelivery(['delivered', 'queued'], HELD))
      .resolvesOnce(itemAfterDelivery(['delivered', 'delivered'], HELD))
      .resolves({});

    expect(await store.recordArrival(arrival)).toEqual({ settled: false });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(await store.recordArrival({ ...arrival, transmissionId: 'trn_1', sequence: 4 })).toEqual({ settled: true });

    const release = ddb.commandCalls(UpdateCommand)[2]!.args[0].input;
    expect(release).toEqual({
      TableName: TABLE,
      Key: messageKey,
      UpdateExpression: 'SET expiresAt = :expiresAt',
      // Never held again by a replay since the committing write (no counter yet).
      ConditionExpression: 'expiresAt = :held AND attribute_not_exists(expiryHolds)',
      ExpressionAttributeValues: { ':expiresAt': NOW_SECONDS + 30 * DAY, ':held': HELD },
      // A refusal shows the TTL there: released already (its own earlier attempt), or held again.
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('releases a replayed message’s TTL only while no replay held it again since the delivery that settled it', async () => {
    ddb
      .on(UpdateCommand)
      .resolvesOnce({
        Attributes: { ...itemAfterDelivery(['delivered', 'delivered'], HELD).Attributes, expiryHolds: 2 },
      })
      .resolves({});

    await expect(store.recordArrival(arrival)).resolves.toEqual({ settled: true });

    const release = ddb.commandCalls(UpdateCommand)[1]!.args[0].input;
    expect(release.ConditionExpression).toBe('expiresAt = :held AND expiryHolds = :holds');
    expect(release.ExpressionAttributeValues).toMatchObject({ ':holds': 2 });
  });

  it('keeps the TTL held when a replay held it again before it was released', async () => {
    ddb.on(PutCommand).resolves({});
    ddb
      .on(UpdateCommand)
      .resolvesOnce(itemAfterDelivery(['delivered', 'delivered'], HELD))
      .rejectsOnce(conditionFailed());

    await expect(store.recordArrival(arrival)).resolves.toEqual({ settled: true });
  });

  it('holds again the TTL an item committed before TTLs existed got from its first delivery while another transmission waits, then reads again', async () => {
    ddb
      .on(UpdateCommand)
      .resolvesOnce(itemAfterDelivery(['delivered', 'queued'], NOW_SECONDS + 30 * DAY))
      .resolves({});
    // Read again after the hold: the other transmission still waits, so the TTL stays held.
    ddb.on(QueryCommand).resolves({ Items: [itemAfterDelivery(['delivered', 'queued'], HELD).Attributes] });

    await expect(store.recordArrival(arrival)).resolves.toEqual({ settled: false });
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 2);

    const hold = ddb.commandCalls(UpdateCommand)[1]!.args[0].input;
    expect(hold).toEqual({
      TableName: TABLE,
      Key: messageKey,
      UpdateExpression: 'SET expiresAt = :held',
      ConditionExpression: 'expiresAt = :expiresAt',
      ExpressionAttributeValues: { ':expiresAt': NOW_SECONDS + 30 * DAY, ':held': HELD },
    });
  });

  it('releases the TTL it held from a number when, read again, the last wait has ended meanwhile', async () => {
    ddb
      .on(UpdateCommand)
      .resolvesOnce(itemAfterDelivery(['delivered', 'queued'], NOW_SECONDS + 30 * DAY))
      .resolves({});
    // Another delivery ended the last wait after this one's write: it saw the number and wrote nothing.
    ddb.on(QueryCommand).resolves({ Items: [itemAfterDelivery(['delivered', 'delivered'], HELD).Attributes] });

    await expect(store.recordArrival(arrival)).resolves.toEqual({ settled: true });

    const [, hold, release] = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(hold).toMatchObject({ UpdateExpression: 'SET expiresAt = :held' });
    expect(release).toMatchObject({
      UpdateExpression: 'SET expiresAt = :expiresAt',
      ExpressionAttributeValues: { ':expiresAt': NOW_SECONDS + 30 * DAY, ':held': HELD },
    });
  });

  it('writes nothing more for a delivery that leaves the TTL held and another transmission waiting', async () => {
    ddb.on(UpdateCommand).resolvesOnce(itemAfterDelivery(['delivered', 'queued'], HELD));

    await expect(store.recordArrival(arrival)).resolves.toEqual({ settled: false });

    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('holds the TTL again when a transmission is replayed, so the item outlasts its new wait', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { transmissions: { trn_0: { status: 'queued', generation: 1 } } } });

    await store.prepareReplay('msg_1', 'trn_0');

    const replay = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(replay.UpdateExpression).toContain('expiresAt = :expiryHeld');
    // Counted, so a release decided before this replay is refused.
    expect(replay.UpdateExpression).toContain('expiryHolds = if_not_exists(expiryHolds, :zero) + :one');
    expect(replay.ExpressionAttributeValues).toMatchObject({ ':expiryHeld': HELD });
  });

  /** A fan-out message whose held TTL was counted once, as a skip of its last waiting transmission leaves it. */
  const settledBySkip = {
    ...messageKey,
    expiresAt: HELD,
    expiryHolds: 1,
    transmissions: { trn_0: { status: 'delivered' }, trn_1: { status: 'skipped' } },
  };

  it('releases a held TTL, 30 days after the skip, when a skip leaves no transmission waiting', async () => {
    // The other transmission was delivered before: skipping the last waiting one ends the wait.
    ddb.on(UpdateCommand).resolvesOnce({ Attributes: settledBySkip }).resolves({});

    expect(await store.setTransmissionStatus('msg_1', 'trn_1', 'skipped', ['queued', 'paused'])).toBe(true);

    const release = ddb.commandCalls(UpdateCommand)[1]!.args[0].input;
    expect(release).toEqual({
      TableName: TABLE,
      Key: messageKey,
      UpdateExpression: 'SET expiresAt = :expiresAt',
      ConditionExpression: 'expiresAt = :held AND expiryHolds = :holds',
      ExpressionAttributeValues: { ':expiresAt': NOW_SECONDS + 30 * DAY, ':held': HELD, ':holds': 1 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('releases the held TTL from the item a refused skip found, when the skip was applied and its answer lost', async () => {
    // The SDK's retry of an applied skip is refused by its own condition: the item it finds is the settled one.
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed(settledBySkip)).resolves({});

    expect(await store.setTransmissionStatus('msg_1', 'trn_1', 'skipped', ['queued', 'paused'])).toBe(true);

    const release = ddb.commandCalls(UpdateCommand)[1]!.args[0].input;
    expect(release.UpdateExpression).toBe('SET expiresAt = :expiresAt');
    expect(release.ExpressionAttributeValues).toEqual({
      ':expiresAt': NOW_SECONDS + 30 * DAY,
      ':held': HELD,
      ':holds': 1,
    });
  });

  it('keeps the TTL held when a skip leaves another transmission waiting', async () => {
    ddb.on(UpdateCommand).resolvesOnce(itemAfterDelivery(['skipped', 'queued'], HELD));

    expect(await store.setTransmissionStatus('msg_1', 'trn_0', 'skipped', ['queued', 'paused'])).toBe(true);

    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('releases a held TTL when the last waiting transmission is delivered beside a skipped one', async () => {
    ddb.on(PutCommand).resolves({});
    ddb
      .on(UpdateCommand)
      .resolvesOnce(itemAfterDelivery(['delivered', 'skipped'], HELD))
      .resolves({});

    // Not settled (a skipped transmission may be replayed and needs its payload), but nothing waits.
    expect(await store.recordArrival(arrival)).toEqual({ settled: false });

    const release = ddb.commandCalls(UpdateCommand)[1]!.args[0].input;
    expect(release.UpdateExpression).toBe('SET expiresAt = :expiresAt');
    expect(release.ExpressionAttributeValues).toMatchObject({ ':expiresAt': NOW_SECONDS + 30 * DAY });
  });

  it('logs a failed attempt with a TTL 30 days after it', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await store.recordFailedAttempt('msg_1', 'trn_0', 'HTTP 503', {
      attempt: 1,
      at: '2026-01-01T00:00:00.000Z',
      outcome: 'http_error',
      status: 503,
      durationMs: 40,
    });

    const [attempt] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(attempt!.Put!.Item).toMatchObject({ sk: 'ATT#trn_0#000001', expiresAt: NOW_SECONDS + 30 * DAY });
  });

  it('reads an arrival without its TTL', async () => {
    ddb.on(GetCommand).resolves({
      Item: { pk: 'ARR#dst_1', sk: '000000000003', ...arrival, destinationId: undefined, expiresAt: NOW_SECONDS },
    });

    const read = await store.getArrival('dst_1', 3);

    expect(read).not.toHaveProperty('expiresAt');
    expect(read).toMatchObject({ sequence: 3, transmissionId: 'trn_0' });
  });
});
