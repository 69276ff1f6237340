import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDirectory } from '../../../../../lambdas/shared/adapters/dynamodb/directory';
import { subscriptionTermsKey } from '../../../../../lambdas/shared/adapters/dynamodb/keys';
import type { Destination } from '../../../../../lambdas/shared/domain/model';
import { client, conditionFailed, ddb, refused, TABLE, transactionCanceled } from './mock-table';

const organization = { id: 'org_1', name: 'Lab', alertEmail: 'ops@example.org', createdAt: '2026-01-01T00:00:00.000Z' };
const source = { id: 'src_1', organizationId: 'org_1', name: 'LIS', createdAt: '2026-01-01T00:00:00.000Z' };
const destination: Destination = {
  id: 'dst_1',
  organizationId: 'org_1',
  name: 'Ward',
  url: 'https://ward.example.org/hook',
  timeoutMs: 5000,
  signingSecret: 'whsec_x',
  status: 'provisioning',
  createdAt: '2026-01-01T00:00:00.000Z',
  inlineRetries: 1,
};
const destinationKey = { pk: 'DST#dst_1', sk: 'DST' };

describe('DynamoDirectory', () => {
  const directory = new DynamoDirectory(client, TABLE);

  beforeEach(() => ddb.reset());

  it('creates an organization once, with its listing item in the same transaction', async () => {
    ddb
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejectsOnce(
        transactionCanceled(refused({ pk: 'ORG#org_1', sk: 'ORG', ...organization, name: 'Other' }), 'None'),
      );

    await directory.putOrganization(organization);
    await expect(directory.putOrganization(organization)).rejects.toThrow(TransactionCanceledException);

    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: TABLE,
            Item: { pk: 'ORG#org_1', sk: 'ORG', ...organization },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        { Put: { TableName: TABLE, Item: { pk: 'ORGS', sk: 'org_1' } } },
      ],
    });
  });

  it('recognises its own create: a retry that finds the very item it wrote succeeds; another item is refused', async () => {
    // The first attempt was applied and its answer lost; the retry fails attribute_not_exists.
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCanceled(refused({ pk: 'ORG#org_1', sk: 'ORG', ...organization }), 'None'))
      .rejectsOnce(
        transactionCanceled(refused({ pk: 'ORG#org_1', sk: 'ORG', ...organization, name: 'Other' }), 'None'),
      );

    await expect(directory.putOrganization(organization)).resolves.toBeUndefined();
    await expect(directory.putOrganization(organization)).rejects.toThrow(TransactionCanceledException);
  });

  it('recognises its own subscription, whose optional attributes left out are not stored', async () => {
    const subscription = {
      id: 'sub_1',
      sourceId: 'src_1',
      destinationId: 'dst_1',
      dataModel: 'Results',
      eventType: undefined,
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    const { eventType: _eventType, ...stored } = subscription;
    ddb
      .on(TransactWriteCommand)
      .rejects(transactionCanceled(refused({ pk: 'SRC#src_1', sk: 'SUB#sub_1', ...stored }), 'None', 'None'));

    await expect(directory.putSubscription(subscription)).resolves.toEqual({ created: true });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  describe('a subscription with the terms of another (same source, destination, dataModel, eventType)', () => {
    const subscription = {
      id: 'sub_2',
      sourceId: 'src_1',
      destinationId: 'dst_1',
      dataModel: 'Results',
      eventType: 'Final',
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    const terms = { ...subscriptionTermsKey(subscription), subscriptionId: 'sub_1' };

    it('claims its terms item in the same transaction, on condition that it does not exist', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await expect(directory.putSubscription(subscription)).resolves.toEqual({ created: true });

      const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
      expect(items[2]).toEqual({
        Put: {
          TableName: TABLE,
          Item: { ...subscriptionTermsKey(subscription), subscriptionId: 'sub_2' },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
    });

    it('is not created: the answer names the subscription that holds the terms', async () => {
      ddb.on(TransactWriteCommand).rejects(transactionCanceled('None', 'None', refused(terms)));

      await expect(directory.putSubscription(subscription)).resolves.toEqual({ created: false, existingId: 'sub_1' });
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    });

    it('is its own earlier attempt when the terms item found holds its own id', async () => {
      ddb
        .on(TransactWriteCommand)
        .rejects(transactionCanceled('None', 'None', refused({ ...terms, subscriptionId: 'sub_2' })));

      await expect(directory.putSubscription(subscription)).resolves.toEqual({ created: true });
    });

    it('throws when its id is taken by another subscription (and the terms are free)', async () => {
      ddb
        .on(TransactWriteCommand)
        .rejects(
          transactionCanceled(
            refused({ pk: 'SRC#src_1', sk: 'SUB#sub_2', ...subscription, dataModel: 'Other' }),
            'None',
            'None',
          ),
        );

      await expect(directory.putSubscription(subscription)).rejects.toThrow(TransactionCanceledException);
    });
  });

  it('recognises its own source: a retry that finds the source with its key hash succeeds', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(
        transactionCanceled(
          refused({ pk: 'SRC#src_1', sk: 'SRC', ...source, currentKeyHash: 'keyhash1' }),
          refused({ pk: 'APIKEY#keyhash1', sk: 'APIKEY', ...source }),
        ),
      );

    await expect(directory.putSource(source, 'keyhash1')).resolves.toBeUndefined();
  });

  it('recognises its own rotation: a retry that finds the source on its new key answers rotated', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'SRC#src_1', sk: 'SRC', ...source, currentKeyHash: 'keyhash0' } });
    ddb
      .on(TransactWriteCommand)
      .rejects(
        transactionCanceled(
          refused({ pk: 'SRC#src_1', sk: 'SRC', ...source, currentKeyHash: 'keyhash1' }),
          refused({ pk: 'APIKEY#keyhash1', sk: 'APIKEY', ...source }),
          'None',
        ),
      );

    expect(await directory.rotateSourceKey('src_1', 'keyhash1', '2026-01-02T00:00:00.000Z')).toBe('rotated');
  });

  it('creates a source with its key record and its listing item (copies of the source) in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await directory.putSource(source, 'keyhash1');

    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: TABLE,
            Item: { pk: 'SRC#src_1', sk: 'SRC', ...source, currentKeyHash: 'keyhash1' },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: TABLE,
            Item: { pk: 'APIKEY#keyhash1', sk: 'APIKEY', ...source },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName: TABLE, Item: { pk: 'SOURCES#org_1', sk: 'src_1', ...source } } },
      ],
    });
  });

  it('reads a source without its key hashes', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({
        Item: { pk: 'SRC#src_1', sk: 'SRC', ...source, currentKeyHash: 'keyhash1', previousKeyHash: 'keyhash0' },
      })
      .resolvesOnce({});

    expect(await directory.getSource('src_1')).toEqual(source);
    expect(await directory.getSource('src_1')).toBeUndefined();
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'SRC#src_1', sk: 'SRC' },
      ConsistentRead: true,
    });
  });

  it('finds the source of a key, and until when a replaced key works', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { pk: 'APIKEY#keyhash1', sk: 'APIKEY', ...source } })
      .resolvesOnce({
        Item: { pk: 'APIKEY#keyhash0', sk: 'APIKEY', ...source, validUntil: '2026-01-02T00:00:00.000Z', expiresAt: 1 },
      });

    expect(await directory.findApiKey('keyhash1')).toEqual({ source });
    expect(await directory.findApiKey('keyhash0')).toEqual({ source, validUntil: '2026-01-02T00:00:00.000Z' });
  });

  it('rotates a key in one transaction conditioned on the key it read, recording the replaced one; it expires a week after it stops working', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'SRC#src_1', sk: 'SRC', ...source, currentKeyHash: 'keyhash0' } });
    ddb.on(TransactWriteCommand).resolves({});

    expect(await directory.rotateSourceKey('src_1', 'keyhash1', '2026-01-02T00:00:00.000Z')).toBe('rotated');

    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'SRC#src_1', sk: 'SRC' },
            UpdateExpression: 'SET currentKeyHash = :new, previousKeyHash = :old',
            ConditionExpression: 'currentKeyHash = :old',
            ExpressionAttributeValues: { ':new': 'keyhash1', ':old': 'keyhash0' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: TABLE,
            Item: { pk: 'APIKEY#keyhash1', sk: 'APIKEY', ...source },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'APIKEY#keyhash0', sk: 'APIKEY' },
            UpdateExpression: 'SET validUntil = :until, expiresAt = :expiresAt',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: {
              ':until': '2026-01-02T00:00:00.000Z',
              ':expiresAt': Date.UTC(2026, 0, 9) / 1000,
            },
          },
        },
      ],
    });
  });

  it('rotates the key of a source that had none with a condition on its absence', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'SRC#src_1', sk: 'SRC', ...source } });
    ddb.on(TransactWriteCommand).resolves({});

    await directory.rotateSourceKey('src_1', 'keyhash1', '2026-01-02T00:00:00.000Z');

    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(2);
    expect(items[0]!.Update).toMatchObject({
      ConditionExpression: 'attribute_not_exists(currentKeyHash)',
      ExpressionAttributeValues: { ':new': 'keyhash1' },
    });
  });

  it('answers conflict when another rotation changed the key first, and source_not_found without a source', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { pk: 'SRC#src_1', sk: 'SRC', ...source, currentKeyHash: 'keyhash0' } })
      .resolvesOnce({});
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('ConditionalCheckFailed', 'None', 'None'));

    expect(await directory.rotateSourceKey('src_1', 'keyhash1', '2026-01-02T00:00:00.000Z')).toBe('conflict');
    expect(await directory.rotateSourceKey('src_1', 'keyhash1', '2026-01-02T00:00:00.000Z')).toBe('source_not_found');
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('creates a destination with its sequence counter at 0, and its listing item in the same transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await directory.putDestination(destination);

    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems).toEqual([
      {
        Put: {
          TableName: TABLE,
          Item: { ...destinationKey, ...destination, lastSequence: 0 },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      { Put: { TableName: TABLE, Item: { pk: 'DESTINATIONS', sk: 'org_1#dst_1' } } },
    ]);
  });

  it('reads a destination without its counter and head lease; one registered before inline retries gets 2', async () => {
    const { inlineRetries: _inlineRetries, ...older } = destination;
    ddb.on(GetCommand).resolves({
      Item: {
        ...destinationKey,
        ...older,
        lastSequence: 3,
        sequenceHolder: 'trn_1_0',
        headHolder: 'prober',
        headHeldUntil: 1,
        spilled: 2,
      },
    });

    expect(await directory.getDestination('dst_1')).toEqual({ ...destination, inlineRetries: 2, spilled: 2 });
  });

  it('marks a destination provisioned with its queue and mapping, answering the updated destination', async () => {
    ddb.on(UpdateCommand).resolves({
      Attributes: {
        ...destinationKey,
        ...destination,
        status: 'active',
        queueUrl: 'q',
        queueArn: 'arn',
        mappingId: 'uuid',
        lastSequence: 0,
      },
    });

    const provisioned = await directory.markDestinationProvisioned('dst_1', {
      queueUrl: 'q',
      queueArn: 'arn',
      mappingId: 'uuid',
    });

    expect(provisioned).toEqual({
      ...destination,
      status: 'active',
      queueUrl: 'q',
      queueArn: 'arn',
      mappingId: 'uuid',
    });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: destinationKey,
      UpdateExpression: 'SET queueUrl = :queueUrl, queueArn = :queueArn, mappingId = :mappingId, #status = :status',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':queueUrl': 'q', ':queueArn': 'arn', ':mappingId': 'uuid', ':status': 'active' },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('removes a destination by its key, whatever its state, then its listing item', async () => {
    ddb
      .on(DeleteCommand)
      .resolvesOnce({ Attributes: { ...destinationKey, ...destination } })
      .resolves({});

    await directory.removeDestination('dst_1');
    await directory.removeDestination('dst_1');

    expect(ddb.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: TABLE, Key: destinationKey, ReturnValues: 'ALL_OLD' },
      { TableName: TABLE, Key: { pk: 'DESTINATIONS', sk: 'org_1#dst_1' } },
      // Already gone: nothing more to remove.
      { TableName: TABLE, Key: destinationKey, ReturnValues: 'ALL_OLD' },
    ]);
  });

  it('keeps subscriptions in their source’s partition and reads them all, page by page', async () => {
    const subscription = (id: string) => ({
      id,
      sourceId: 'src_1',
      destinationId: 'dst_1',
      dataModel: 'Results',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    ddb.on(TransactWriteCommand).resolves({});
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ pk: 'SRC#src_1', sk: 'SUB#sub_1', ...subscription('sub_1') }],
        LastEvaluatedKey: { pk: 'SRC#src_1', sk: 'SUB#sub_1' },
      })
      .resolvesOnce({ Items: [{ pk: 'SRC#src_1', sk: 'SUB#sub_2', ...subscription('sub_2') }] });

    await directory.putSubscription(subscription('sub_1'));
    const subscriptions = await directory.listSubscriptionsOfSource('src_1');

    expect(
      ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!.map((item) => item.Put!.Item),
    ).toEqual([
      { pk: 'SRC#src_1', sk: 'SUB#sub_1', ...subscription('sub_1') },
      { pk: 'SUBSCRIPTIONS', sk: 'sub_1', ...subscription('sub_1') },
      { ...subscriptionTermsKey(subscription('sub_1')), subscriptionId: 'sub_1' },
    ]);
    expect(subscriptions).toEqual([subscription('sub_1'), subscription('sub_2')]);
    expect(ddb.commandCalls(QueryCommand)[1]!.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'SRC#src_1', ':prefix': 'SUB#' },
      ExclusiveStartKey: { pk: 'SRC#src_1', sk: 'SUB#sub_1' },
      ConsistentRead: true,
    });
  });
});

