import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDestinationVerifications } from '../../../../../lambdas/shared/adapters/dynamodb/destination-verification';
import { client, clock, conditionFailed, ddb, NOW, refused, TABLE, transactionCanceled } from './mock-table';

const stored = (status: string, extra: Record<string, unknown> = {}) => ({
  pk: 'DST#dst_1',
  sk: 'DST',
  id: 'dst_1',
  organizationId: 'org_1',
  name: 'Lab',
  url: 'https://lab.example/hook',
  timeoutMs: 5000,
  inlineRetries: 1,
  signingSecret: 'whsec_x',
  createdAt: '',
  queueUrl: 'q',
  queueArn: 'arn',
  mappingId: 'm',
  lastSequence: 0,
  verify: true,
  status,
  ...extra,
});

/** The items of the one transaction written. */
const transactionItems = () => {
  const calls = ddb.commandCalls(TransactWriteCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input.TransactItems!;
};

describe('DynamoDestinationVerifications', () => {
  const verifications = new DynamoDestinationVerifications(client, TABLE, clock);
  beforeEach(() => ddb.reset());

  it('records a provisioned destination unverified with its mapping to be disabled, in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(GetCommand).resolves({ Item: stored('unverified') });

    const destination = await verifications.markProvisionedUnverified('dst_1', {
      queueUrl: 'q',
      queueArn: 'arn',
      mappingId: 'm',
    });

    expect(destination).toMatchObject({ id: 'dst_1', status: 'unverified', queueUrl: 'q' });
    expect(destination).not.toHaveProperty('lastSequence');
    const [update, work] = transactionItems();
    expect(update?.Update).toMatchObject({
      Key: { pk: 'DST#dst_1', sk: 'DST' },
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':status': 'unverified', ':mappingId': 'm' },
    });
    expect(work?.Put?.Item).toMatchObject({
      pk: 'MAPPINGS',
      sk: 'dst_1',
      desired: 'disabled',
      reason: 'status',
      since: NOW.toISOString(),
    });
  });

  it('makes it active only while unverified with the URL challenged, its mapping to be enabled', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    expect(await verifications.recordVerified('dst_1', 'https://lab.example/hook')).toBe(true);

    const [update, work] = transactionItems();
    expect(update?.Update).toMatchObject({
      UpdateExpression: 'SET #status = :active REMOVE verification',
      ConditionExpression: '#status = :unverified AND #url = :url',
      ExpressionAttributeValues: { ':url': 'https://lab.example/hook' },
    });
    expect(work?.Put?.Item).toMatchObject({ desired: 'enabled' });
  });

  it('recognises its own earlier verification (answer lost), and refuses one whose URL changed', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCanceled(refused(stored('active')), 'None'))
      .rejectsOnce(transactionCanceled(refused(stored('unverified', { url: 'https://new.example/hook' })), 'None'));

    expect(await verifications.recordVerified('dst_1', 'https://lab.example/hook')).toBe(true);
    expect(await verifications.recordVerified('dst_1', 'https://lab.example/hook')).toBe(false);
  });

  it('records a failed challenge only while unverified with that URL', async () => {
    const attempt = { lastAttemptAt: NOW.toISOString(), lastError: 'http_error 404' };
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    expect(await verifications.recordVerificationFailed('dst_1', 'https://lab.example/hook', attempt)).toBe(true);
    expect(await verifications.recordVerificationFailed('dst_1', 'https://lab.example/hook', attempt)).toBe(false);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      UpdateExpression: 'SET verification = :attempt',
      ExpressionAttributeValues: { ':attempt': attempt },
    });
  });

  it('changes settings and makes it unverified from the status read, removing a limit set to null', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(GetCommand).resolves({ Item: stored('unverified', { url: 'https://new.example/hook' }) });

    const changed = await verifications.changeSettingsUnverified(
      'dst_1',
      { url: 'https://new.example/hook', maxPerSecond: null },
      'active',
    );

    expect(changed).toMatchObject({ status: 'unverified', url: 'https://new.example/hook' });
    const [update, work] = transactionItems();
    expect(update?.Update).toMatchObject({
      UpdateExpression: 'SET #url = :url, #status = :unverified REMOVE verification, #maxPerSecond',
      ConditionExpression: '#status = :from',
      ExpressionAttributeValues: { ':from': 'active', ':url': 'https://new.example/hook' },
    });
    expect(work?.Put?.Item).toMatchObject({ desired: 'disabled' });
  });

  it('answers undefined when the status is no longer the one read', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCanceled(refused(stored('paused')), 'None'));

    expect(await verifications.changeSettingsUnverified('dst_1', { url: 'https://new.example/hook' }, 'active')).toBe(
      undefined,
    );
    expect(ddb.commandCalls(GetCommand)).toEqual([]);
  });
});
