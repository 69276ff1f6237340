import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoArrivalLog } from '../../../../../lambdas/shared/adapters/dynamodb/arrival-log';
import { newId, transmissionIdOf } from '../../../../../lambdas/shared/domain/ids';
import { client, conditionFailed, ddb, TABLE } from './mock-table';

const destinationKey = { pk: 'DST#dst_1', sk: 'DST' };
/** When the entry being delivered was enqueued (its SQS SentTimestamp). */
const SENT_AT = '2025-12-20T08:00:00.000Z';
const reservation = (transmissionId: string) => ({
  TableName: TABLE,
  Key: destinationKey,
  // The same UpdateItem that numbers the delivery records the age of the queue's head: no extra write.
  UpdateExpression:
    'SET lastSequence = lastSequence + :one, sequenceHolder = :transmissionId, headSentAt = :headSentAt',
  // Not a reservation whose delivery a fold recorded on the destination already (`lastArrival`).
  ConditionExpression:
    'attribute_exists(pk) AND (attribute_not_exists(sequenceHolder) OR sequenceHolder <> :transmissionId) AND (attribute_not_exists(lastArrival) OR lastArrival.reservationKey <> :transmissionId)',
  ExpressionAttributeValues: { ':one': 1, ':transmissionId': transmissionId, ':headSentAt': SENT_AT },
  ReturnValues: 'UPDATED_NEW',
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
});

