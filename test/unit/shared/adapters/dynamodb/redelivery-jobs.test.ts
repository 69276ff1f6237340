import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRedeliveryStore } from '../../../../../lambdas/shared/adapters/dynamodb/redelivery-jobs';
import { client, clock, conditionFailed, ddb, NOW_MS, TABLE } from './mock-table';

const messageItem = (transmission: Record<string, unknown>) => ({
  pk: 'MSG#msg_1',
  sk: 'MSG',
  state: 'committed',
  id: 'msg_1',
  transmissions: { trn_a: { destinationId: 'dst_1', index: 0, attempts: 1, ...transmission } },
});

describe('DynamoRedeliveryStore', () => {
  const store = new DynamoRedeliveryStore(client, TABLE, clock);

  beforeEach(() => ddb.reset());

  describe('prepareRedelivery', () => {
    it('moves a delivered transmission to queued at its next generation, leaving the redelivery’s token', async () => {
      ddb.on(UpdateCommand).resolves({ Attributes: messageItem({ status: 'queued', generation: 1 }) });

      expect(await store.prepareRedelivery('msg_1', 'trn_a', 'redelivery:rdl_1')).toEqual({
        outcome: 'prepared',
        generation: 1,
        status: 'queued',
      });
      expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
        Key: { pk: 'MSG#msg_1', sk: 'MSG' },
        ConditionExpression:
          'transmissions.#t.#status = :delivered AND ' +
          '(attribute_not_exists(transmissions.#t.replayToken) OR transmissions.#t.replayToken <> :token)',
        ExpressionAttributeValues: expect.objectContaining({ ':token': 'redelivery:rdl_1' }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    });

    it('recognises its own earlier move (an applied write whose answer was lost, or a crashed turn): the same generation, where it stands now', async () => {
      ddb
        .on(UpdateCommand)
        .rejectsOnce(conditionFailed(messageItem({ status: 'queued', generation: 2, replayToken: 'redelivery:rdl_1' })))
        .rejectsOnce(
          conditionFailed(messageItem({ status: 'delivered', generation: 2, replayToken: 'redelivery:rdl_1' })),
        );

      expect(await store.prepareRedelivery('msg_1', 'trn_a', 'redelivery:rdl_1')).toEqual({
        outcome: 'prepared_earlier',
        generation: 2,
        status: 'queued',
      });
      expect(await store.prepareRedelivery('msg_1', 'trn_a', 'redelivery:rdl_1')).toEqual({
        outcome: 'prepared_earlier',
        generation: 2,
        status: 'delivered',
      });
    });

    it('leaves a transmission that is not delivered, or moved by another redelivery and not delivered again', async () => {
      ddb
        .on(UpdateCommand)
        .rejectsOnce(conditionFailed(messageItem({ status: 'paused' })))
        .rejectsOnce(
          conditionFailed(messageItem({ status: 'queued', generation: 1, replayToken: 'redelivery:rdl_0' })),
        );

      expect(await store.prepareRedelivery('msg_1', 'trn_a', 'redelivery:rdl_1')).toEqual({
        outcome: 'not_delivered',
        status: 'paused',
      });
      expect(await store.prepareRedelivery('msg_1', 'trn_a', 'redelivery:rdl_1')).toEqual({
        outcome: 'not_delivered',
        status: 'queued',
      });
    });

    it('throws for a transmission its message does not have', async () => {
      ddb.on(UpdateCommand).rejects(conditionFailed({ pk: 'MSG#msg_1', sk: 'MSG', transmissions: {} }));
      await expect(store.prepareRedelivery('msg_1', 'trn_a', 'redelivery:rdl_1')).rejects.toThrow(
        'Message msg_1 has no transmission trn_a',
      );
    });
  });

  describe('firstSequenceArrivedFrom', () => {
    /** An arrival log with gaps (skipped numbers), one entry a minute from 10:00. */
    const log = [1, 2, 4, 5, 6, 9, 10, 11, 12, 15].map((sequence, index) => ({
      pk: 'ARR#dst_1',
      sk: String(sequence).padStart(12, '0'),
      sequence,
      arrivedAt: `2026-01-01T10:${String(index).padStart(2, '0')}:00.000Z`,
      transmissionId: `trn_${sequence}`,
      messageId: `msg_${sequence}`,
      attempts: 1,
    }));
    const serveLog = () =>
      ddb.on(QueryCommand).callsFake((input) => {
        const from = input.ExpressionAttributeValues[':from'] as string;
        const upTo = input.ExpressionAttributeValues[':upTo'] as string;
        return { Items: log.filter((item) => item.sk >= from && item.sk <= upTo).slice(0, input.Limit) };
      });

    // Numbers in a gap hold no arrival: any start after the last earlier entry and at or before the
    // first later one reads the same arrivals.
    it.each([
      ['2026-01-01T09:00:00.000Z', 0, 1],
      ['2026-01-01T10:00:00.000Z', 0, 1],
      ['2026-01-01T10:02:30.000Z', 4, 5],
      ['2026-01-01T10:05:00.000Z', 6, 9],
      ['2026-01-01T10:09:00.000Z', 12, 15],
      ['2026-01-01T10:09:00.001Z', 15, 16],
    ])('finds where arrivals at or after %s begin: after %p, at or before %p', async (time, after, atOrBefore) => {
      serveLog();
      const start = await store.firstSequenceArrivedFrom('dst_1', time, 15);
      expect(start).toBeGreaterThan(after);
      expect(start).toBeLessThanOrEqual(atOrBefore);
    });

    it('looks no further than the last sequence it is given', async () => {
      serveLog();
      expect(await store.firstSequenceArrivedFrom('dst_1', '2026-01-01T10:07:00.000Z', 10)).toBe(11);
      expect(await store.firstSequenceArrivedFrom('dst_1', '2026-01-01T10:00:00.000Z', 0)).toBe(1);
    });

    it('reads about log2(n) one-entry pages, strongly consistent', async () => {
      serveLog();
      await store.firstSequenceArrivedFrom('dst_1', '2026-01-01T10:04:00.000Z', 15);
      const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
      expect(queries.length).toBeLessThanOrEqual(5);
      for (const query of queries) expect(query).toMatchObject({ Limit: 1, ConsistentRead: true });
    });
  });

  describe('leases', () => {
    it('creates a redelivery held by its creator, and takes one only when free, run out or already its own', async () => {
      ddb.on(PutCommand).resolves({});
      ddb
        .on(UpdateCommand)
        .resolvesOnce({})
        .rejectsOnce(conditionFailed({ pk: 'REDELIVERIES', sk: 'rdl_1', holder: 'admin:a', heldUntil: NOW_MS + 1 }))
        .rejectsOnce(conditionFailed({ pk: 'REDELIVERIES', sk: 'rdl_1', holder: 'prober:b', heldUntil: NOW_MS + 1 }));
      await store.create(
        {
          id: 'rdl_1',
          destinationId: 'dst_1',
          since: '2026-01-01T09:00:00.000Z',
          until: '2026-01-01T10:00:00.000Z',
          lastSequence: 15,
          nextSequence: 3,
          count: 7,
          enqueued: 0,
          createdAt: '2026-01-01T10:00:00.000Z',
        },
        'admin:a',
        60_000,
      );
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
        pk: 'REDELIVERIES',
        sk: 'rdl_1',
        holder: 'admin:a',
        heldUntil: NOW_MS + 60_000,
        nextSequence: 3,
      });

      expect(await store.take('rdl_1', 'prober:b', 60_000)).toBe(true);
      expect(await store.take('rdl_1', 'prober:b', 60_000)).toBe(false);
      // A retry of an applied take finds its own holder.
      expect(await store.take('rdl_1', 'prober:b', 60_000)).toBe(true);
    });

    it('records a page only while holding the lease', async () => {
      ddb
        .on(UpdateCommand)
        .rejectsOnce(conditionFailed({ pk: 'REDELIVERIES', sk: 'rdl_1', holder: 'prober:c', nextSequence: 3 }));
      expect(await store.advance('rdl_1', 'prober:b', 53, 50)).toBe(false);
      expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
        ConditionExpression: 'attribute_exists(pk) AND holder = :holder AND heldUntil >= :now',
        ExpressionAttributeValues: { ':holder': 'prober:b', ':now': NOW_MS, ':next': 53, ':enqueued': 50 },
      });
    });
  });
});
