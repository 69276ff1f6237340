import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoProberLease } from '../../../../../lambdas/shared/adapters/dynamodb/prober-lease';
import { client, clock, conditionFailed, ddb, NOW_MS, TABLE } from './mock-table';

const leaseKey = { pk: 'PROBER', sk: 'LEASE' };

describe('DynamoProberLease', () => {
  const lease = new DynamoProberLease(client, TABLE, clock);

  beforeEach(() => ddb.reset());

  it('takes a lease that is free or ran out, with a conditional put for the time asked', async () => {
    ddb.on(PutCommand).resolves({});

    expect(await lease.take('run-1', 100_000)).toBe(true);

    expect(ddb.commandCalls(PutCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: TABLE,
        Item: { ...leaseKey, holder: 'run-1', heldUntil: NOW_MS + 100_000 },
        ConditionExpression: 'attribute_not_exists(pk) OR heldUntil < :now',
        ExpressionAttributeValues: { ':now': NOW_MS },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    ]);
  });

  it('answers false while another run holds it', async () => {
    ddb.on(PutCommand).rejects(conditionFailed({ ...leaseKey, holder: 'run-0', heldUntil: NOW_MS + 5000 }));

    expect(await lease.take('run-1', 100_000)).toBe(false);
  });

  it('recognises its own take whose answer was lost: the retry finds itself the holder', async () => {
    ddb.on(PutCommand).rejects(conditionFailed({ ...leaseKey, holder: 'run-1', heldUntil: NOW_MS + 100_000 }));

    expect(await lease.take('run-1', 100_000)).toBe(true);
  });

  it('throws any other failure', async () => {
    ddb.on(PutCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    await expect(lease.take('run-1', 100_000)).rejects.toThrow('ProvisionedThroughputExceededException');
  });

  it('releases only its own lease; a repeated release, or one after the lease passed on, changes nothing', async () => {
    ddb.on(DeleteCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    await lease.release('run-1');
    await lease.release('run-1');

    expect(ddb.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual(
      Array.from({ length: 2 }, () => ({
        TableName: TABLE,
        Key: leaseKey,
        ConditionExpression: 'holder = :holder',
        ExpressionAttributeValues: { ':holder': 'run-1' },
      })),
    );
  });

  it('clears the lease whoever holds it (for a runtime that knows no run is under way)', async () => {
    ddb.on(DeleteCommand).resolves({});

    await lease.clear();

    expect(ddb.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: TABLE, Key: leaseKey },
    ]);
  });
});
