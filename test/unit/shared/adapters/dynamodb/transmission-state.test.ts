/**
 * Transmissions 1, 2, ... of a message keep their state in items of their own (`TRN#<trnId>` in
 * the message's partition): a delivery writes one small item, not the message's item, and every
 * other write copies the entry there first when the item is not there yet.
 */
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDestinationState } from '../../../../../lambdas/shared/adapters/dynamodb/destination-state';
import { DynamoMessageStore } from '../../../../../lambdas/shared/adapters/dynamodb/message-store';
import { DynamoTransmissions } from '../../../../../lambdas/shared/adapters/dynamodb/transmissions';
import { transmissionIdOf } from '../../../../../lambdas/shared/domain/ids';
import { client, clock, conditionFailed, ddb, NOW_SECONDS, refused, TABLE, transactionCanceled } from './mock-table';
import { firstEpisode, pauseOf } from './pause-fixtures';

const DAY = 24 * 60 * 60;
const HELD = 'held: a transmission is not delivered yet';
const MSG = 'msg_01KA0000000000000000000000';
const [TRN0, TRN1, TRN2] = [0, 1, 2].map((index) => transmissionIdOf(MSG, index)) as [string, string, string];
const messageKey = { pk: `MSG#${MSG}`, sk: 'MSG' };
const ownKey = (transmissionId: string) => ({ pk: `MSG#${MSG}`, sk: `TRN#${transmissionId}` });

/** A message of three transmissions as committed (every entry queued, the TTL held), with `change` over it. */
const messageItem = (change: Record<string, unknown> = {}, entries: Record<string, Record<string, unknown>> = {}) => ({
  ...messageKey,
  state: 'committed',
  id: MSG,
  sourceId: 'src_1',
  organizationId: 'org_1',
  receivedAt: '2026-01-01T00:00:00.000Z',
  dataModel: 'Results',
  eventType: 'New',
  expiresAt: HELD,
  transmissions: Object.fromEntries(
    [TRN0, TRN1, TRN2].map((id, index) => [
      id,
      { destinationId: `dst_${index}`, index, status: 'queued', attempts: 0, ...entries[id] },
    ]),
  ),
  ...change,
});
const ownItem = (transmissionId: string, state: Record<string, unknown>) => ({ ...ownKey(transmissionId), ...state });
const delivered = { status: 'delivered', attempts: 1, sequence: 4, arrivedAt: '2026-01-01T00:00:00.000Z' };

const arrivalOf = (transmissionId: string) => ({
  destinationId: 'dst_1',
  transmissionId,
  messageId: MSG,
  sequence: 4,
  arrivedAt: '2026-01-01T00:00:00.000Z',
  attempts: 1,
  status: 200,
  durationMs: 20,
});

const updatesOf = (key: { pk: string; sk: string }) =>
  ddb
    .commandCalls(UpdateCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.Key!.sk === key.sk);

