import { BatchGetCommand, DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  DynamoMappingWorklist,
  mappingWorkPut,
} from '../../../../../lambdas/shared/adapters/dynamodb/mapping-worklist';
import { client, clock, conditionFailed, ddb, NOW, TABLE } from './mock-table';

describe('DynamoMappingWorklist', () => {
  const worklist = new DynamoMappingWorklist(client, TABLE, clock);

  beforeEach(() => ddb.reset());

  it('builds the put of a status change: unconditional, a new version each time, since now', () => {
    const first = mappingWorkPut(TABLE, 'dst_1', { desired: 'disabled', episode: '2026-01-01T00:00:00.000Z' }, NOW);
    const second = mappingWorkPut(TABLE, 'dst_1', { desired: 'disabled', episode: '2026-01-01T00:00:00.000Z' }, NOW);

    expect(first).toEqual({
      Put: {
        TableName: TABLE,
        Item: {
          pk: 'MAPPINGS',
          sk: 'dst_1',
          destinationId: 'dst_1',
          reason: 'status',
          desired: 'disabled',
          episode: '2026-01-01T00:00:00.000Z',
          since: NOW.toISOString(),
          version: expect.any(String),
        },
      },
    });
    expect(first.Put.Item.version).not.toBe(second.Put.Item.version);
  });

  it('lists the items of the MAPPINGS partition, strongly consistent, without their keys', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [{ pk: 'MAPPINGS', sk: 'dst_1', destinationId: 'dst_1', reason: 'evidence', since: 's', version: 'v1' }],
    });

    expect(await worklist.list()).toEqual([{ destinationId: 'dst_1', reason: 'evidence', since: 's', version: 'v1' }]);
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({
      ExpressionAttributeValues: { ':pk': 'MAPPINGS' },
      ConsistentRead: true,
    });
  });

  it('adds an item only where there is none (one found keeps its age)', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());

    await expect(worklist.add('dst_1', 'audit')).resolves.toBeUndefined();
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'MAPPINGS',
        sk: 'dst_1',
        destinationId: 'dst_1',
        reason: 'audit',
        since: NOW.toISOString(),
        version: expect.any(String),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('reads destinations 100 keys a batch, strongly consistent, asking again for unprocessed keys', async () => {
    const ids = Array.from({ length: 150 }, (_, index) => `dst_${index}`);
    const item = (id: string) => ({ pk: `DST#${id}`, sk: 'DST', id, status: 'active', headHolder: 'x' });
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: ids.slice(0, 99).map(item) },
        UnprocessedKeys: { [TABLE]: { Keys: [{ pk: 'DST#dst_99', sk: 'DST' }] } },
      })
      .resolves({ Responses: { [TABLE]: ids.slice(99).map(item) } });

    const found = await worklist.destinations(ids);

    expect(found.map((destination) => destination.id).sort()).toEqual([...ids].sort());
    expect(found[0]).not.toHaveProperty('headHolder');
    const calls = ddb.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems![TABLE]!);
    expect(calls.map((request) => [request.Keys!.length, request.ConsistentRead])).toEqual([
      [100, true],
      [51, true],
    ]);
  });

  it('records the mapping disabled only on the pause of the episode it was seen for', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    expect(await worklist.recordMappingDisabled('dst_1', 'episode-1')).toBe(true);
    expect(await worklist.recordMappingDisabled('dst_1', 'episode-1')).toBe(false);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'DST#dst_1', sk: 'DST' },
      UpdateExpression: 'SET #pause.#mappingDisabled = :disabled',
      ConditionExpression: '#status = :paused AND #pause.#pausedAt = :episode',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#pause': 'pause',
        '#pausedAt': 'pausedAt',
        '#mappingDisabled': 'mappingDisabled',
      },
      ExpressionAttributeValues: { ':paused': 'paused', ':episode': 'episode-1', ':disabled': true },
    });
  });

  it('removes an item only while it is the version read', async () => {
    ddb.on(DeleteCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    const work = { destinationId: 'dst_1', reason: 'status' as const, since: 's', version: 'v1' };

    expect(await worklist.remove(work)).toBe(true);
    expect(await worklist.remove(work)).toBe(false);
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'MAPPINGS', sk: 'dst_1' },
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': 'v1' },
    });
  });
});
