import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { gunzipSync } from 'node:zlib';
import { DynamoParking } from '../../../../../lambdas/shared/adapters/dynamodb/parking';
import { client, ddb, TABLE } from './mock-table';

const key = { pk: 'PARK#trn_1', sk: 'PARK' };
const envelope = JSON.stringify({ messageId: 'msg_1', data: { n: 1 } });

describe('DynamoParking', () => {
  const parking = new DynamoParking(client, TABLE);

  beforeEach(() => ddb.reset());

  it('parks a skipped transmission’s entry gzipped, with its destination', async () => {
    ddb.on(PutCommand).resolves({});

    await parking.park('trn_1', 'dst_1', envelope);

    const input = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(input).toEqual({ TableName: TABLE, Item: { ...key, destinationId: 'dst_1', envelope: expect.any(Buffer) } });
    expect(input.ConditionExpression).toBeUndefined();
    expect(gunzipSync(input.Item!.envelope as Buffer).toString('utf8')).toBe(envelope);
  });

  it('reads a parked entry back, or nothing', async () => {
    ddb.on(PutCommand).resolves({});
    await parking.park('trn_1', 'dst_1', envelope);
    const stored = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    ddb.on(GetCommand).resolvesOnce({ Item: stored }).resolvesOnce({});

    expect(await parking.get('trn_1')).toEqual({ destinationId: 'dst_1', envelope });
    expect(await parking.get('trn_1')).toBeUndefined();
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toEqual({ TableName: TABLE, Key: key, ConsistentRead: true });
  });

  it('removes a parked entry', async () => {
    ddb.on(DeleteCommand).resolves({});

    await parking.remove('trn_1');

    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input).toEqual({ TableName: TABLE, Key: key });
  });
});
