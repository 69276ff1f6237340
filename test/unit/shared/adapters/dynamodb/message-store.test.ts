import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { DynamoMessageStore } from '../../../../../lambdas/shared/adapters/dynamodb/message-store';
import type { AcceptedMessage, Message } from '../../../../../lambdas/shared/domain/model';
import { MessageAbandonedError } from '../../../../../lambdas/shared/ports/messages';
import { client, clock, conditionFailed, ddb, NOW_SECONDS, refused, TABLE, transactionCanceled } from './mock-table';

const message: Message = {
  id: 'msg_1',
  sourceId: 'src_1',
  organizationId: 'org_1',
  receivedAt: '2026-01-01T00:00:00.000Z',
  dataModel: 'Results',
  eventType: 'New',
  transmissions: [
    { id: 'trn_b', destinationId: 'dst_2', status: 'queued', attempts: 0 },
    { id: 'trn_a', destinationId: 'dst_1', status: 'queued', attempts: 0 },
  ],
};
const storedMessage = {
  state: 'committed',
  id: 'msg_1',
  sourceId: 'src_1',
  organizationId: 'org_1',
  receivedAt: '2026-01-01T00:00:00.000Z',
  dataModel: 'Results',
  eventType: 'New',
  transmissions: {
    trn_b: { destinationId: 'dst_2', index: 0, status: 'queued', attempts: 0 },
    trn_a: { destinationId: 'dst_1', index: 1, status: 'queued', attempts: 0 },
  },
};
const messageKey = { pk: 'MSG#msg_1', sk: 'MSG' };
const putMessage = {
  TableName: TABLE,
  // Two transmissions: the TTL is held (a string, which TTL ignores) until both are delivered.
  Item: { ...messageKey, ...storedMessage, expiresAt: 'held: a transmission is not delivered yet' },
  ConditionExpression: 'attribute_not_exists(pk)',
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
};
const request = { sourceId: 'src_1', key: 'order-42', requestHash: 'hash', messageId: 'msg_1', leaseMs: 60_000 };
const answer: AcceptedMessage = {
  messageId: 'msg_1',
  receivedAt: message.receivedAt,
  transmissions: [{ id: 'trn_b', destinationId: 'dst_2', status: 'queued' }],
};
const idempotencyKey = { pk: `IDEM#src_1#${createHash('sha256').update('order-42').digest('hex')}`, sk: 'IDEM' };
const committedRecord = (messageId: string) => ({
  ...idempotencyKey,
  state: 'committed',
  messageId,
  requestHash: 'hash',
  answer,
  expiresAt: NOW_SECONDS + 86_400,
});
const tombstone = { ...messageKey, state: 'abandoned', id: 'msg_1', expiresAt: NOW_SECONDS };
/** The message's item with transmission trn_a changed. */
const withTransmissionA = (change: Record<string, unknown>) => ({
  ...messageKey,
  ...storedMessage,
  transmissions: { ...storedMessage.transmissions, trn_a: { ...storedMessage.transmissions.trn_a, ...change } },
});