describe('DynamoArrivalLog', () => {
  const log = new DynamoArrivalLog(client, TABLE);

  beforeEach(() => ddb.reset());

  it('reserves the next sequence number of the destination for a first attempt, recording when its entry was sent', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { lastSequence: 8, sequenceHolder: 'trn_1_0' } });

    const reserved = await log.reserveSequence('dst_1', 'trn_1_0', SENT_AT);

    expect(reserved).toEqual({ sequence: 8 });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual(reservation('trn_1_0'));
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('gives a retry with the same holder the number it already has, read from the refusal', async () => {
    // Also the SDK's retry of a reservation that was applied and whose answer was lost.
    ddb
      .on(UpdateCommand)
      .rejects(conditionFailed({ ...destinationKey, id: 'dst_1', lastSequence: 8, sequenceHolder: 'trn_1_0' }));

    const reserved = await log.reserveSequence('dst_1', 'trn_1_0', SENT_AT);

    expect(reserved).toEqual({ sequence: 8 });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual(reservation('trn_1_0'));
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  describe('folding an arrival into the next reservation', () => {
    const previous = {
      destinationId: 'dst_1',
      reservationKey: 'trn_1_0',
      transmissionId: 'trn_1_0',
      messageId: 'msg_1',
      sequence: 8,
      arrivedAt: '2025-12-20T08:00:01.000Z',
      attempts: 1,
      status: 200,
      durationMs: 20,
      responseExcerpt: 'may hold PHI',
    };
    const { destinationId: _destination, responseExcerpt: _excerpt, ...lastArrival } = previous;
    const fold = {
      TableName: TABLE,
      Key: destinationKey,
      UpdateExpression:
        'SET lastSequence = lastSequence + :one, sequenceHolder = :transmissionId, headSentAt = :headSentAt, lastArrival = :arrival',
      ConditionExpression: 'attribute_exists(pk) AND sequenceHolder = :previous AND lastSequence = :previousSequence',
      ExpressionAttributeValues: {
        ':one': 1,
        ':transmissionId': 'trn_2_0',
        ':headSentAt': SENT_AT,
        ':arrival': lastArrival,
        ':previous': 'trn_1_0',
        ':previousSequence': 8,
      },
      ReturnValues: 'UPDATED_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    };

    it('records the previous arrival (never its excerpt) and reserves the next number in one update', async () => {
      ddb.on(UpdateCommand).resolves({ Attributes: { lastSequence: 9, sequenceHolder: 'trn_2_0' } });

      const reserved = await log.foldArrival(previous, 'trn_2_0', SENT_AT);

      expect(reserved).toEqual({ sequence: 9 });
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
      expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual(fold);
    });

    it('answers its own applied fold, found by the SDK’s retry after a lost answer, as the reservation', async () => {
      ddb
        .on(UpdateCommand)
        .rejects(
          conditionFailed({ ...destinationKey, lastSequence: 9, sequenceHolder: 'trn_2_0', lastArrival: lastArrival }),
        );

      expect(await log.foldArrival(previous, 'trn_2_0', SENT_AT)).toEqual({ sequence: 9 });
    });

    it('writes nothing and answers undefined when the previous delivery no longer holds the latest number', async () => {
      ddb
        .on(UpdateCommand)
        .rejects(conditionFailed({ ...destinationKey, lastSequence: 9, sequenceHolder: 'trn_other_0' }));

      expect(await log.foldArrival(previous, 'trn_2_0', SENT_AT)).toBeUndefined();
    });

    it('refuses, writing nothing, a key folded into its own reservation (a duplicate entry of the same delivery)', async () => {
      expect(await log.foldArrival(previous, previous.reservationKey, SENT_AT)).toBeUndefined();
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
    });

    it('throws when the destination does not exist', async () => {
      ddb.on(UpdateCommand).rejects(conditionFailed());

      await expect(log.foldArrival(previous, 'trn_2_0', SENT_AT)).rejects.toThrow('Destination dst_1 does not exist');
    });

    it('answers a reservation of a delivery already folded with its arrival, reserving nothing', async () => {
      // The invocation ended after the fold and before the delivery's own records were written.
      ddb
        .on(UpdateCommand)
        .rejects(
          conditionFailed({ ...destinationKey, lastSequence: 9, sequenceHolder: 'trn_2_0', lastArrival: lastArrival }),
        );

      const { reservationKey: _key, ...arrived } = lastArrival;
      expect(await log.reserveSequence('dst_1', 'trn_1_0', SENT_AT)).toEqual({ sequence: 8, arrived });
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    });
  });

  describe('paced (maxPerSecond)', () => {
    const NOW = Date.parse('2025-12-20T09:00:00.000Z');
    const pacing = { intervalMs: 200, now: NOW };
    const startNow = (transmissionId: string) => ({
      ...reservation(transmissionId),
      UpdateExpression: `${reservation(transmissionId).UpdateExpression}, reservedPostAt = :postAt`,
      ConditionExpression: `${reservation(transmissionId).ConditionExpression} AND (attribute_not_exists(reservedPostAt) OR reservedPostAt <= :freeFrom)`,
      ExpressionAttributeValues: {
        ...reservation(transmissionId).ExpressionAttributeValues,
        ':postAt': NOW,
        ':freeFrom': NOW - 200,
      },
    });
    const follow = (transmissionId: string, previous: number) => ({
      ...reservation(transmissionId),
      UpdateExpression: `${reservation(transmissionId).UpdateExpression}, reservedPostAt = :postAt`,
      ConditionExpression: `${reservation(transmissionId).ConditionExpression} AND reservedPostAt = :previous`,
      ExpressionAttributeValues: {
        ...reservation(transmissionId).ExpressionAttributeValues,
        ':postAt': previous + 200,
        ':previous': previous,
      },
    });

    it('starts now, in the one write, when the previous start is at least an interval old', async () => {
      ddb.on(UpdateCommand).resolves({ Attributes: { lastSequence: 8, reservedPostAt: NOW } });

      const reserved = await log.reserveSequence('dst_1', 'trn_1_0', SENT_AT, pacing);

      expect(reserved).toEqual({ sequence: 8, postAt: NOW });
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
      expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual(startNow('trn_1_0'));
    });

    it('follows a recent previous start by the interval, on condition that it has not moved', async () => {
      const previous = NOW - 50;
      ddb
        .on(UpdateCommand)
        .rejectsOnce(
          conditionFailed({ ...destinationKey, lastSequence: 7, sequenceHolder: 'trn_0_0', reservedPostAt: previous }),
        )
        .resolves({ Attributes: { lastSequence: 8, reservedPostAt: previous + 200 } });

      const reserved = await log.reserveSequence('dst_1', 'trn_1_0', SENT_AT, pacing);

      expect(reserved).toEqual({ sequence: 8, postAt: NOW + 150 });
      expect(ddb.commandCalls(UpdateCommand)[1]!.args[0].input).toEqual(follow('trn_1_0', previous));
    });

    it('starts over when another reservation moved the start in between', async () => {
      ddb
        .on(UpdateCommand)
        .rejectsOnce(
          conditionFailed({ ...destinationKey, lastSequence: 7, sequenceHolder: 'a', reservedPostAt: NOW - 50 }),
        )
        .rejectsOnce(
          conditionFailed({ ...destinationKey, lastSequence: 8, sequenceHolder: 'b', reservedPostAt: NOW - 500 }),
        )
        .resolves({ Attributes: { lastSequence: 9, reservedPostAt: NOW } });

      const reserved = await log.reserveSequence('dst_1', 'trn_1_0', SENT_AT, pacing);

      expect(reserved).toEqual({ sequence: 9, postAt: NOW });
      expect(ddb.commandCalls(UpdateCommand)[2]!.args[0].input).toEqual(startNow('trn_1_0'));
    });

    it('gives a retry of the holder the start it got, whatever the clock says now', async () => {
      ddb
        .on(UpdateCommand)
        .rejects(
          conditionFailed({ ...destinationKey, lastSequence: 8, sequenceHolder: 'trn_1_0', reservedPostAt: NOW + 150 }),
        );

      const reserved = await log.reserveSequence('dst_1', 'trn_1_0', SENT_AT, pacing);

      expect(reserved).toEqual({ sequence: 8, postAt: NOW + 150 });
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    });

    it('moves the start of a retry of the holder to now once it has passed: the receiver gets it now', async () => {
      ddb
        .on(UpdateCommand)
        .rejectsOnce(
          conditionFailed({
            ...destinationKey,
            lastSequence: 8,
            sequenceHolder: 'trn_1_0',
            reservedPostAt: NOW - 60_000,
          }),
        )
        .resolves({});

      const reserved = await log.reserveSequence('dst_1', 'trn_1_0', SENT_AT, pacing);

      expect(reserved).toEqual({ sequence: 8, postAt: NOW });
      expect(ddb.commandCalls(UpdateCommand)[1]!.args[0].input).toEqual({
        TableName: TABLE,
        Key: destinationKey,
        UpdateExpression: 'SET reservedPostAt = :postAt',
        ConditionExpression:
          'sequenceHolder = :transmissionId AND (attribute_not_exists(reservedPostAt) OR reservedPostAt < :postAt)',
        ExpressionAttributeValues: { ':transmissionId': 'trn_1_0', ':postAt': NOW },
      });
    });

    it('refuses a destination that does not exist', async () => {
      ddb.on(UpdateCommand).rejects(conditionFailed());

      await expect(log.reserveSequence('dst_1', 'trn_1_0', SENT_AT, pacing)).rejects.toThrow(
        'Destination dst_1 does not exist',
      );
    });
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

    await log.append({
      destinationId: 'dst_1',
      transmissionId: 'trn_1',
      messageId: 'msg_1',
      sequence: 7,
      arrivedAt: '2026-01-01T00:00:00.000Z',
      attempts: 1,
      status: 200,
      durationMs: 12,
      responseExcerpt: '{"ok":true}',
    });

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'ARR#dst_1',
        sk: '000000000007',
        transmissionId: 'trn_1',
        messageId: 'msg_1',
        sequence: 7,
        arrivedAt: '2026-01-01T00:00:00.000Z',
        attempts: 1,
        status: 200,
        durationMs: 12,
        responseExcerpt: '{"ok":true}',
        // Kept the record retention (90 days by default) after the arrival.
        expiresAt: Date.parse('2026-01-01T00:00:00.000Z') / 1000 + 90 * 24 * 3600,
      },
    });
  });

  it('writes an arrival again from its transmission alone only where it is missing, keeping the delivering attempt', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    const rewritten = {
      destinationId: 'dst_1',
      transmissionId: 'trn_1',
      messageId: 'msg_1',
      sequence: 7,
      arrivedAt: '2026-01-01T00:00:00.000Z',
      attempts: 1,
    };

    await expect(log.append(rewritten)).resolves.toBeUndefined();

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'ARR#dst_1',
        sk: '000000000007',
        transmissionId: 'trn_1',
        messageId: 'msg_1',
        sequence: 7,
        arrivedAt: '2026-01-01T00:00:00.000Z',
        attempts: 1,
        // The same TTL as the delivery's own write: counted from the arrival.
        expiresAt: Date.parse('2026-01-01T00:00:00.000Z') / 1000 + 90 * 24 * 3600,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('reads the entry of one delivery by its sequence number', async () => {
    ddb.on(GetCommand).resolves({
      Item: { pk: 'ARR#dst_1', sk: '000000000007', transmissionId: 'trn_1', sequence: 7, durationMs: 12 },
    });

    expect(await log.get('dst_1', 7)).toEqual({ transmissionId: 'trn_1', sequence: 7, durationMs: 12 });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      Key: { pk: 'ARR#dst_1', sk: '000000000007' },
      ConsistentRead: true,
    });
  });

  it('lists arrivals a page at a time, continuing after the cursor', async () => {
    const arrival = {
      transmissionId: 'trn_2',
      messageId: 'msg_2',
      sequence: 2,
      arrivedAt: '2026-01-01T00:00:00.000Z',
      attempts: 1,
    };
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ pk: 'ARR#dst_1', sk: '000000000002', ...arrival }],
        LastEvaluatedKey: { pk: 'ARR#dst_1', sk: '000000000002' },
      })
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
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'ARR#dst_1' },
        Limit: 1,
        ExclusiveStartKey: undefined,
      },
    ]);
  });

  describe('deliveryHeads', () => {
    const messageId = newId('message');
    const transmissionId = transmissionIdOf(messageId, 0);
    const destinationItem = (id: string, delivery: Record<string, unknown>) => ({
      pk: `DST#${id}`,
      sk: 'DST',
      id,
      organizationId: 'org_1',
      name: 'Lab',
      url: 'https://lab.example/hook',
      timeoutMs: 5000,
      inlineRetries: 2,
      signingSecret: 'whsec_x',
      createdAt: '2025-01-01T00:00:00.000Z',
      status: 'active',
      queueUrl: `https://sqs.example/q/${id}`,
      queueArn: `arn:aws:sqs:${id}`,
      mappingId: `mapping-${id}`,
      lastSequence: 41,
      ...delivery,
    });

    it('reads the destinations with where delivery stands: the sent time and the transmission it last took', async () => {
      ddb.on(BatchGetCommand).resolves({
        Responses: {
          [TABLE]: [
            destinationItem('dst_1', {
              sequenceHolder: `${transmissionId}#2`,
              headSentAt: SENT_AT,
              headHolder: 'prober',
              headHeldUntil: 1,
            }),
            destinationItem('dst_2', {}),
          ],
        },
      });

      const heads = await log.deliveryHeads(['dst_1', 'dst_2', 'dst_1']);

      expect(ddb.commandCalls(BatchGetCommand).map((call) => call.args[0].input)).toEqual([
        { RequestItems: { [TABLE]: { Keys: [destinationKey, { pk: 'DST#dst_2', sk: 'DST' }], ConsistentRead: true } } },
      ]);
      expect(heads.get('dst_1')).toEqual({
        destination: expect.objectContaining({
          id: 'dst_1',
          status: 'active',
          queueUrl: 'https://sqs.example/q/dst_1',
        }),
        headSentAt: SENT_AT,
        heldBy: { transmissionId, messageId, generation: 2 },
      });
      // The counter, its holder and the head lease stay with their owners.
      for (const name of ['lastSequence', 'sequenceHolder', 'headSentAt', 'headHolder', 'headHeldUntil', 'pk'])
        expect(heads.get('dst_1')!.destination).not.toHaveProperty(name);
      // Never delivered to: nothing recorded yet.
      expect(heads.get('dst_2')).toEqual({ destination: expect.objectContaining({ id: 'dst_2' }) });
    });

    it('asks again for the keys DynamoDB left unprocessed, 100 keys a request, and leaves out destinations not found', async () => {
      const ids = Array.from({ length: 101 }, (_, index) => `dst_${index}`);
      ddb
        .on(BatchGetCommand)
        .resolvesOnce({
          Responses: { [TABLE]: [destinationItem('dst_0', {})] },
          UnprocessedKeys: { [TABLE]: { Keys: [{ pk: 'DST#dst_1', sk: 'DST' }] } },
        })
        .resolves({ Responses: { [TABLE]: [destinationItem('dst_1', { headSentAt: SENT_AT })] } });

      const heads = await log.deliveryHeads(ids);

      const requested = ddb
        .commandCalls(BatchGetCommand)
        .map((call) => call.args[0].input.RequestItems![TABLE]!.Keys!.map((key) => key.pk));
      expect(requested.map((keys) => keys.length)).toEqual([100, 2]);
      expect(requested[1]).toEqual(['DST#dst_1', 'DST#dst_100']);
      expect([...heads.keys()]).toEqual(['dst_0', 'dst_1']);
    });
  });
});
