import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoOutbox, outboxEmailPut } from '../../../../../lambdas/shared/adapters/dynamodb/outbox';
import type { OutboxEmail } from '../../../../../lambdas/shared/domain/model';
import { client, clock, conditionFailed, ddb, NOW_MS, TABLE } from './mock-table';

const email: OutboxEmail = {
  id: 'mail_1',
  to: 'ops@example.org',
  subject: '[Conveyor] Paused: Lab',
  body: 'text',
  destinationId: 'dst_1',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const key = { pk: 'OUTBOX', sk: '2026-01-01T00:00:00.000Z#mail_1' };

describe('DynamoOutbox', () => {
  const outbox = new DynamoOutbox(client, TABLE, clock);

  beforeEach(() => ddb.reset());

  it('puts an email in the outbox keyed by its creation time, once, for the transaction of its state change', () => {
    expect(outboxEmailPut(TABLE, email)).toEqual({
      Put: {
        TableName: TABLE,
        Item: { ...key, ...email },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  });

  it('lists up to 100 emails, oldest first, without their keys and claims', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ ...key, ...email, claimedUntil: NOW_MS, claimedBy: 'sender-1' }] });

    expect(await outbox.list()).toEqual([email]);
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'OUTBOX' },
      ConsistentRead: true,
      Limit: 100,
    });
  });

  it('claims an email for the lease from the clock when it is unclaimed or its claim ran out', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    expect(await outbox.claim(email, 60_000)).toBe(true);
    expect(await outbox.claim(email, 60_000)).toBe(false);

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: key,
      UpdateExpression: 'SET claimedUntil = :until, claimedBy = :claimant',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
      ExpressionAttributeValues: { ':until': NOW_MS + 60_000, ':now': NOW_MS, ':claimant': expect.any(String) },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    const claimants = ddb
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input.ExpressionAttributeValues![':claimant']);
    expect(new Set(claimants).size).toBe(2);
  });

  it('recognises its own claim: a retry that finds its own claimant on the email answers true', async () => {
    // The first attempt was applied and its answer lost: the email is claimed, by this call.
    ddb.on(UpdateCommand).callsFake((input) => {
      throw conditionFailed({
        ...key,
        ...email,
        claimedUntil: input.ExpressionAttributeValues[':until'],
        claimedBy: input.ExpressionAttributeValues[':claimant'],
      });
    });

    expect(await outbox.claim(email, 60_000)).toBe(true);
  });

  it('does not take another sender’s claim with the same lease for its own', async () => {
    ddb
      .on(UpdateCommand)
      .rejects(conditionFailed({ ...key, ...email, claimedUntil: NOW_MS + 60_000, claimedBy: 'another-sender' }));

    expect(await outbox.claim(email, 60_000)).toBe(false);
  });

  it('throws when a claim fails for another reason than its condition', async () => {
    ddb.on(UpdateCommand).rejects(new Error('throttled'));

    await expect(outbox.claim(email, 60_000)).rejects.toThrow('throttled');
  });

  it('removes a sent email', async () => {
    ddb.on(DeleteCommand).resolves({});

    await outbox.remove(email);

    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input).toEqual({ TableName: TABLE, Key: key });
  });
});
