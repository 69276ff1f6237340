import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  conditionHeld,
  conflictRetryDelayMs,
  epochSeconds,
  epochSecondsOf,
  queryAll,
  type Refusal,
  refusalsOf,
  strip,
  transactWrite,
} from '../../../../../lambdas/shared/adapters/dynamodb/table';
import { client, conditionFailed, ddb, refused, TABLE, transactionCanceled } from './mock-table';

const table = { client, tableName: TABLE };
const items = [
  { Put: { TableName: TABLE, Item: { pk: 'a', sk: 'a' }, ConditionExpression: 'attribute_not_exists(pk)' } },
  {
    Update: {
      TableName: TABLE,
      Key: { pk: 'b', sk: 'b' },
      UpdateExpression: 'ADD n :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  },
];

describe('the table helpers', () => {
  beforeEach(() => ddb.reset());
  afterEach(() => jest.restoreAllMocks());

  it('reads a conditional write as applied, refused by its condition, or failed', async () => {
    expect(await conditionHeld(Promise.resolve({}))).toBe(true);
    expect(await conditionHeld(Promise.reject(conditionFailed()))).toBe(false);
    // A transaction counts as refused only when its first item's condition failed.
    expect(await conditionHeld(Promise.reject(transactionCanceled('ConditionalCheckFailed', 'None')))).toBe(false);
    await expect(conditionHeld(Promise.reject(transactionCanceled('None', 'ConditionalCheckFailed')))).rejects.toThrow(
      'Transaction cancelled',
    );
    await expect(conditionHeld(Promise.reject(transactionCanceled('TransactionConflict', 'None')))).rejects.toThrow(
      'Transaction cancelled',
    );
    await expect(conditionHeld(Promise.reject(new Error('throttled')))).rejects.toThrow('throttled');
  });

  it('answers true for a refused write its own earlier attempt applied, as the caller recognises it from what was found', async () => {
    const mine = (found?: Record<string, unknown>) => found?.owner === 'me';
    const isMine = ([refusal]: readonly Refusal[]) => mine(refusal?.found);

    expect(await conditionHeld(Promise.reject(conditionFailed({ pk: 'a', sk: 'a', owner: 'me' })), isMine)).toBe(true);
    expect(await conditionHeld(Promise.reject(conditionFailed({ pk: 'a', sk: 'a', owner: 'other' })), isMine)).toBe(
      false,
    );
    expect(
      await conditionHeld(
        Promise.reject(transactionCanceled(refused({ pk: 'a', sk: 'a', owner: 'me' }), 'None')),
        isMine,
      ),
    ).toBe(true);
    // Recognised even when the first item's condition held and a later one found the earlier write.
    expect(
      await conditionHeld(
        Promise.reject(transactionCanceled('None', refused({ pk: 'b', sk: 'b', owner: 'me' }))),
        (refusals) => mine(refusals[1]?.found),
      ),
    ).toBe(true);
    await expect(conditionHeld(Promise.reject(new Error('throttled')), isMine)).rejects.toThrow('throttled');
  });

  it('reads what refused writes found, unmarshalled from the wire form the document client leaves on errors', () => {
    const found = { pk: 'a', sk: 'a', n: 3, data: new Uint8Array([1, 2]), nested: { list: ['x'] } };

    expect(refusalsOf(conditionFailed(found))).toEqual([{ code: 'ConditionalCheckFailed', found }]);
    expect(refusalsOf(conditionFailed())).toEqual([{ code: 'ConditionalCheckFailed', found: undefined }]);
    // An item already unmarshalled (a newer document client) is taken as it is.
    expect(refusalsOf(Object.assign(conditionFailed(), { Item: found }))).toEqual([
      { code: 'ConditionalCheckFailed', found },
    ]);
    expect(refusalsOf(transactionCanceled('None', refused(found), 'TransactionConflict'))).toEqual([
      { code: 'None', found: undefined },
      { code: 'ConditionalCheckFailed', found },
      { code: 'TransactionConflict', found: undefined },
    ]);
    expect(refusalsOf(new Error('throttled'))).toBeUndefined();
  });

  it('sends a transaction once when it goes through', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await transactWrite(table, items);

    expect(ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input)).toEqual([
      { TransactItems: items },
    ]);
  });

  it('sends a transaction cancelled by a conflict again, a new request each time, until it goes through', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCanceled('TransactionConflict', 'None'))
      .rejectsOnce(transactionCanceled('None', 'TransactionConflict'))
      .resolves({});

    await transactWrite(table, items);

    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls.map((call) => call.args[0].input)).toEqual([
      { TransactItems: items },
      { TransactItems: items },
      { TransactItems: items },
    ]);
    // A new command each time, so the SDK gives each a new ClientRequestToken (a cancelled one wrote nothing).
    expect(new Set(calls.map((call) => call.args[0])).size).toBe(3);
  });

  it('gives up on a conflict after 4 attempts, throwing the last cancellation', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('TransactionConflict', 'None'));

    await expect(transactWrite(table, items)).rejects.toThrow('Transaction cancelled');
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 4);
  });

  it('does not send again a transaction refused by a condition, or failed otherwise', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCanceled('ConditionalCheckFailed', 'None'))
      .rejectsOnce(new Error('throttled'));

    await expect(transactWrite(table, items)).rejects.toThrow('Transaction cancelled');
    await expect(transactWrite(table, items)).rejects.toThrow('throttled');
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('waits a random time before each new attempt, up to 50, 100 and 200 ms: at most 350 ms in all', () => {
    const longest = [1, 2, 3].map((retry) => conflictRetryDelayMs(retry, () => 0.999_999));

    expect(longest.map(Math.round)).toEqual([50, 100, 200]);
    expect(longest.reduce((sum, delay) => sum + delay, 0)).toBeLessThanOrEqual(350);
    expect(conflictRetryDelayMs(3, () => 0)).toBe(0);
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

    expect(items).toEqual([
      { pk: 'p', sk: 'a#1' },
      { pk: 'p', sk: 'a#2' },
    ]);
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'p', ':prefix': 'a#' },
        ExclusiveStartKey: undefined,
      },
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'p', ':prefix': 'a#' },
        ExclusiveStartKey: { pk: 'p', sk: 'a#1' },
      },
    ]);
  });
});
