import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDestinationState } from '../../../../../lambdas/shared/adapters/dynamodb/destination-state';
import type { OutboxEmail, Pause } from '../../../../../lambdas/shared/domain/model';
import { client, clock, conditionFailed, ddb, NOW, NOW_MS, refused, TABLE, transactionCanceled } from './mock-table';

const pause: Pause = {
  pausedAt: '2026-01-01T00:00:00.000Z',
  reason: 'HTTP 503',
  fault: 'destination',
  alertedOrganizationId: 'org_1',
  headTransmissionId: 'trn_1',
  headMessageId: 'msg_1',
  probeStep: 0,
  nextRetryAt: '2026-01-01T00:01:00.000Z',
};
const alert: OutboxEmail = {
  id: 'mail_1',
  to: 'ops@example.org',
  subject: '[Conveyor] Paused: Lab',
  body: 'text',
  destinationId: 'dst_1',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const outboxPut = {
  Put: {
    TableName: TABLE,
    Item: { pk: 'OUTBOX', sk: '2026-01-01T00:00:00.000Z#mail_1', ...alert },
    ConditionExpression: 'attribute_not_exists(pk)',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
};

const destinationItem = (id: string, status: string) => ({
  pk: `DST#${id}`,
  sk: 'DST',
  id,
  organizationId: 'org_1',
  name: 'Lab',
  url: 'https://lab.example.org/hook',
  timeoutMs: 5000,
  signingSecret: 'whsec_x',
  status,
  createdAt: '2026-01-01T00:00:00.000Z',
  inlineRetries: 1,
  lastSequence: 7,
  sequenceHolder: 'trn_0_0',
  headHolder: 'prober',
  headHeldUntil: NOW_MS,
});

describe('DynamoDestinationState', () => {
  const state = new DynamoDestinationState(client, TABLE, clock);

  beforeEach(() => ddb.reset());
  afterEach(() => jest.restoreAllMocks());

  it('records a pause in one transaction: the status from active, the alert (put once), the PAUSED set, the paused head and the mapping worklist', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const recorded = await state.recordPause('dst_1', pause, alert);

    expect(recorded).toBe(true);
    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'DST#dst_1', sk: 'DST' },
            UpdateExpression: 'SET #status = :to, #pause = :pause',
            ConditionExpression: '#status = :from',
            ExpressionAttributeNames: { '#status': 'status', '#pause': 'pause' },
            ExpressionAttributeValues: { ':from': 'active', ':to': 'paused', ':pause': pause },
          },
        },
        outboxPut,
        { Put: { TableName: TABLE, Item: { pk: 'PAUSED', sk: 'dst_1' } } },
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'MSG#msg_1', sk: 'MSG' },
            UpdateExpression: 'SET transmissions.#t.#status = :paused',
            // Only a head still waiting: one delivered (or skipped) meanwhile is never marked paused.
            ConditionExpression: 'transmissions.#t.#status IN (:queued, :paused)',
            ExpressionAttributeNames: { '#t': 'trn_1', '#status': 'status' },
            ExpressionAttributeValues: { ':paused': 'paused', ':queued': 'queued' },
          },
        },
        // On the mapping worklist, for the reconciler to disable the mapping of this episode.
        {
          Put: {
            TableName: TABLE,
            Item: {
              pk: 'MAPPINGS',
              sk: 'dst_1',
              destinationId: 'dst_1',
              reason: 'status',
              desired: 'disabled',
              episode: pause.pausedAt,
              since: NOW.toISOString(),
              version: expect.any(String),
            },
          },
        },
      ],
    });
  });

  it('answers false when the destination was already paused (its status condition failed)', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('ConditionalCheckFailed', 'None', 'None', 'None'));

    expect(await state.recordPause('dst_1', pause, alert)).toBe(false);
  });

  it('recognises its own pause: a retry that finds its alert in the outbox answers true', async () => {
    // The first attempt was applied and its answer lost: the status is paused and the alert (a unique id) is there.
    const found = [
      refused({ ...destinationItem('dst_1', 'paused'), pause }),
      refused({ ...outboxPut.Put.Item, claimedUntil: NOW_MS }),
    ];
    ddb.on(TransactWriteCommand).rejects(transactionCanceled(found[0]!, found[1]!, 'None', 'None'));

    expect(await state.recordPause('dst_1', pause, alert)).toBe(true);
  });

  it('answers false when another pause put its own alert (the status condition failed, this alert is not there)', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(transactionCanceled(refused({ ...destinationItem('dst_1', 'paused'), pause }), 'None', 'None', 'None'));

    expect(await state.recordPause('dst_1', pause, alert)).toBe(false);
  });

  it('retries a pause cancelled by a transaction conflict (on the head’s message item), then records it', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCanceled('None', 'None', 'None', 'TransactionConflict'))
      .resolves({});

    expect(await state.recordPause('dst_1', pause, alert)).toBe(true);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('recognises its own resume: a retry that finds its recovery alert in the outbox answers true', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        transactionCanceled(refused(destinationItem('dst_1', 'active')), refused(outboxPut.Put.Item), 'None'),
      )
      .rejectsOnce(transactionCanceled(refused(destinationItem('dst_1', 'active')), 'None', 'None'));

    expect(await state.recordResume('dst_1', alert)).toBe(true);
    expect(await state.recordResume('dst_1', alert)).toBe(false);
  });

  it('throws when another item of the pause refused it (the head transmission is missing, or no longer waiting)', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('None', 'None', 'None', 'ConditionalCheckFailed'));

    await expect(state.recordPause('dst_1', pause, alert)).rejects.toThrow('Transaction cancelled');
  });

  it('records a resume in one transaction: the status from paused, the pause removed, the alert (put once), out of the PAUSED set, on the mapping worklist', async () => {
    ddb
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejectsOnce(transactionCanceled('ConditionalCheckFailed', 'None', 'None'));

    expect(await state.recordResume('dst_1', alert)).toBe(true);
    expect(await state.recordResume('dst_1', alert)).toBe(false);

    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'DST#dst_1', sk: 'DST' },
            UpdateExpression: 'SET #status = :to REMOVE #pause',
            ConditionExpression: '#status = :from',
            ExpressionAttributeNames: { '#status': 'status', '#pause': 'pause' },
            ExpressionAttributeValues: { ':from': 'paused', ':to': 'active' },
          },
        },
        outboxPut,
        { Delete: { TableName: TABLE, Key: { pk: 'PAUSED', sk: 'dst_1' } } },
        // On the mapping worklist, for the reconciler to enable the mapping.
        {
          Put: {
            TableName: TABLE,
            Item: {
              pk: 'MAPPINGS',
              sk: 'dst_1',
              destinationId: 'dst_1',
              reason: 'status',
              desired: 'enabled',
              since: NOW.toISOString(),
              version: expect.any(String),
            },
          },
        },
      ],
    });
  });

  it('sets only the given fields of the pause, and only while paused', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());

    await state.recordPauseChange('dst_1', {
      probeStep: 3,
      nextRetryAt: '2026-01-01T00:10:00.000Z',
      reason: undefined,
    });

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'DST#dst_1', sk: 'DST' },
      UpdateExpression: 'SET #pause.#probeStep = :probeStep, #pause.#nextRetryAt = :nextRetryAt',
      ConditionExpression: '#status = :paused',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#pause': 'pause',
        '#probeStep': 'probeStep',
        '#nextRetryAt': 'nextRetryAt',
      },
      ExpressionAttributeValues: { ':paused': 'paused', ':probeStep': 3, ':nextRetryAt': '2026-01-01T00:10:00.000Z' },
    });
  });

  it('writes nothing for a change without fields', async () => {
    await state.recordPauseChange('dst_1', {});

    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });

  it('holds the head for the lease from the clock, when free, expired or already held by the same holder', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    expect(await state.holdHead('dst_1', 'prober-1', 30_000)).toBe(true);
    expect(await state.holdHead('dst_1', 'prober-2', 30_000)).toBe(false);

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'DST#dst_1', sk: 'DST' },
      UpdateExpression: 'SET headHolder = :holder, headHeldUntil = :until',
      ConditionExpression:
        'attribute_exists(pk) AND (attribute_not_exists(headHeldUntil) OR headHeldUntil < :now OR headHolder = :holder)',
      ExpressionAttributeValues: { ':holder': 'prober-1', ':until': NOW_MS + 30_000, ':now': NOW_MS },
    });
  });

  it('throws when holding the head fails for another reason than the lease', async () => {
    ddb.on(UpdateCommand).rejects(new Error('throttled'));

    await expect(state.holdHead('dst_1', 'prober-1', 30_000)).rejects.toThrow('throttled');
  });

  it('releases the head only for its holder, and shrugs when someone else holds it', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());

    await state.releaseHead('dst_1', 'prober-1');

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'DST#dst_1', sk: 'DST' },
      UpdateExpression: 'REMOVE headHolder, headHeldUntil',
      ConditionExpression: 'headHolder = :holder',
      ExpressionAttributeValues: { ':holder': 'prober-1' },
    });
  });

  it('lists the destinations of the PAUSED set that are still paused, without their counter and lease', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'PAUSED', sk: 'dst_1' }], LastEvaluatedKey: { pk: 'PAUSED', sk: 'dst_1' } })
      .resolvesOnce({
        Items: [
          { pk: 'PAUSED', sk: 'dst_2' },
          { pk: 'PAUSED', sk: 'dst_3' },
        ],
      });
    ddb
      .on(GetCommand, { Key: { pk: 'DST#dst_1', sk: 'DST' } })
      .resolves({ Item: { ...destinationItem('dst_1', 'paused'), pause } });
    ddb.on(GetCommand, { Key: { pk: 'DST#dst_2', sk: 'DST' } }).resolves({ Item: destinationItem('dst_2', 'active') });
    ddb.on(GetCommand, { Key: { pk: 'DST#dst_3', sk: 'DST' } }).resolves({});

    const paused = await state.listPausedDestinations();

    expect(paused).toEqual([
      {
        id: 'dst_1',
        organizationId: 'org_1',
        name: 'Lab',
        url: 'https://lab.example.org/hook',
        timeoutMs: 5000,
        signingSecret: 'whsec_x',
        status: 'paused',
        createdAt: '2026-01-01T00:00:00.000Z',
        inlineRetries: 1,
        pause,
      },
    ]);
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'PAUSED' },
        ExclusiveStartKey: undefined,
      },
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'PAUSED' },
        ExclusiveStartKey: { pk: 'PAUSED', sk: 'dst_1' },
      },
    ]);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: TABLE,
      Key: { pk: 'DST#dst_1', sk: 'DST' },
      ConsistentRead: true,
    });
  });
});