describe('DynamoMessageStore', () => {
  const store = new DynamoMessageStore(client, TABLE, clock);

  beforeEach(() => ddb.reset());
  afterEach(() => jest.restoreAllMocks());

  it('commits a message as one item, its transmissions a map that remembers their order', async () => {
    ddb.on(PutCommand).resolves({});

    await store.commitMessage(message);

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual(putMessage);
  });

  it('commits a message together with the answer of its idempotency key, from its pending claim', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await store.commitMessage(message, { request, answer });

    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      TransactItems: [
        { Put: putMessage },
        {
          Update: {
            TableName: TABLE,
            Key: idempotencyKey,
            UpdateExpression: 'SET #state = :committed, answer = :answer REMOVE leaseUntil',
            ConditionExpression: 'messageId = :messageId AND #state = :pending',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':committed': 'committed',
              ':answer': answer,
              ':messageId': 'msg_1',
              ':pending': 'pending',
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ],
    });
  });

  it('raises MessageAbandonedError when delivery wrote the tombstone first', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('ConditionalCheckFailed', 'None'));

    await expect(store.commitMessage(message)).rejects.toThrow(MessageAbandonedError);
    await expect(store.commitMessage(message, { request, answer })).rejects.toThrow(MessageAbandonedError);
  });

  it('recognises its own commit: a retry that finds the message committed under its id succeeds', async () => {
    // The first attempt was applied and its answer lost; the SDK's retry fails attribute_not_exists.
    ddb.on(PutCommand).rejects(conditionFailed({ ...messageKey, ...storedMessage }));

    await expect(store.commitMessage(message)).resolves.toBeUndefined();
  });

  it('recognises its own commit with an idempotency key: the message and the key’s answer committed for it', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(transactionCanceled(refused({ ...messageKey, ...storedMessage }), refused(committedRecord('msg_1'))));

    await expect(store.commitMessage(message, { request, answer })).resolves.toBeUndefined();
  });

  it('raises MessageAbandonedError when the item the commit found is the tombstone', async () => {
    ddb.on(PutCommand).rejects(conditionFailed(tombstone));
    ddb.on(TransactWriteCommand).rejects(transactionCanceled(refused(tombstone), 'None'));

    await expect(store.commitMessage(message)).rejects.toThrow(MessageAbandonedError);
    await expect(store.commitMessage(message, { request, answer })).rejects.toThrow(MessageAbandonedError);
  });

  it('retries a commit cancelled by a transaction conflict on the idempotency record', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    ddb.on(TransactWriteCommand).rejectsOnce(transactionCanceled('None', 'TransactionConflict')).resolves({});

    await expect(store.commitMessage(message, { request, answer })).resolves.toBeUndefined();
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('lets other refusals of the commit through (the idempotency key no longer belongs to the message)', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('None', 'ConditionalCheckFailed'));

    const commit = store.commitMessage(message, { request, answer });

    await expect(commit).rejects.toThrow('Transaction cancelled');
    await expect(commit).rejects.not.toThrow(MessageAbandonedError);
  });

  it('abandons a message never committed with a tombstone that expires after a week', async () => {
    ddb.on(PutCommand).resolves({});

    expect(await store.abandonMessage('msg_1')).toBe(true);

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...messageKey, state: 'abandoned', id: 'msg_1', expiresAt: NOW_SECONDS + 7 * 24 * 60 * 60 },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('does not abandon a committed message, and recognises its own earlier tombstone, from the refusal', async () => {
    ddb
      .on(PutCommand)
      .rejectsOnce(conditionFailed({ ...messageKey, ...storedMessage }))
      .rejectsOnce(conditionFailed(tombstone));

    expect(await store.abandonMessage('msg_1')).toBe(false);
    expect(await store.abandonMessage('msg_1')).toBe(true);
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('reads a message with its transmissions in their order (without replay tokens), or its tombstone', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [withTransmissionA({ replayToken: 'token-of-a-replay' })] })
      .resolvesOnce({ Items: [{ ...messageKey, state: 'abandoned', id: 'msg_1' }] })
      .resolvesOnce({ Items: [] });

    expect(await store.getMessage('msg_1')).toEqual(message);
    expect(await store.getMessage('msg_1')).toBe('abandoned');
    expect(await store.getMessage('msg_1')).toBeUndefined();
    // The message's item and its transmissions' own items, not the failed attempts (ATT#, before MSG).
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND sk >= :from',
      ExpressionAttributeValues: { ':pk': 'MSG#msg_1', ':from': 'MSG' },
      ConsistentRead: true,
      ExclusiveStartKey: undefined,
    });
  });

  it('reads many messages ten at a time, each once', async () => {
    const ids = Array.from({ length: 25 }, (_, index) => `msg_${index}`);
    let inFlight = 0;
    let most = 0;
    ddb.on(QueryCommand).callsFake(async (input: { ExpressionAttributeValues: Record<string, string> }) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      const id = input.ExpressionAttributeValues[':pk']!.slice('MSG#'.length);
      return { Items: id === 'msg_3' ? [] : [{ ...storedMessage, pk: `MSG#${id}`, sk: 'MSG', id }] };
    });

    const found = await store.getMessages([...ids, 'msg_5']);

    expect([...found.keys()].sort()).toEqual(ids.filter((id) => id !== 'msg_3').sort());
    expect(found.get('msg_7')).toEqual({ ...message, id: 'msg_7' });
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 25);
    expect(most).toBe(10);
  });

  it('sets a transmission status only from the given ones', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    expect(await store.setTransmissionStatus('msg_1', 'trn_a', 'paused', ['queued'])).toBe(true);
    expect(await store.setTransmissionStatus('msg_1', 'trn_a', 'paused', ['queued'])).toBe(false);

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: messageKey,
      UpdateExpression: 'SET transmissions.#t.#status = :status',
      ConditionExpression: 'transmissions.#t.#status IN (:from0)',
      ExpressionAttributeNames: { '#t': 'trn_a', '#status': 'status' },
      ExpressionAttributeValues: { ':status': 'paused', ':from0': 'queued' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('skips a transmission only from the given statuses, giving a message of one transmission its TTL in the same write', async () => {
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: { ...messageKey, transmissions: { trn_a: { status: 'skipped' } }, expiresAt: 1 } })
      .rejectsOnce(conditionFailed());

    expect(await store.setTransmissionStatus('msg_1', 'trn_a', 'skipped', ['queued', 'paused'])).toBe(true);
    expect(await store.setTransmissionStatus('msg_1', 'trn_a', 'skipped', ['queued', 'paused'])).toBe(false);

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: messageKey,
      UpdateExpression: 'SET transmissions.#t.#status = :status, expiresAt = if_not_exists(expiresAt, :expiresAt)',
      ConditionExpression: 'transmissions.#t.#status IN (:from0, :from1)',
      ExpressionAttributeNames: { '#t': 'trn_a', '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': 'skipped',
        ':expiresAt': expect.any(Number),
        ':from0': 'queued',
        ':from1': 'paused',
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    // Nothing waits and the TTL is a number: no second write.
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(2);
  });

  it('prepares the replay of a skipped transmission only, answering its new generation; each call leaves its own token', async () => {
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: { transmissions: { trn_a: { status: 'queued', generation: 2 } } } })
      .rejectsOnce(conditionFailed(withTransmissionA({ status: 'delivered' })));

    expect(await store.prepareReplay('msg_1', 'trn_a')).toBe(2);
    expect(await store.prepareReplay('msg_1', 'trn_a')).toBeUndefined();

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: messageKey,
      UpdateExpression:
        'SET transmissions.#t.#status = :queued, transmissions.#t.generation = if_not_exists(transmissions.#t.generation, :zero) + :one, ' +
        'transmissions.#t.replayToken = :replayToken, expiresAt = :expiryHeld, expiryHolds = if_not_exists(expiryHolds, :zero) + :one REMOVE transmissions.#t.#sequence, transmissions.#t.arrivedAt',
      ConditionExpression: 'transmissions.#t.#status = :skipped',
      ExpressionAttributeNames: { '#t': 'trn_a', '#status': 'status', '#sequence': 'sequence' },
      ExpressionAttributeValues: {
        ':queued': 'queued',
        ':skipped': 'skipped',
        ':zero': 0,
        ':one': 1,
        ':replayToken': expect.any(String),
        ':expiryHeld': 'held: a transmission is not delivered yet',
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    const tokens = ddb
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input.ExpressionAttributeValues![':replayToken']);
    expect(new Set(tokens).size).toBe(2);
  });

  it('recognises its own status change: a retry that finds the transmission at the target status answers true', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed(withTransmissionA({ status: 'skipped' })))
      .rejectsOnce(conditionFailed(withTransmissionA({ status: 'delivered' })));

    expect(await store.setTransmissionStatus('msg_1', 'trn_a', 'skipped', ['queued', 'paused'])).toBe(true);
    expect(await store.setTransmissionStatus('msg_1', 'trn_a', 'skipped', ['queued', 'paused'])).toBe(false);
  });

  it('recognises its own replay: a retry that finds its token on the transmission answers the generation it produced', async () => {
    // The first attempt moved trn_a to queued with generation 3 and this call's token; its answer was lost.
    ddb.on(UpdateCommand).callsFake((input) => {
      throw conditionFailed(
        withTransmissionA({
          status: 'queued',
          generation: 3,
          replayToken: input.ExpressionAttributeValues[':replayToken'],
        }),
      );
    });

    expect(await store.prepareReplay('msg_1', 'trn_a')).toBe(3);
  });

  it('does not take another replay’s increment for its own', async () => {
    ddb
      .on(UpdateCommand)
      .rejects(conditionFailed(withTransmissionA({ status: 'queued', generation: 3, replayToken: 'another-call' })));

    expect(await store.prepareReplay('msg_1', 'trn_a')).toBeUndefined();
  });

  const failedAttempt = {
    attempt: 3,
    at: '2026-01-01T00:00:00.000Z',
    outcome: 'http_error' as const,
    status: 503,
    durationMs: 120,
    responseExcerpt: 'busy',
  };
  const failedAttemptTransaction = {
    TransactItems: [
      {
        Put: {
          TableName: TABLE,
          // Kept the record retention (90 days by default) after the attempt.
          Item: { pk: 'MSG#msg_1', sk: 'ATT#trn_a#000003', ...failedAttempt, expiresAt: NOW_SECONDS + 90 * 24 * 3600 },
          // No ReturnValuesOnConditionCheckFailure: a refusal would carry the excerpt into an error.
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: TABLE,
          Key: messageKey,
          UpdateExpression:
            'SET transmissions.#t.attempts = transmissions.#t.attempts + :one, transmissions.#t.lastError = :error',
          ConditionExpression: 'attribute_exists(transmissions.#t)',
          ExpressionAttributeNames: { '#t': 'trn_a' },
          ExpressionAttributeValues: { ':one': 1, ':error': 'HTTP 503' },
        },
      },
    ],
  };

  it('counts a failed attempt with its error and logs it under its number, in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await store.recordFailedAttempt('msg_1', 'trn_a', 'HTTP 503', failedAttempt);

    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual(failedAttemptTransaction);
  });

  it('neither counts nor logs again an attempt logged already', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('ConditionalCheckFailed', 'None'));

    await expect(store.recordFailedAttempt('msg_1', 'trn_a', 'HTTP 503', failedAttempt)).resolves.toBeUndefined();
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('throws when the transmission does not exist', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('None', 'ConditionalCheckFailed'));

    await expect(store.recordFailedAttempt('msg_1', 'trn_a', 'HTTP 503', failedAttempt)).rejects.toThrow(
      'Transaction cancelled',
    );
  });

  it('reads the last failed attempts of a transmission newest first, and answers them oldest first', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: 'MSG#msg_1', sk: 'ATT#trn_a#000003', ...failedAttempt, expiresAt: 1 },
        { pk: 'MSG#msg_1', sk: 'ATT#trn_a#000002', ...failedAttempt, attempt: 2, expiresAt: 1 },
      ],
    });

    expect(await store.listFailedAttempts('msg_1', 'trn_a', 50)).toEqual([
      { ...failedAttempt, attempt: 2 },
      failedAttempt,
    ]);
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'MSG#msg_1', ':prefix': 'ATT#trn_a#' },
      ScanIndexForward: false,
      Limit: 50,
      ConsistentRead: true,
    });
  });

  it('records an arrival in the destination log and on the transmission, both at once', async () => {
    ddb.on(PutCommand).resolves({});
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: withTransmissionA({ status: 'delivered' }) })
      .resolvesOnce({
        Attributes: {
          ...withTransmissionA({ status: 'delivered' }),
          transmissions: {
            trn_a: { status: 'delivered' },
            trn_b: { status: 'delivered' },
          },
        },
      });
    const arrival = {
      destinationId: 'dst_1',
      transmissionId: 'trn_a',
      messageId: 'msg_1',
      sequence: 42,
      arrivedAt: '2026-01-01T00:00:01.000Z',
      attempts: 2,
      status: 200,
      durationMs: 35,
      responseExcerpt: 'ok',
    };

    // trn_b is still queued: its delivery reads the payload later. Once it is delivered too, settled.
    expect(await store.recordArrival(arrival)).toEqual({ settled: false });
    expect(await store.recordArrival(arrival)).toEqual({ settled: true });

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'ARR#dst_1',
        sk: '000000000042',
        transmissionId: 'trn_a',
        messageId: 'msg_1',
        sequence: 42,
        arrivedAt: '2026-01-01T00:00:01.000Z',
        attempts: 2,
        // The delivering attempt rides in the same put: no extra write on the success path.
        status: 200,
        durationMs: 35,
        responseExcerpt: 'ok',
        // Kept the record retention (90 days by default) after the arrival.
        expiresAt: NOW_SECONDS + 1 + 90 * 24 * 3600,
      },
    });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: messageKey,
      UpdateExpression:
        'SET transmissions.#t.#status = :delivered, transmissions.#t.arrivedAt = :arrivedAt, transmissions.#t.#sequence = :sequence, transmissions.#t.attempts = :attempts, ' +
        'expiresAt = if_not_exists(expiresAt, :expiresAt) REMOVE transmissions.#t.lastError',
      ConditionExpression: 'attribute_exists(transmissions.#t)',
      ExpressionAttributeNames: { '#t': 'trn_a', '#status': 'status', '#sequence': 'sequence' },
      ExpressionAttributeValues: {
        ':delivered': 'delivered',
        ':arrivedAt': '2026-01-01T00:00:01.000Z',
        ':sequence': 42,
        ':attempts': 2,
        ':expiresAt': NOW_SECONDS + 1 + 90 * 24 * 3600,
      },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('takes idempotency keys, sequence numbers, arrivals and parked entries from the adapters of those items', async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({ Attributes: { lastSequence: 8 } });
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(GetCommand).resolves({});

    expect(await store.claimIdempotencyKey(request)).toEqual({ outcome: 'claimed' });
    expect(await store.reserveSequence('dst_1', 'trn_a_0', '2026-01-01T00:00:00.000Z')).toEqual({ sequence: 8 });
    expect(await store.listArrivals('dst_1', 10)).toEqual({ items: [] });
    expect(await store.getParked('trn_a')).toBeUndefined();

    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { Key: { pk: 'DST#dst_1', sk: 'DST' } });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ARR#dst_1' } });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: { pk: 'PARK#trn_a', sk: 'PARK' } });
  });
});
