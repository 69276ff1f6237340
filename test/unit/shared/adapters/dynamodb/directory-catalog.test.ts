import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDirectoryCatalog } from '../../../../../lambdas/shared/adapters/dynamodb/directory-catalog';
import { subscriptionTermsKey } from '../../../../../lambdas/shared/adapters/dynamodb/keys';
import { client, conditionFailed, ddb, TABLE } from './mock-table';

const source = { id: 'src_1', organizationId: 'org_1', name: 'LIS', createdAt: '2026-01-01T00:00:00.000Z' };
const subscription = (id: string) => ({
  id,
  sourceId: 'src_1',
  destinationId: 'dst_1',
  dataModel: 'Results',
  createdAt: '2026-01-01T00:00:00.000Z',
});
const destination = (id: string, status: string, pausedAt?: string) => ({
  pk: `DST#${id}`,
  sk: 'DST',
  id,
  organizationId: 'org_1',
  name: id,
  url: 'https://x.example/hook',
  timeoutMs: 5000,
  inlineRetries: 1,
  signingSecret: 'whsec_x',
  createdAt: '',
  status,
  ...(pausedAt ? { queueUrl: 'q', pause: { pausedAt, reason: 'HTTP 500' } } : { queueUrl: 'q' }),
});

describe('DynamoDirectoryCatalog', () => {
  const catalog = new DynamoDirectoryCatalog(client, TABLE);
  beforeEach(() => ddb.reset());

  it('deletes a source: its subscriptions first, then the source, its listing item and both its keys in one transaction', async () => {
    ddb.on(GetCommand).resolves({
      Item: { pk: 'SRC#src_1', sk: 'SRC', ...source, currentKeyHash: 'key1', previousKeyHash: 'key0' },
    });
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'SRC#src_1', sk: 'SUB#sub_1', ...subscription('sub_1') }] })
      .resolves({ Items: [] });
    ddb.on(TransactWriteCommand).resolves({});

    expect(await catalog.deleteSource('src_1')).toBe(true);

    const [subscriptions, sourceRemoval] = ddb
      .commandCalls(TransactWriteCommand)
      .map((call) => call.args[0].input.TransactItems!.map((item) => item.Delete!.Key));
    expect(subscriptions).toEqual([
      { pk: 'SRC#src_1', sk: 'SUB#sub_1' },
      { pk: 'SUBSCRIPTIONS', sk: 'sub_1' },
      subscriptionTermsKey(subscription('sub_1')),
    ]);
    expect(sourceRemoval).toEqual([
      { pk: 'SRC#src_1', sk: 'SRC' },
      { pk: 'SOURCES#org_1', sk: 'src_1' },
      { pk: 'APIKEY#key1', sk: 'APIKEY' },
      { pk: 'APIKEY#key0', sk: 'APIKEY' },
    ]);
    // Read strongly consistent: a subscription created a moment before is found.
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
  });

  it('answers false for a source that does not exist, writing nothing', async () => {
    ddb.on(GetCommand).resolves({});

    expect(await catalog.deleteSource('src_1')).toBe(false);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
  });

  it('changes only the named settings of a provisioned destination, and nothing of one being provisioned', async () => {
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: { ...destination('dst_1', 'paused', '2026-01-01T00:00:00.000Z'), url: 'https://y' } })
      .rejectsOnce(conditionFailed());

    expect(await catalog.updateDestination('dst_1', { url: 'https://y' })).toMatchObject({ url: 'https://y' });
    expect(await catalog.updateDestination('dst_1', { url: 'https://y' })).toBeUndefined();

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'DST#dst_1', sk: 'DST' },
      UpdateExpression: 'SET #a0 = :a0',
      ConditionExpression: 'attribute_exists(pk) AND #status IN (:active, :paused, :unverified)',
      ExpressionAttributeNames: { '#a0': 'url', '#status': 'status' },
      ExpressionAttributeValues: {
        ':a0': 'https://y',
        ':active': 'active',
        ':paused': 'paused',
        ':unverified': 'unverified',
      },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('removes a setting changed to null (maxPerSecond back to no limit) in the same update', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: destination('dst_1', 'paused', '2026-01-01T00:00:00.000Z') });

    await catalog.updateDestination('dst_1', { name: 'Lab', maxPerSecond: null });

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      UpdateExpression: 'SET #a0 = :a0 REMOVE #a1',
      ExpressionAttributeNames: { '#a0': 'name', '#a1': 'maxPerSecond', '#status': 'status' },
      ExpressionAttributeValues: {
        ':a0': 'Lab',
        ':active': 'active',
        ':paused': 'paused',
        ':unverified': 'unverified',
      },
    });
  });

  it('lists paused destinations oldest pause first from the paused set, a page at a time', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: 'PAUSED', sk: 'dst_a' },
        { pk: 'PAUSED', sk: 'dst_b' },
        { pk: 'PAUSED', sk: 'dst_c' },
      ],
    });
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        [TABLE]: [
          destination('dst_a', 'paused', '2026-01-01T00:00:03.000Z'),
          destination('dst_b', 'paused', '2026-01-01T00:00:01.000Z'),
          // Resumed since the paused set was read.
          destination('dst_c', 'active'),
        ],
      },
    });

    const first = await catalog.listDestinations({ status: 'paused' }, { limit: 1 });
    const second = await catalog.listDestinations({ status: 'paused' }, { limit: 1, after: first.after });

    expect(first.items.map((item) => item.id)).toEqual(['dst_b']);
    expect(second).toEqual({ items: [expect.objectContaining({ id: 'dst_a' })] });
  });

  it('lists destinations from their listing, leaving out those being provisioned or gone', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: 'DESTINATIONS', sk: 'org_1#dst_a' },
        { pk: 'DESTINATIONS', sk: 'org_1#dst_b' },
        { pk: 'DESTINATIONS', sk: 'org_1#dst_gone' },
      ],
      LastEvaluatedKey: { pk: 'DESTINATIONS', sk: 'org_1#dst_gone' },
    });
    ddb.on(BatchGetCommand).resolves({
      Responses: { [TABLE]: [destination('dst_b', 'active'), destination('dst_a', 'provisioning')] },
    });

    const page = await catalog.listDestinations({ organizationId: 'org_1' }, { limit: 3 });

    expect(page).toEqual({ items: [expect.objectContaining({ id: 'dst_b' })], after: 'org_1#dst_gone' });
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'DESTINATIONS', ':prefix': 'org_1#' },
      ConsistentRead: true,
      Limit: 3,
    });
  });

  it('reads nothing for a position outside the listing asked for', async () => {
    expect(await catalog.listDestinations({ organizationId: 'org_1' }, { limit: 3, after: 'org_2#dst_a' })).toEqual({
      items: [],
    });
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 0);
  });
});
