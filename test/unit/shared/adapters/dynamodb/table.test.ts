import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld, epochSeconds, epochSecondsOf, queryAll, strip } from '../../../../../lambdas/shared/adapters/dynamodb/table';
import { client, conditionFailed, ddb, TABLE, transactionCanceled } from './mock-table';

describe('the table helpers', () => {
  beforeEach(() => ddb.reset());

  it('reads a conditional write as applied, refused by its condition, or failed', async () => {
    expect(await conditionHeld(Promise.resolve({}))).toBe(true);
    expect(await conditionHeld(Promise.reject(conditionFailed()))).toBe(false);
    // A transaction counts as refused only when its first item's condition failed.
    expect(await conditionHeld(Promise.reject(transactionCanceled('ConditionalCheckFailed', 'None')))).toBe(false);
    await expect(conditionHeld(Promise.reject(transactionCanceled('None', 'ConditionalCheckFailed')))).rejects.toThrow('Transaction cancelled');
    await expect(conditionHeld(Promise.reject(transactionCanceled('TransactionConflict', 'None')))).rejects.toThrow('Transaction cancelled');
    await expect(conditionHeld(Promise.reject(new Error('throttled')))).rejects.toThrow('throttled');
  });

  it('strips the keys of an item', () => {
    expect(strip({ pk: 'ORG#org_1', sk: 'ORG', id: 'org_1' })).toEqual({ id: 'org_1' });
    expect(strip(undefined)).toBeUndefined();
  });

  it('converts times to the epoch seconds of the TTL attribute, rounding down', () => {
    expect(epochSeconds(new Date('2026-01-01T00:00:00.999Z'))).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(epochSecondsOf('2026-01-01T00:00:00.999Z')).toBe(Date.UTC(2026, 0, 1) / 1000);
  });

  it('queries a whole partition page by page, by sort-key prefix when given', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'p', sk: 'a#1' }], LastEvaluatedKey: { pk: 'p', sk: 'a#1' } })
      .resolvesOnce({ Items: [{ pk: 'p', sk: 'a#2' }] });

    const items = await queryAll({ client, tableName: TABLE }, 'p', 'a#');

    expect(items).toEqual([{ pk: 'p', sk: 'a#1' }, { pk: 'p', sk: 'a#2' }]);
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': 'p', ':prefix': 'a#' }, ExclusiveStartKey: undefined },
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'p', ':prefix': 'a#' },
        ExclusiveStartKey: { pk: 'p', sk: 'a#1' },
      },
    ]);
  });
});
