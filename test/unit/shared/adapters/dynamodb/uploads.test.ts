import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoUploadRecords } from '../../../../../lambdas/shared/adapters/dynamodb/uploads';
import type { UploadRecord } from '../../../../../lambdas/shared/domain/uploads';
import { client, conditionFailed, ddb, NOW_SECONDS, TABLE } from './mock-table';

const upload: UploadRecord = {
  uploadId: 'upl_1',
  sourceId: 'src_1',
  contentLength: 18_500_000,
  createdAt: '2026-01-01T00:00:00.000Z',
  usableUntil: '2026-01-01T23:00:00.000Z',
};
const key = { pk: 'UPLOAD#upl_1', sk: 'UPLOAD' };

describe('DynamoUploadRecords', () => {
  const records = new DynamoUploadRecords(client, TABLE);

  beforeEach(() => ddb.reset());

  it('creates a record that TTL sweeps two hours after it stops being usable', async () => {
    ddb.on(PutCommand).resolves({});

    await records.create(upload);

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...key, ...upload, expiresAt: NOW_SECONDS + 25 * 60 * 60 },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('takes a create refused by its own earlier write (answer lost) as done, and any other as a bug', async () => {
    ddb.on(PutCommand).rejects(conditionFailed({ ...key, ...upload }));
    await expect(records.create(upload)).resolves.toBeUndefined();

    ddb.on(PutCommand).rejects(conditionFailed({ ...key, ...upload, createdAt: '2025-12-31T00:00:00.000Z' }));
    await expect(records.create(upload)).rejects.toThrow('Upload upl_1 is recorded already');
  });

  it('reads a record strongly consistent, without its keys and TTL; undefined when there is none', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...key, ...upload, messageId: 'msg_1', expiresAt: 1 } });
    expect(await records.get('upl_1')).toEqual({ ...upload, messageId: 'msg_1' });
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: key,
      ConsistentRead: true,
    });

    ddb.on(GetCommand).resolves({});
    expect(await records.get('upl_1')).toBeUndefined();
  });

  it('claims a free upload for a message with one conditional write', async () => {
    ddb.on(UpdateCommand).resolves({});

    expect(await records.claim('upl_1', 'msg_1')).toBe(true);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: key,
      UpdateExpression: 'SET messageId = :messageId',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(messageId)',
      ExpressionAttributeValues: { ':messageId': 'msg_1' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('answers a claim refused by its own earlier claim true, and one another message holds false', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed({ ...key, ...upload, messageId: 'msg_1' }));
    expect(await records.claim('upl_1', 'msg_1')).toBe(true);

    ddb.on(UpdateCommand).rejects(conditionFailed({ ...key, ...upload, messageId: 'msg_0' }));
    expect(await records.claim('upl_1', 'msg_1')).toBe(false);
  });

  it("releases only this message's claim, and takes a release that finds none as done", async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());

    await expect(records.release('upl_1', 'msg_1')).resolves.toBeUndefined();
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: key,
      UpdateExpression: 'REMOVE messageId',
      ConditionExpression: 'messageId = :messageId',
      ExpressionAttributeValues: { ':messageId': 'msg_1' },
    });
  });
});