describe('DynamoDirectory: deleting a destination', () => {
  const directory = new DynamoDirectory(client, TABLE);
  const start = { deletingAt: '2026-01-02T00:00:00.000Z', forced: false };

  beforeEach(() => ddb.reset());

  it('records it deleting in one transaction conditional on its status and, without force, an empty spill; it leaves the paused set', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    expect(await directory.recordDestinationDeleting('dst_1', 'paused', start)).toBe(true);

    const [update, paused] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(update!.Update).toMatchObject({
      Key: destinationKey,
      UpdateExpression: 'SET #status = :deleting, deletingAt = :at, forced = :forced REMOVE #pause',
      ConditionExpression: '#status = :from AND (attribute_not_exists(spilled) OR spilled = :zero)',
      ExpressionAttributeValues: { ':from': 'paused', ':deleting': 'deleting', ':at': start.deletingAt, ':zero': 0 },
    });
    expect(paused!.Delete).toEqual({ TableName: TABLE, Key: { pk: 'PAUSED', sk: 'dst_1' } });
  });

  it('recognises its own earlier attempt (same deletingAt); a status changed by another writer is refused', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        transactionCanceled(refused({ ...destinationKey, status: 'deleting', deletingAt: start.deletingAt }), 'None'),
      )
      .rejectsOnce(transactionCanceled(refused({ ...destinationKey, status: 'paused' }), 'None'));

    expect(await directory.recordDestinationDeleting('dst_1', 'active', start)).toBe(true);
    expect(await directory.recordDestinationDeleting('dst_1', 'active', start)).toBe(false);
  });

  it('marks it deleted without its secret, client certificates or head lease; an already deleted one is left as it is', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    await directory.recordDestinationDeleted('dst_1', '2026-01-02T00:00:01.000Z');
    await directory.recordDestinationDeleted('dst_1', '2026-01-02T00:00:02.000Z');

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      UpdateExpression:
        'SET #status = :deleted, deletedAt = :at REMOVE signingSecret, clientCertificate, previousClientCertificate, headHolder, headHeldUntil',
      ConditionExpression: '#status = :deleting',
    });
  });

  it('finds its subscriptions in the subscription listing, strongly consistent, and deletes each with its listing and terms items', async () => {
    const subscription = (id: string, sourceId: string, destinationId: string) => ({
      pk: 'SUBSCRIPTIONS',
      sk: id,
      id,
      sourceId,
      destinationId,
      dataModel: 'Results',
      createdAt: '',
    });
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [subscription('sub_1', 'src_1', 'dst_1'), subscription('sub_x', 'src_1', 'dst_other')],
        LastEvaluatedKey: { pk: 'SUBSCRIPTIONS', sk: 'sub_x' },
      })
      .resolvesOnce({ Items: [subscription('sub_2', 'src_2', 'dst_1')] });
    ddb.on(TransactWriteCommand).resolves({});

    const removed = await directory.removeSubscriptionsOfDestination('dst_1');

    expect(removed.map((s) => s.id)).toEqual(['sub_1', 'sub_2']);
    const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries.every((query) => query.ConsistentRead === true)).toBe(true);
    expect(queries[0]!.ExpressionAttributeValues).toMatchObject({ ':pk': 'SUBSCRIPTIONS' });
    const deleted = ddb
      .commandCalls(TransactWriteCommand)
      .flatMap((call) => call.args[0].input.TransactItems!.map((item) => item.Delete!.Key));
    expect(deleted).toEqual([
      { pk: 'SRC#src_1', sk: 'SUB#sub_1' },
      { pk: 'SUBSCRIPTIONS', sk: 'sub_1' },
      subscriptionTermsKey({ sourceId: 'src_1', destinationId: 'dst_1', dataModel: 'Results' }),
      { pk: 'SRC#src_2', sk: 'SUB#sub_2' },
      { pk: 'SUBSCRIPTIONS', sk: 'sub_2' },
      subscriptionTermsKey({ sourceId: 'src_2', destinationId: 'dst_1', dataModel: 'Results' }),
    ]);
  });
});