describe('the states of transmissions 1, 2, ... in items of their own', () => {
  // 30 days: not the default, so the TTLs below come from the setting.
  const store = new DynamoMessageStore(client, TABLE, clock, 30);

  beforeEach(() => ddb.reset());

  it('reads a message with each transmission’s own item over its entry, and entries where there is none', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        messageItem({}, { [TRN2]: { status: 'delivered', attempts: 9 } }),
        ownItem(TRN1, { ...delivered, generation: 2, replayToken: 'token', expiresAt: NOW_SECONDS }),
      ],
    });

    const message = await store.getMessage(MSG);

    expect(message !== 'abandoned' && message?.transmissions).toEqual([
      { id: TRN0, destinationId: 'dst_0', status: 'queued', attempts: 0 },
      { id: TRN1, destinationId: 'dst_1', ...delivered, generation: 2 },
      // A message written before items of their own: its entry is its state.
      { id: TRN2, destinationId: 'dst_2', status: 'delivered', attempts: 9 },
    ]);
  });

  it('delivers transmission 1 in one write of its own item, whole, and leaves the TTL held while another waits', async () => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [messageItem(), ownItem(TRN1, delivered)] });
    ddb.on(PutCommand).resolves({});

    expect(await store.recordArrival(arrivalOf(TRN1), { generation: 2 })).toEqual({ settled: false });

    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: ownKey(TRN1),
      UpdateExpression:
        'SET #status = :delivered, arrivedAt = :arrivedAt, #sequence = :sequence, attempts = :attempts, ' +
        'generation = :generation REMOVE lastError',
      // Created by its first delivery; never given a generation older than its own.
      ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(generation) OR generation <= :generation',
      ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence' },
      ExpressionAttributeValues: {
        ':delivered': 'delivered',
        ':arrivedAt': '2026-01-01T00:00:00.000Z',
        ':sequence': 4,
        ':attempts': 1,
        ':generation': 2,
      },
    });
    // The message's items read after the write, strongly consistent, to see whether any still waits.
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({ ConsistentRead: true });
  });

  it('does not record on its own item a delivery of a generation older than the item’s, and settles nothing', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(PutCommand).resolves({});

    expect(await store.recordArrival(arrivalOf(TRN1), { generation: 1 })).toEqual({ settled: false });

    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 0);
    // The arrival-log entry is written all the same: the delivery did arrive.
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
  });

  it('releases the message’s TTL first, then gives every own item the TTL plus a week, once the last wait ends', async () => {
    ddb.on(UpdateCommand).resolves({});
    const settled = [
      messageItem({ expiryHolds: 2 }, { [TRN0]: delivered }),
      ownItem(TRN1, delivered),
      ownItem(TRN2, { status: 'skipped', attempts: 3 }),
    ];
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: settled })
      .resolves({ Items: [{ ...settled[0], expiresAt: NOW_SECONDS + 30 * DAY }, ...settled.slice(1)] });
    ddb.on(PutCommand).resolves({});

    expect(await store.recordArrival(arrivalOf(TRN1))).toEqual({ settled: false });

    const expiresAt = NOW_SECONDS + 30 * DAY;
    const [, release, ...ownTtls] = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(release).toEqual({
      TableName: TABLE,
      Key: messageKey,
      UpdateExpression: 'SET expiresAt = :expiresAt',
      // Not if a replay or redelivery held it again since the read.
      ConditionExpression: 'expiresAt = :held AND expiryHolds = :holds',
      ExpressionAttributeValues: { ':expiresAt': expiresAt, ':held': HELD, ':holds': 2 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(ownTtls.map((input) => input.Key)).toEqual([ownKey(TRN1), ownKey(TRN2)]);
    for (const input of ownTtls)
      expect(input).toMatchObject({
        UpdateExpression: 'SET expiresAt = :expiresAt',
        // A requeued one waits again: it keeps no TTL.
        ConditionExpression: '#status IN (:delivered, :skipped)',
        ExpressionAttributeValues: { ':expiresAt': expiresAt + 7 * DAY },
      });
    // Read again after them: the message was not held again meanwhile, so nothing more.
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
  });

  it('writes no own item’s TTL when the release is refused (a replay held the message since the read)', async () => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(UpdateCommand, { Key: messageKey }).rejects(conditionFailed());
    ddb.on(QueryCommand).resolves({
      Items: [messageItem({}, { [TRN0]: delivered }), ownItem(TRN1, delivered), ownItem(TRN2, delivered)],
    });
    ddb.on(PutCommand).resolves({});

    expect(await store.recordArrival(arrivalOf(TRN1))).toEqual({ settled: true });

    expect(updatesOf(ownKey(TRN2))).toEqual([]);
  });

  it('gives the own items the TTL a refused release found: its own earlier attempt, whose answer was lost', async () => {
    const expiresAt = NOW_SECONDS + 30 * DAY;
    ddb.on(UpdateCommand).resolves({});
    ddb.on(UpdateCommand, { Key: messageKey }).rejects(conditionFailed(messageItem({ expiresAt })));
    ddb.on(QueryCommand).resolves({
      Items: [messageItem({}, { [TRN0]: delivered }), ownItem(TRN1, delivered), ownItem(TRN2, delivered)],
    });
    ddb.on(PutCommand).resolves({});

    await store.recordArrival(arrivalOf(TRN1));

    for (const transmissionId of [TRN1, TRN2])
      expect(updatesOf(ownKey(transmissionId)).at(-1)).toMatchObject({
        UpdateExpression: 'SET expiresAt = :expiresAt',
        ExpressionAttributeValues: { ':expiresAt': expiresAt + 7 * DAY },
      });
  });

  it('takes the own items’ TTLs away again when the message was held again while they were written', async () => {
    const expiresAt = NOW_SECONDS + 30 * DAY;
    const ownExpiresAt = expiresAt + 7 * DAY;
    ddb.on(UpdateCommand).resolves({});
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [messageItem({}, { [TRN0]: delivered }), ownItem(TRN1, delivered), ownItem(TRN2, delivered)],
      })
      // Read after the own items' TTLs: a redelivery held the message and requeued transmission 0.
      .resolves({
        Items: [
          messageItem({ expiryHolds: 1 }, { [TRN0]: { status: 'queued', attempts: 1, generation: 1 } }),
          ownItem(TRN1, { ...delivered, expiresAt: ownExpiresAt }),
          ownItem(TRN2, { ...delivered, expiresAt: ownExpiresAt }),
        ],
      });
    ddb.on(PutCommand).resolves({});

    await store.recordArrival(arrivalOf(TRN1));

    for (const transmissionId of [TRN1, TRN2])
      expect(updatesOf(ownKey(transmissionId)).at(-1)).toEqual({
        TableName: TABLE,
        Key: ownKey(transmissionId),
        UpdateExpression: 'REMOVE expiresAt',
        // Only the TTL seen: a later release sets another.
        ConditionExpression: 'expiresAt = :seen',
        ExpressionAttributeValues: { ':seen': ownExpiresAt },
      });
  });

  it('gives own items a crash left without one the released message’s TTL, and writes nothing else', async () => {
    const released = NOW_SECONDS + 3 * DAY;
    ddb.on(UpdateCommand).resolves({});
    ddb.on(QueryCommand).resolves({
      Items: [
        messageItem({ expiresAt: released }, { [TRN0]: delivered }),
        ownItem(TRN1, { ...delivered, expiresAt: released + 7 * DAY }),
        ownItem(TRN2, delivered),
      ],
    });
    ddb.on(PutCommand).resolves({});

    await store.recordArrival(arrivalOf(TRN1));

    expect(updatesOf(ownKey(TRN2))).toEqual([
      expect.objectContaining({
        ExpressionAttributeValues: expect.objectContaining({ ':expiresAt': released + 7 * DAY }),
      }),
    ]);
    expect(updatesOf(ownKey(TRN1))).toHaveLength(1);
    expect(updatesOf(messageKey)).toEqual([]);
  });

  it('takes away an own item’s TTL while another transmission waits (a requeue whose own strip was interrupted)', async () => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(QueryCommand).resolves({
      Items: [messageItem(), ownItem(TRN1, delivered), ownItem(TRN2, { ...delivered, expiresAt: NOW_SECONDS })],
    });
    ddb.on(PutCommand).resolves({});

    await store.recordArrival(arrivalOf(TRN1));

    expect(updatesOf(ownKey(TRN2))).toEqual([
      expect.objectContaining({
        UpdateExpression: 'REMOVE expiresAt',
        ExpressionAttributeValues: { ':seen': NOW_SECONDS },
      }),
    ]);
  });

  it('releases a message committed before TTLs existed (no expiresAt) when an own item ends its last wait', async () => {
    ddb.on(UpdateCommand).resolves({});
    const { expiresAt: _held, ...beforeTtls } = messageItem({}, { [TRN0]: delivered, [TRN2]: delivered });
    ddb.on(QueryCommand).resolves({ Items: [beforeTtls, ownItem(TRN1, delivered)] });
    ddb.on(PutCommand).resolves({});

    expect(await store.recordArrival(arrivalOf(TRN1))).toEqual({ settled: true });

    expect(updatesOf(messageKey)).toEqual([
      expect.objectContaining({
        ConditionExpression: 'attribute_not_exists(expiresAt) AND attribute_not_exists(expiryHolds)',
        ExpressionAttributeValues: { ':expiresAt': NOW_SECONDS + 30 * DAY },
      }),
    ]);
  });

  it('delivers transmission 0 in the message’s item and settles from all the message’s items', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: messageItem({}, { [TRN0]: delivered }) });
    ddb.on(QueryCommand).resolves({
      Items: [messageItem({}, { [TRN0]: delivered }), ownItem(TRN1, delivered), ownItem(TRN2, delivered)],
    });
    ddb.on(PutCommand).resolves({});

    expect(await store.recordArrival(arrivalOf(TRN0))).toEqual({ settled: true });

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.Key).toEqual(messageKey);
    expect(updatesOf(messageKey).at(-1)).toMatchObject({ UpdateExpression: 'SET expiresAt = :expiresAt' });
  });

  it('takes its siblings’ TTLs away when transmission 0 of a settled message is replayed', async () => {
    const ownExpiresAt = NOW_SECONDS + 37 * DAY;
    const afterReplay = messageItem(
      { expiryHolds: 1 },
      { [TRN0]: { status: 'queued', attempts: 1, generation: 1, replayToken: 'token' } },
    );
    ddb.on(UpdateCommand).resolves({});
    ddb.on(UpdateCommand, { Key: messageKey }).resolves({ Attributes: afterReplay });
    ddb.on(QueryCommand).resolves({
      Items: [
        afterReplay,
        ownItem(TRN1, { ...delivered, expiresAt: ownExpiresAt }),
        ownItem(TRN2, { ...delivered, expiresAt: ownExpiresAt }),
      ],
    });

    expect(await store.prepareReplay(MSG, TRN0)).toBe(1);

    for (const transmissionId of [TRN1, TRN2])
      expect(updatesOf(ownKey(transmissionId))).toEqual([
        expect.objectContaining({
          UpdateExpression: 'REMOVE expiresAt',
          ExpressionAttributeValues: { ':seen': ownExpiresAt },
        }),
      ]);
  });

  it('copies the entry to an own item not there yet, then changes the status there', async () => {
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    ddb.on(GetCommand).resolves({ Item: messageItem() });
    ddb.on(PutCommand).resolves({});

    expect(await store.setTransmissionStatus(MSG, TRN1, 'paused', ['queued'])).toBe(true);

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...ownKey(TRN1), status: 'queued', attempts: 0 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const [first, second] = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(second).toEqual(first);
    expect(first).toEqual({
      TableName: TABLE,
      Key: ownKey(TRN1),
      UpdateExpression: 'SET #status = :status',
      ConditionExpression: 'attribute_exists(pk) AND #status IN (:from0)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': 'paused', ':from0': 'queued' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('recognises its own status change on an own item, refuses another, and throws for a transmission the message lacks', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed(ownItem(TRN1, { status: 'paused', attempts: 0 })))
      .rejectsOnce(conditionFailed(ownItem(TRN1, delivered)))
      .rejectsOnce(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: messageItem({ transmissions: {} }) });

    expect(await store.setTransmissionStatus(MSG, TRN1, 'paused', ['queued'])).toBe(true);
    expect(await store.setTransmissionStatus(MSG, TRN1, 'paused', ['queued'])).toBe(false);
    await expect(store.setTransmissionStatus(MSG, TRN1, 'paused', ['queued'])).rejects.toThrow(
      `Message ${MSG} has no transmission ${TRN1}`,
    );
  });

  it('copies an entry with its message’s TTL plus a week, so the copy goes with it', async () => {
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    ddb.on(GetCommand).resolves({ Item: messageItem({ expiresAt: NOW_SECONDS }, { [TRN1]: delivered }) });
    ddb.on(PutCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });

    await store.setTransmissionStatus(MSG, TRN1, 'skipped', ['delivered']);

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toEqual({
      ...ownKey(TRN1),
      ...delivered,
      expiresAt: NOW_SECONDS + 7 * DAY,
    });
  });

  it('replays a skipped own item at the next generation and holds its message’s TTL, in one transaction', async () => {
    ddb
      .on(GetCommand)
      .resolves({ Item: ownItem(TRN1, { status: 'skipped', attempts: 2, generation: 1, expiresAt: 9 }) });
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [messageItem({ expiryHolds: 1 })] });

    expect(await store.prepareReplay(MSG, TRN1)).toBe(2);

    const [requeue, hold] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(requeue!.Update).toEqual({
      TableName: TABLE,
      Key: ownKey(TRN1),
      UpdateExpression:
        'SET #status = :queued, generation = if_not_exists(generation, :zero) + :one, replayToken = :token ' +
        'REMOVE #sequence, arrivedAt, expiresAt',
      ConditionExpression: 'attribute_exists(pk) AND #status = :skipped AND generation = :generation',
      ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence' },
      ExpressionAttributeValues: {
        ':queued': 'queued',
        ':skipped': 'skipped',
        ':zero': 0,
        ':one': 1,
        ':token': expect.any(String),
        ':generation': 1,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(hold!.Update).toEqual({
      TableName: TABLE,
      Key: messageKey,
      UpdateExpression: 'SET expiresAt = :expiryHeld, expiryHolds = if_not_exists(expiryHolds, :zero) + :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':expiryHeld': HELD, ':zero': 0, ':one': 1 },
    });
    // Then the message's items are read, to take away TTLs its own items kept from a release.
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
  });

  it('does not replay an own item that is not skipped, nor one another writer changed since the read', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: ownItem(TRN1, delivered) })
      .resolves({ Item: ownItem(TRN1, { status: 'skipped', attempts: 2 }) });
    ddb
      .on(TransactWriteCommand)
      .rejects(
        transactionCanceled(
          refused(ownItem(TRN1, { status: 'queued', attempts: 2, generation: 1, replayToken: 'other' })),
          'None',
        ),
      );

    expect(await store.prepareReplay(MSG, TRN1)).toBeUndefined();
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    expect(await store.prepareReplay(MSG, TRN1)).toBeUndefined();
    // Never replayed: its generation is conditioned as absent.
    expect(
      ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Update!.ConditionExpression,
    ).toBe('attribute_exists(pk) AND #status = :skipped AND attribute_not_exists(generation)');
  });

  it('redelivers a transmission delivered before items of their own existed: its entry is copied, then requeued', async () => {
    ddb
      .on(GetCommand, { Key: ownKey(TRN1) })
      .resolvesOnce({})
      .resolves({ Item: ownItem(TRN1, delivered) });
    ddb.on(GetCommand, { Key: messageKey }).resolves({ Item: messageItem({}, { [TRN1]: delivered }) });
    ddb.on(PutCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    const transmissions = new DynamoTransmissions(client, TABLE);

    expect(await transmissions.prepareRedelivery(MSG, TRN1, 'rdl-token')).toEqual({
      outcome: 'prepared',
      generation: 1,
      status: 'queued',
    });
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toEqual({ ...ownKey(TRN1), ...delivered });
  });

  it('answers a redelivery’s own earlier preparation, or not_delivered, from the own item without requeueing it', async () => {
    const transmissions = new DynamoTransmissions(client, TABLE);
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: ownItem(TRN1, { status: 'queued', attempts: 1, generation: 3, replayToken: 'rdl-token' }) })
      .resolvesOnce({ Item: ownItem(TRN1, { status: 'paused', attempts: 1 }) });
    ddb.on(QueryCommand).resolves({ Items: [] });

    expect(await transmissions.prepareRedelivery(MSG, TRN1, 'rdl-token')).toEqual({
      outcome: 'prepared_earlier',
      generation: 3,
      status: 'queued',
    });
    expect(await transmissions.prepareRedelivery(MSG, TRN1, 'rdl-token')).toEqual({
      outcome: 'not_delivered',
      status: 'paused',
    });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
  });

  it('takes its siblings’ TTLs away when a redelivery requeues transmission 0, and again when a resumed one finds its own requeue', async () => {
    const transmissions = new DynamoTransmissions(client, TABLE);
    const ownExpiresAt = NOW_SECONDS + 37 * DAY;
    const afterRedelivery = messageItem(
      { expiryHolds: 1 },
      { [TRN0]: { status: 'queued', attempts: 1, generation: 1, replayToken: 'rdl-token' } },
    );
    ddb.on(UpdateCommand).resolves({});
    ddb
      .on(UpdateCommand, { Key: messageKey })
      .resolvesOnce({ Attributes: afterRedelivery })
      .rejects(conditionFailed(afterRedelivery));
    ddb.on(QueryCommand).resolves({
      Items: [afterRedelivery, ownItem(TRN1, { ...delivered, expiresAt: ownExpiresAt })],
    });

    expect(await transmissions.prepareRedelivery(MSG, TRN0, 'rdl-token')).toMatchObject({ outcome: 'prepared' });
    expect(await transmissions.prepareRedelivery(MSG, TRN0, 'rdl-token')).toMatchObject({
      outcome: 'prepared_earlier',
    });

    expect(updatesOf(ownKey(TRN1))).toEqual([
      expect.objectContaining({ UpdateExpression: 'REMOVE expiresAt' }),
      expect.objectContaining({ UpdateExpression: 'REMOVE expiresAt' }),
    ]);
  });

  it('takes the siblings’ TTLs away when a resumed redelivery finds an own item it requeued already', async () => {
    const transmissions = new DynamoTransmissions(client, TABLE);
    ddb
      .on(GetCommand)
      .resolves({ Item: ownItem(TRN1, { status: 'queued', attempts: 1, generation: 1, replayToken: 'rdl-token' }) });
    ddb.on(UpdateCommand).resolves({});
    ddb.on(QueryCommand).resolves({
      Items: [messageItem({ expiryHolds: 1 }), ownItem(TRN2, { ...delivered, expiresAt: NOW_SECONDS })],
    });

    expect(await transmissions.prepareRedelivery(MSG, TRN1, 'rdl-token')).toMatchObject({
      outcome: 'prepared_earlier',
    });

    expect(updatesOf(ownKey(TRN2))).toEqual([expect.objectContaining({ UpdateExpression: 'REMOVE expiresAt' })]);
  });

  it('answers not_delivered for a redelivery whose message’s item is gone, and makes no item of the hold', async () => {
    const transmissions = new DynamoTransmissions(client, TABLE);
    ddb.on(GetCommand).resolves({ Item: ownItem(TRN1, { ...delivered, expiresAt: NOW_SECONDS }) });
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('None', 'ConditionalCheckFailed'));

    expect(await transmissions.prepareRedelivery(MSG, TRN1, 'rdl-token')).toEqual({
      outcome: 'not_delivered',
      status: undefined,
    });
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 0);
  });

  it('does not copy when the head’s own item refused the pause for being delivered, nor for transmission 0', async () => {
    const state = new DynamoDestinationState(client, TABLE, clock);
    ddb
      .on(TransactWriteCommand)
      .rejects(transactionCanceled('None', 'None', refused(ownItem(TRN1, delivered)), 'None'));

    await expect(
      state.recordPause('dst_1', pauseOf(MSG, TRN1), { readVersion: 'v1', episode: firstEpisode }),
    ).rejects.toThrow('Transaction cancelled');
    ddb.reset();
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('None', 'None', 'ConditionalCheckFailed', 'None'));
    await expect(
      state.recordPause('dst_1', pauseOf(MSG, TRN0), { readVersion: 'v1', episode: firstEpisode }),
    ).rejects.toThrow('Transaction cancelled');
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('counts a failed attempt on an own item not there yet after copying its entry', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(transactionCanceled('None', 'ConditionalCheckFailed')).resolves({});
    ddb.on(GetCommand).resolves({ Item: messageItem() });
    ddb.on(PutCommand).resolves({});

    await store.recordFailedAttempt(MSG, TRN2, 'HTTP 500', {
      at: '2026-01-01T00:00:00.000Z',
      attempt: 1,
      outcome: 'http_error',
      status: 500,
    });

    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toEqual({
      ...ownKey(TRN2),
      status: 'queued',
      attempts: 0,
    });
    expect(ddb.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems![1]!.Update).toEqual({
      TableName: TABLE,
      Key: ownKey(TRN2),
      UpdateExpression: 'SET attempts = attempts + :one, lastError = :error',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1, ':error': 'HTTP 500' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('records a pause whose head has no own item yet: the entry is copied and the pause sent again', async () => {
    const state = new DynamoDestinationState(client, TABLE, clock);
    const pause = pauseOf(MSG, TRN1);
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCanceled('None', 'None', 'ConditionalCheckFailed', 'None'))
      .resolves({});
    ddb.on(GetCommand).resolves({ Item: messageItem() });
    ddb.on(PutCommand).resolves({});

    expect(await state.recordPause('dst_1', pause, { readVersion: 'v1', episode: firstEpisode })).toBe('recorded');

    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...ownKey(TRN1), status: 'queued', attempts: 0 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const [first, second] = ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems);
    expect(second).toEqual(first);
    expect(first![2]!.Update).toMatchObject({
      Key: ownKey(TRN1),
      ConditionExpression: 'attribute_exists(pk) AND #status IN (:queued, :paused)',
    });
  });
});
