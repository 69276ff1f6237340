import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoArrivalLog } from '../../../../../lambdas/shared/adapters/dynamodb/arrival-log';
import { client, conditionFailed, ddb, TABLE } from './mock-table';

const destinationKey = { pk: 'DST#dst_1', sk: 'DST' };
/** When the entry being delivered was enqueued (its SQS SentTimestamp). */
const SENT_AT = '2025-12-20T08:00:00.000Z';
const reservation = (transmissionId: string) => ({
  TableName: TABLE,
  Key: destinationKey,
  // The same UpdateItem that numbers the delivery records the age of the queue's head: no extra write.
  UpdateExpression: 'SET lastSequence = lastSequence + :one, sequenceHolder = :transmissionId, headSentAt = :headSentAt',
  ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(sequenceHolder) OR sequenceHolder <> :transmissionId)',
  ExpressionAttributeValues: { ':one': 1, ':transmissionId': transmissionId, ':headSentAt': SENT_AT },
  ReturnValues: 'UPDATED_NEW',
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
});

describe('DynamoArrivalLog', () => {
  const log = new DynamoArrivalLog(client, TABLE);

  beforeEach(() => ddb.reset());

  it('reserves the next sequence number of the destination for a first attempt, recording when its entry was sent', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { lastSequence: 8, sequenceHolder: 'trn_1_0' } });

    const sequence = await log.reserveSequence('dst_1', 'trn_1_0', SENT_AT);

    expect(sequence).toBe(8);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual(reservation('trn_1_0'));
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('gives a retry with the same holder the number it already has, read from the refusal', async () => {
    // Also the SDK's retry of a reservation that was applied and whose answer was lost.
    ddb.on(UpdateCommand).rejects(conditionFailed({ ...destinationKey, id: 'dst_1', lastSequence: 8, sequenceHolder: 'trn_1_0' }));

    const sequence = await log.reserveSequence('dst_1', 'trn_1_0', SENT_AT);

    expect(sequence).toBe(8);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual(reservation('trn_1_0'));
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('refuses to number deliveries of a destination that does not exist', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());

    await expect(log.reserveSequence('dst_1', 'trn_1_0', SENT_AT)).rejects.toThrow('Destination dst_1 does not exist');
  });

  it('throws when the reservation fails for another reason than its condition', async () => {
    ddb.on(UpdateCommand).rejects(new Error('throttled'));

    await expect(log.reserveSequence('dst_1', 'trn_1_0', SENT_AT)).rejects.toThrow('throttled');
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('appends an arrival under its zero-padded sequence number, so writing it again overwrites it', async () => {
    ddb.on(PutCommand).resolves({});

    await log.append({ destinationId: 'dst_1', transmissionId: 'trn_1', messageId: 'msg_1', sequence: 7, arrivedAt: '2026-01-01T00:00:00.000Z', attempts: 1 });

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: { pk: 'ARR#dst_1', sk: '000000000007', transmissionId: 'trn_1', messageId: 'msg_1', sequence: 7, arrivedAt: '2026-01-01T00:00:00.000Z', attempts: 1 },
    });
  });

  it('lists arrivals a page at a time, continuing after the cursor', async () => {
    const arrival = { transmissionId: 'trn_2', messageId: 'msg_2', sequence: 2, arrivedAt: '2026-01-01T00:00:00.000Z', attempts: 1 };
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'ARR#dst_1', sk: '000000000002', ...arrival }], LastEvaluatedKey: { pk: 'ARR#dst_1', sk: '000000000002' } })
      .resolvesOnce({ Items: [] });

    expect(await log.list('dst_1', 1, '000000000001')).toEqual({ items: [arrival], cursor: '000000000002' });
    expect(await log.list('dst_1', 1)).toEqual({ items: [] });

    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'ARR#dst_1' },
        Limit: 1,
        ExclusiveStartKey: { pk: 'ARR#dst_1', sk: '000000000001' },
      },
      { TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'ARR#dst_1' }, Limit: 1, ExclusiveStartKey: undefined },
    ]);
  });

});
