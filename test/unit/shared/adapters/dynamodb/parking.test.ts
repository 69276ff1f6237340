import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DynamoParking } from '../../../../../lambdas/shared/adapters/dynamodb/parking';
import { client, clock, ddb, NOW_SECONDS, TABLE } from './mock-table';

const DAY = 24 * 60 * 60;

const key = { pk: 'PARK#trn_1', sk: 'PARK' };
const envelope = JSON.stringify({ messageId: 'msg_1', data: { n: 1 } });
/** An envelope whose gzip is well over DynamoDB's 400 KB item limit (random bytes do not compress). */
const largeEnvelope = JSON.stringify({ messageId: 'msg_1', data: randomBytes(900_000).toString('base64') });

describe('DynamoParking', () => {
  // 30 days of record retention: a skipped transmission can be replayed as long as its message is kept.
  const parking = new DynamoParking(client, TABLE, clock, 30 * DAY);

  beforeEach(() => ddb.reset());

  it('parks a skipped transmission’s entry gzipped, with its destination, as one item when it fits', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await parking.park('trn_1', 'dst_1', envelope);

    const input = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input;
    expect(input).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: TABLE,
            Item: {
              ...key,
              destinationId: 'dst_1',
              chunks: 1,
              envelope: expect.any(Uint8Array),
              expiresAt: NOW_SECONDS + 30 * DAY,
            },
          },
        },
      ],
    });
    expect(gunzipSync(input.TransactItems![0]!.Put!.Item!.envelope as Uint8Array).toString('utf8')).toBe(envelope);
  });

  it('parks an entry over the item limit in chunks under it, all in one transaction, the first at the entry’s key', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await parking.park('trn_1', 'dst_1', largeEnvelope);

    const puts = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!.map((item) => item.Put!);
    expect(puts.length).toBe(3);
    expect(puts.map((put) => put.Item!.sk)).toEqual(['PARK', 'PARK#001', 'PARK#002']);
    expect(puts.map((put) => put.Item!.pk)).toEqual(['PARK#trn_1', 'PARK#trn_1', 'PARK#trn_1']);
    expect(puts[0]!.Item).toMatchObject({ destinationId: 'dst_1', chunks: 3 });
    // Every chunk expires with the entry.
    expect(puts.map((put) => put.Item!.expiresAt)).toEqual(Array(3).fill(NOW_SECONDS + 30 * DAY));
    expect(puts.every((put) => (put.Item!.envelope as Uint8Array).length <= 350_000)).toBe(true);
    expect(puts.every((put) => put.ConditionExpression === undefined)).toBe(true);
    expect(gunzipSync(Buffer.concat(puts.map((put) => put.Item!.envelope as Uint8Array))).toString('utf8')).toBe(
      largeEnvelope,
    );
  });

  it('reads a chunked entry back whole, the other chunks by one consistent query', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await parking.park('trn_1', 'dst_1', largeEnvelope);
    const [head, ...rest] = ddb
      .commandCalls(TransactWriteCommand)[0]!
      .args[0].input.TransactItems!.map((item) => item.Put!.Item!);
    ddb.on(GetCommand).resolves({ Item: head });
    ddb.on(QueryCommand).resolves({ Items: rest });

    expect(await parking.get('trn_1')).toEqual({ destinationId: 'dst_1', envelope: largeEnvelope });
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: key,
      ConsistentRead: true,
    });
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'PARK#trn_1', ':prefix': 'PARK#' },
      ExclusiveStartKey: undefined,
      ConsistentRead: true,
    });
  });

  it('reads a one-item entry with one read, and an entry parked before chunking (no chunk count), or nothing', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { ...key, destinationId: 'dst_1', chunks: 1, envelope: gzipSync(envelope) } })
      .resolvesOnce({ Item: { ...key, destinationId: 'dst_1', envelope: gzipSync(envelope) } })
      .resolvesOnce({});

    expect(await parking.get('trn_1')).toEqual({ destinationId: 'dst_1', envelope });
    expect(await parking.get('trn_1')).toEqual({ destinationId: 'dst_1', envelope });
    expect(await parking.get('trn_1')).toBeUndefined();
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 0);
  });

  it('throws rather than hand back an entry whose chunks are missing', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...key, destinationId: 'dst_1', chunks: 3, envelope: new Uint8Array([1]) } });
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'PARK#trn_1', sk: 'PARK#002', envelope: new Uint8Array([3]) }] });

    await expect(parking.get('trn_1')).rejects.toThrow('The parked entry of trn_1 is incomplete: 2 of 3 chunks');
  });

  it('removes every item of the entry in one transaction', async () => {
    ddb.on(QueryCommand).resolves({ Items: [key, { pk: 'PARK#trn_1', sk: 'PARK#001' }] });
    ddb.on(TransactWriteCommand).resolves({});

    await parking.remove('trn_1');

    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'PARK#trn_1' },
      ExclusiveStartKey: undefined,
      ConsistentRead: true,
      ProjectionExpression: 'pk, sk',
    });
    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      TransactItems: [
        { Delete: { TableName: TABLE, Key: key } },
        { Delete: { TableName: TABLE, Key: { pk: 'PARK#trn_1', sk: 'PARK#001' } } },
      ],
    });
  });

  it('writes nothing to remove an entry that is not there', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await parking.remove('trn_1');

    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
  });
});
