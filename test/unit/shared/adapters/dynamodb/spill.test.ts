import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DynamoSpill } from '../../../../../lambdas/shared/adapters/dynamodb/spill';
import { client, ddb, TABLE, transactionCanceled } from './mock-table';

const position = '18849496460467696128';
const paddedPosition = `00000000000000000000${position}`;
const entry = { position, sentAt: '2026-01-01T00:00:00.000Z', body: '{"n":1}' };
const countIn = {
  Update: {
    TableName: TABLE,
    Key: { pk: 'DST#dst_1', sk: 'DST' },
    UpdateExpression: 'ADD spilled :one',
    ExpressionAttributeValues: { ':one': 1 },
  },
};
const countOut = {
  Update: {
    TableName: TABLE,
    Key: { pk: 'DST#dst_1', sk: 'DST' },
    UpdateExpression: 'ADD spilled :minusOne',
    ExpressionAttributeValues: { ':minusOne': -1 },
  },
};
const chunk = (index: number, chunks: number, data: Uint8Array) => ({
  pk: 'SPILL#dst_1',
  sk: `${paddedPosition}#${String(index).padStart(3, '0')}`,
  position,
  sentAt: entry.sentAt,
  chunks,
  data,
});

describe('DynamoSpill', () => {
  const spill = new DynamoSpill(client, TABLE);

  beforeEach(() => ddb.reset());

  it('keeps an entry at its padded queue position, once, counted in the destination’s spilled', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    expect(await spill.keep('dst_1', entry)).toBe(true);

    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: TABLE,
            Item: chunk(0, 1, expect.any(Uint8Array)),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        countIn,
      ],
    });
  });

  it('answers false when the entry was kept already (a repeated move)', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('ConditionalCheckFailed', 'None'));

    expect(await spill.keep('dst_1', entry)).toBe(false);
  });

  it('splits a large entry into chunks under the item limit, the condition on the first', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const large = { ...entry, body: randomBytes(600_000).toString('base64') };

    await spill.keep('dst_1', large);

    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    const puts = items.slice(0, -1).map((item) => item.Put!);
    expect(puts.length).toBeGreaterThan(1);
    expect(puts.map((put) => put.Item!.sk)).toEqual(
      puts.map((_, index) => `${paddedPosition}#${String(index).padStart(3, '0')}`),
    );
    expect(puts.map((put) => put.Item!.chunks)).toEqual(puts.map(() => puts.length));
    expect(puts.map((put) => put.ConditionExpression)).toEqual([
      'attribute_not_exists(pk)',
      ...puts.slice(1).map(() => undefined),
    ]);
    expect(puts.every((put) => (put.Item!.data as Uint8Array).length <= 350_000)).toBe(true);
    expect(items.at(-1)).toEqual(countIn);
  });

  it('hands back the oldest entry, reading its other chunks when it has several', async () => {
    const compressed = gzipSync('a body split in two');
    const parts = [compressed.subarray(0, 10), compressed.subarray(10)];
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [chunk(0, 2, parts[0]!)] })
      .resolvesOnce({ Items: [chunk(0, 2, parts[0]!), chunk(1, 2, parts[1]!)] });

    const first = await spill.first('dst_1');

    expect(first).toEqual({ position, sentAt: entry.sentAt, body: 'a body split in two' });
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'SPILL#dst_1' },
        ConsistentRead: true,
        Limit: 1,
      },
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'SPILL#dst_1', ':prefix': `${paddedPosition}#` },
        ConsistentRead: true,
      },
    ]);
  });

  it('hands back nothing when the spill is empty', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    expect(await spill.first('dst_1')).toBeUndefined();
  });

  it('removes every chunk of an entry and counts it out, once however often it is removed', async () => {
    const data = gzipSync('x');
    ddb.on(QueryCommand).resolves({ Items: [chunk(0, 2, data), chunk(1, 2, data)] });
    ddb
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejectsOnce(transactionCanceled('ConditionalCheckFailed', 'None', 'None'));

    await spill.remove('dst_1', position);
    await spill.remove('dst_1', position);

    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      TransactItems: [
        {
          Delete: {
            TableName: TABLE,
            Key: { pk: 'SPILL#dst_1', sk: `${paddedPosition}#000` },
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        { Delete: { TableName: TABLE, Key: { pk: 'SPILL#dst_1', sk: `${paddedPosition}#001` } } },
        countOut,
      ],
    });
  });

  it('writes nothing to remove an entry that is not there', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await spill.remove('dst_1', position);

    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
  });
});
