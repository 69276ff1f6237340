import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { DynamoIdempotency } from '../../../../../lambdas/shared/adapters/dynamodb/idempotency';
import type { IdempotencyRequest } from '../../../../../lambdas/shared/ports/messages';
import { client, clock, conditionFailed, ddb, NOW_MS, NOW_SECONDS, TABLE } from './mock-table';

const request: IdempotencyRequest = {
  sourceId: 'src_1',
  key: 'order-42',
  requestHash: 'hash-of-request',
  messageId: 'msg_1',
  leaseMs: 60_000,
};
const key = { pk: `IDEM#src_1#${createHash('sha256').update('order-42').digest('hex')}`, sk: 'IDEM' };
const answer = { messageId: 'msg_1', transmissions: [{ id: 'trn_1', destinationId: 'dst_1', status: 'queued' }] };

describe('DynamoIdempotency', () => {
  const idempotency = new DynamoIdempotency(client, TABLE, clock);

  beforeEach(() => ddb.reset());

  it('claims a free key with a lease and a 24-hour window from the clock', async () => {
    ddb.on(PutCommand).resolves({});

    const claim = await idempotency.claim(request);

    expect(claim).toEqual({ outcome: 'claimed' });
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        ...key,
        state: 'pending',
        messageId: 'msg_1',
        requestHash: 'hash-of-request',
        leaseUntil: NOW_MS + 60_000,
        expiresAt: NOW_SECONDS + 24 * 60 * 60,
      },
      ConditionExpression:
        'attribute_not_exists(pk) OR (#state = :pending AND leaseUntil < :now) OR expiresAt < :nowSeconds',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':pending': 'pending', ':now': NOW_MS, ':nowSeconds': NOW_SECONDS },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('answers a taken, committed key with the answer and the hash of the request that got it, from the refusal', async () => {
    ddb.on(PutCommand).rejects(
      conditionFailed({
        ...key,
        state: 'committed',
        messageId: 'msg_0',
        requestHash: 'hash-of-first',
        answer,
        expiresAt: 1,
      }),
    );

    const claim = await idempotency.claim(request);

    expect(claim).toEqual({ outcome: 'answered', requestHash: 'hash-of-first', answer });
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('recognises its own claim: a retry that finds the key pending for its message has claimed it', async () => {
    // The first attempt was applied and its answer lost; the retry fails its own condition.
    const mine = {
      ...key,
      state: 'pending',
      messageId: 'msg_1',
      requestHash: 'hash-of-request',
      leaseUntil: NOW_MS + 60_000,
      expiresAt: NOW_SECONDS + 86_400,
    };
    ddb.on(PutCommand).rejects(conditionFailed(mine));
    ddb.on(GetCommand).resolves({ Item: mine });

    expect(await idempotency.claim(request)).toEqual({ outcome: 'claimed' });
  });

  it('answers in_progress while another request holds the key', async () => {
    ddb.on(PutCommand).rejects(
      conditionFailed({
        ...key,
        state: 'pending',
        messageId: 'msg_0',
        requestHash: 'hash-of-first',
        leaseUntil: NOW_MS + 1,
      }),
    );

    expect(await idempotency.claim(request)).toEqual({ outcome: 'in_progress' });
  });

  it('answers in_progress when the refusal returned no record (the sender retries)', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());

    expect(await idempotency.claim(request)).toEqual({ outcome: 'in_progress' });
  });

  it('throws when the claim fails for another reason than the key being taken', async () => {
    ddb.on(PutCommand).rejects(new Error('throttled'));

    await expect(idempotency.claim(request)).rejects.toThrow('throttled');
  });

  it('releases only its own pending claim, and leaves a key another request holds or committed', async () => {
    ddb.on(DeleteCommand).rejects(conditionFailed());

    await idempotency.release(request);

    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: key,
      ConditionExpression: 'messageId = :messageId AND #state = :pending',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':messageId': 'msg_1', ':pending': 'pending' },
    });
  });
});
