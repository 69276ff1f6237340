import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDestinationState } from '../../../../../lambdas/shared/adapters/dynamodb/destination-state';
import type { OutboxEmail } from '../../../../../lambdas/shared/domain/model';
import { firstEpisode, pauseOf } from './pause-fixtures';
import { client, clock, conditionFailed, ddb, NOW, NOW_MS, refused, TABLE, transactionCanceled } from './mock-table';

const pause = pauseOf();
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
const episode = firstEpisode;
/** A Resumed email waiting out its settling time, and the key a pause within it withdraws it by. */
const pendingResumed = { id: 'mail_0', createdAt: '2025-12-31T23:59:00.000Z', notBefore: '2026-01-01T00:04:00.000Z' };
const resumedAlert: OutboxEmail = {
  ...pendingResumed,
  to: 'ops@example.org',
  subject: '[Conveyor] Resumed: Lab',
  body: 'text',
  destinationId: 'dst_1',
};

const destinationItem = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
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
  ...extra,
});

describe('DynamoDestinationState', () => {
  const state = new DynamoDestinationState(client, TABLE, clock);

  beforeEach(() => ddb.reset());
  afterEach(() => jest.restoreAllMocks());

  it('records a pause in one transaction: the status from active over the episode as read, the alert (put once), the PAUSED set, the paused head and the mapping worklist', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const recorded = await state.recordPause('dst_1', pause, { readVersion: 'v1', episode, alert });

    expect(recorded).toBe('recorded');
    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'DST#dst_1', sk: 'DST' },
            UpdateExpression: 'SET #status = :to, #pause = :pause, #episode = :episode',
            ConditionExpression: '#status = :from AND #episode.#version = :readVersion',
            ExpressionAttributeNames: {
              '#status': 'status',
              '#pause': 'pause',
              '#episode': 'episode',
              '#version': 'version',
            },
            ExpressionAttributeValues: {
              ':from': 'active',
              ':to': 'paused',
              ':pause': pause,
              ':episode': episode,
              ':readVersion': 'v1',
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
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
        // On the mapping worklist, for the reconciler to disable the mapping of this pause.
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

  it('records the first pause of a destination only while it has no episode, and a continued episode without an alert but withdrawing its Resumed email (unless claimed)', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await state.recordPause('dst_1', pause, { readVersion: undefined, episode });
    await state.recordPause('dst_1', pause, { readVersion: 'v1', episode, withdraw: pendingResumed });

    const [first, continued] = ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);
    expect(first![0]!.Update).toMatchObject({
      ConditionExpression: '#status = :from AND attribute_not_exists(#episode)',
      ExpressionAttributeNames: { '#status': 'status', '#pause': 'pause', '#episode': 'episode' },
    });
    // No alert: the PAUSED set comes second.
    expect(first![1]).toEqual({ Put: { TableName: TABLE, Item: { pk: 'PAUSED', sk: 'dst_1' } } });
    expect(first).toHaveLength(4);
    expect(continued).toHaveLength(5);
    expect(continued![4]).toEqual({
      Delete: {
        TableName: TABLE,
        Key: { pk: 'OUTBOX', sk: '2026-01-01T00:04:00.000Z#mail_0' },
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(claimedUntil)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  });

  it('answers not_active when the destination was already paused, episode_changed when it is active with another episode', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        transactionCanceled(
          refused(destinationItem('dst_1', 'paused', { pause, episode: { ...episode, version: 'other' } })),
          'None',
          'None',
          'None',
        ),
      )
      .rejectsOnce(
        transactionCanceled(
          refused(destinationItem('dst_1', 'active', { episode: { ...episode, version: 'v9' } })),
          'None',
          'None',
          'None',
        ),
      )
      .rejectsOnce(transactionCanceled(refused({}), 'None', 'None', 'None'));

    expect(await state.recordPause('dst_1', pause, { readVersion: 'v1', episode })).toBe('not_active');
    expect(await state.recordPause('dst_1', pause, { readVersion: 'v1', episode })).toBe('episode_changed');
    // Gone (deleted): not active either.
    expect(await state.recordPause('dst_1', pause, { readVersion: 'v1', episode })).toBe('not_active');
  });

  it('recognises its own pause: a retry that finds its episode version on the destination answers recorded', async () => {
    // The first attempt was applied and its answer lost: the status is paused with this episode, its alert is there.
    const found = [
      refused(destinationItem('dst_1', 'paused', { pause, episode })),
      refused({ ...outboxPut.Put.Item, claimedUntil: NOW_MS }),
    ];
    ddb.on(TransactWriteCommand).rejects(transactionCanceled(found[0]!, found[1]!, 'None', 'None', 'None'));

    expect(await state.recordPause('dst_1', pause, { readVersion: 'v1', episode, alert })).toBe('recorded');
  });

  it('answers resumed_alert_sending when the Resumed email to withdraw is claimed by a sender (or gone): nothing written', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(
        transactionCanceled(
          'None',
          'None',
          'None',
          'None',
          refused({ ...resumedAlert, pk: 'OUTBOX', sk: 'x', claimedUntil: NOW_MS + 60_000 }),
        ),
      );

    expect(await state.recordPause('dst_1', pause, { readVersion: 'v1', episode, withdraw: pendingResumed })).toBe(
      'resumed_alert_sending',
    );
  });

  it('retries a pause cancelled by a transaction conflict (on the head’s message item), then records it', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCanceled('None', 'None', 'None', 'TransactionConflict', 'None'))
      .resolves({});

    expect(await state.recordPause('dst_1', pause, { readVersion: 'v1', episode, alert })).toBe('recorded');
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('throws when another item of the pause refused it (the head transmission is missing, or no longer waiting)', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCanceled('None', 'None', 'None', 'ConditionalCheckFailed', 'None'));

    await expect(state.recordPause('dst_1', pause, { readVersion: 'v1', episode, alert })).rejects.toThrow(
      'Transaction cancelled',
    );
  });

  it('recognises its own resume: a retry that finds its episode version answers true, another resume’s false', async () => {
    const resumed = { ...episode, version: 'v3', resumedAt: NOW.toISOString(), pendingResumed };
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        transactionCanceled(
          refused(destinationItem('dst_1', 'active', { episode: resumed })),
          refused({ ...resumedAlert, pk: 'OUTBOX', sk: 'x' }),
          'None',
          'None',
        ),
      )
      .rejectsOnce(
        transactionCanceled(
          refused(destinationItem('dst_1', 'active', { episode: { ...resumed, version: 'v4' } })),
          'None',
          'None',
          'None',
        ),
      );

    expect(await state.recordResume('dst_1', { episode: resumed, alert: resumedAlert })).toBe(true);
    expect(await state.recordResume('dst_1', { episode: resumed, alert: resumedAlert })).toBe(false);
  });

  it('records a resume in one transaction: the status from paused, the pause removed, the episode, the Resumed email keyed by when it is due, out of the PAUSED set, on the mapping worklist', async () => {
    const resumed = { ...episode, version: 'v3', resumedAt: NOW.toISOString(), pendingResumed };
    ddb.on(TransactWriteCommand).resolves({});

    expect(await state.recordResume('dst_1', { episode: resumed, alert: resumedAlert })).toBe(true);
    expect(await state.recordResume('dst_1', { episode: resumed })).toBe(true);

    const [withAlert, without] = ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input);
    expect(withAlert).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'DST#dst_1', sk: 'DST' },
            UpdateExpression: 'SET #status = :to, #episode = :episode REMOVE #pause',
            ConditionExpression: '#status = :from',
            ExpressionAttributeNames: { '#status': 'status', '#pause': 'pause', '#episode': 'episode' },
            ExpressionAttributeValues: { ':from': 'paused', ':to': 'active', ':episode': resumed },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: TABLE,
            // Keyed by when it is due: every email due now sorts before it.
            Item: { pk: 'OUTBOX', sk: '2026-01-01T00:04:00.000Z#mail_0', ...resumedAlert },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
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
    // An unannounced episode's resume writes no email.
    expect(without!.TransactItems).toHaveLength(3);
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
