import type { Context, SQSEvent } from 'aws-lambda';
import { deleteDestination } from '../../../lambdas/admin/delete-destination';
import { describeDestination } from '../../../lambdas/admin/directory-admin';
import { resumeNow, skipHead } from '../../../lambdas/admin/operator-controls';
import { deliverBatch } from '../../../lambdas/delivery/deliver-batch';
import { getMessage } from '../../../lambdas/ingest/get-message';
import type { ApiError } from '../../../lambdas/shared/domain/errors';
import type { Destination, Message, Source, Subscription } from '../../../lambdas/shared/domain/model';
import type { EventSourceMappings } from '../../../lambdas/shared/ports/queues';
import { reconcileMappings } from '../../../lambdas/shared/mappings/reconcile-mappings';
import { pauseDestination } from '../../../lambdas/shared/pauses/pause';
import { probeDestination } from '../../../lambdas/shared/pauses/probe';
import { probeDueDestinations } from '../../../lambdas/shared/pauses/prober-pass';
import { setUp } from '../../fixtures/pause-harness';
import { activeDestination, type AdminFixture, adminPorts, enqueue, organization, pauseOn } from './admin-ports';

const statusOf = async (fixture: AdminFixture, id: string) => (await fixture.directory.getDestination(id))?.status;

/** The API error `promise` rejects with; fails the test when it resolves. */
const apiErrorOf = async (promise: Promise<unknown>): Promise<ApiError> => {
  try {
    await promise;
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('Expected a rejection, but it resolved');
};

const source: Source = { id: 'src_1', organizationId: organization.id, name: 'EHR', createdAt: '' };

const subscriptionTo = (destinationId: string): Subscription => ({
  id: `sub_${destinationId}`,
  sourceId: 'src_1',
  destinationId,
  dataModel: 'Results',
  createdAt: '',
});

describe('deleteDestination', () => {
  it('deletes an empty destination: mapping, queue and subscriptions gone, a tombstone without its secret left', async () => {
    const fixture = adminPorts();
    const { ports, directory, queues, mappings } = fixture;
    const destination = await activeDestination(fixture);
    await directory.putSubscription(subscriptionTo(destination.id));
    await directory.putSubscription(subscriptionTo('dst_other'));

    await deleteDestination(destination.id, {}, ports);

    const tombstone = await directory.getDestination(destination.id);
    expect(tombstone).toMatchObject({ status: 'deleted', forced: false });
    expect(tombstone?.signingSecret).toBeUndefined();
    expect(queues.queues.has(destination.queueUrl)).toBe(false);
    expect(mappings.mappings.has(destination.mappingId)).toBe(false);
    expect([...directory.subscriptionsById.values()].map((s) => s.destinationId)).toEqual(['dst_other']);
    // 404 everywhere afterwards, a repeated DELETE included.
    for (const call of [
      () => describeDestination(destination.id, ports),
      () => resumeNow(destination.id, ports),
      () => skipHead(destination.id, ports),
      () => deleteDestination(destination.id, {}, ports),
    ]) {
      expect(await apiErrorOf(call())).toMatchObject({ statusCode: 404, code: 'destination_not_found' });
    }
  });

  it('refuses a destination with entries waiting with 409 destination_not_empty, and changes nothing', async () => {
    const fixture = adminPorts();
    const { ports, directory, queues, mappings } = fixture;
    const destination = await activeDestination(fixture);
    await enqueue(fixture, destination);
    await directory.putSubscription(subscriptionTo(destination.id));
    const callsBefore = [...mappings.calls];

    const error = await apiErrorOf(deleteDestination(destination.id, {}, ports));

    expect(error).toMatchObject({ statusCode: 409, code: 'destination_not_empty' });
    expect(error.message).toContain('1 entries are waiting');
    expect(await directory.getDestination(destination.id)).toEqual(destination);
    expect(queues.entries(destination.queueUrl)).toHaveLength(1);
    expect(mappings.calls).toEqual(callsBefore);
    expect([...directory.subscriptionsById.values()]).toHaveLength(1);
  });

  it('refuses a paused destination without force whatever the count says (its head waits)', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);
    const head = await enqueue(fixture, destination);
    await pauseOn(fixture, destination, head);
    fixture.queues.queues.set(destination.queueUrl, []); // a count that lags: reads 0

    expect(await apiErrorOf(deleteDestination(destination.id, { force: 'false' }, fixture.ports))).toMatchObject({
      statusCode: 409,
      code: 'destination_not_empty',
    });
    expect(await statusOf(fixture, destination.id)).toBe('paused');
  });

  it('undoes the deletion when an entry arrives while it is being recorded (SQS counts lag), and refuses it', async () => {
    const fixture = adminPorts();
    const { ports, directory } = fixture;
    const destination = await activeDestination(fixture);
    const remove = directory.removeSubscriptionsOfDestination.bind(directory);
    directory.removeSubscriptionsOfDestination = async (id) => {
      await enqueue(fixture, destination); // sent by an ingest that routed to it just before
      return remove(id);
    };

    expect(await apiErrorOf(deleteDestination(destination.id, {}, ports))).toMatchObject({
      statusCode: 409,
      code: 'destination_not_empty',
    });
    expect(await directory.getDestination(destination.id)).toMatchObject({ status: 'active' });
    expect(fixture.queues.queues.has(destination.queueUrl)).toBe(true);
  });

  it('undoes the deletion of an unverified destination back to unverified, never active', async () => {
    const fixture = adminPorts();
    const { ports, directory } = fixture;
    const active = await activeDestination(fixture);
    const destination = { ...active, status: 'unverified' as const, verify: true };
    directory.destinations.set(destination.id, destination);
    const remove = directory.removeSubscriptionsOfDestination.bind(directory);
    directory.removeSubscriptionsOfDestination = async (id) => {
      await enqueue(fixture, destination);
      return remove(id);
    };

    expect(await apiErrorOf(deleteDestination(destination.id, {}, ports))).toMatchObject({
      statusCode: 409,
      code: 'destination_not_empty',
    });
    expect(await statusOf(fixture, destination.id)).toBe('unverified');
  });

  it('reads the destination again when a pause lands between its read and the deletion write, then refuses', async () => {
    const fixture = adminPorts();
    const { ports, directory } = fixture;
    const destination = await activeDestination(fixture);
    const head = await enqueue(fixture, destination);
    fixture.queues.queues.set(destination.queueUrl, []); // the head is in flight, and the count lags
    const record = directory.recordDestinationDeleting.bind(directory);
    directory.recordDestinationDeleting = async (id, from, start) => {
      if ((await statusOf(fixture, id)) === 'active') await pauseOn(fixture, destination, head);
      return record(id, from, start);
    };

    expect(await apiErrorOf(deleteDestination(destination.id, {}, ports))).toMatchObject({
      statusCode: 409,
      code: 'destination_not_empty',
      message: expect.stringContaining('paused'),
    });
    expect(await statusOf(fixture, destination.id)).toBe('paused');
  });

  it('with force=true deletes a paused destination with a backlog: its waiting transmissions read cancelled', async () => {
    const fixture = adminPorts();
    const { ports, directory, queues, messages } = fixture;
    const destination = await activeDestination(fixture);
    const head = await enqueue(fixture, destination);
    const behind = await enqueue(fixture, destination);
    await pauseOn(fixture, destination, head);
    await ports.spill.keep(destination.id, { position: '0', sentAt: '', body: head.body });

    await deleteDestination(destination.id, { force: 'true' }, ports);

    expect(await directory.getDestination(destination.id)).toMatchObject({ status: 'deleted', forced: true });
    expect(queues.queues.has(destination.queueUrl)).toBe(false);
    expect(await ports.spill.first(destination.id)).toBeUndefined();
    expect(await directory.listPausedDestinations()).toEqual([]);
    const read = async (message: Message) => getMessage(source, message.id, { messages, directory });
    expect(await read(head.message)).toMatchObject({ status: 'skipped', transmissions: [{ status: 'cancelled' }] });
    expect(await read(behind.message)).toMatchObject({ status: 'skipped', transmissions: [{ status: 'cancelled' }] });
  });

  it('answers 503 deletion_incomplete when the queue cannot be removed, stays deleting (404), and a repeat finishes', async () => {
    const fixture = adminPorts();
    const { ports, queues, mappings } = fixture;
    const destination = await activeDestination(fixture);
    const remove = queues.remove.bind(queues);
    queues.remove = async () => {
      throw new Error('SQS unavailable');
    };

    const error = await apiErrorOf(deleteDestination(destination.id, {}, ports));

    expect(error).toMatchObject({ statusCode: 503, code: 'deletion_incomplete' });
    expect(error.message).toContain('its queue');
    expect(await statusOf(fixture, destination.id)).toBe('deleting');
    expect(await apiErrorOf(describeDestination(destination.id, ports))).toMatchObject({ statusCode: 404 });

    queues.remove = remove;
    // A repeat continues whatever it says about force: the deletion was decided.
    await deleteDestination(destination.id, {}, ports);

    expect(await statusOf(fixture, destination.id)).toBe('deleted');
    expect(queues.queues.has(destination.queueUrl)).toBe(false);
    expect(mappings.calls.filter((call) => call.startsWith('remove'))).toHaveLength(2);
  });

  it('removes the subscriptions on a repeat when the first DELETE could not', async () => {
    const fixture = adminPorts();
    const { ports, directory } = fixture;
    const destination = await activeDestination(fixture);
    await directory.putSubscription(subscriptionTo(destination.id));
    const remove = directory.removeSubscriptionsOfDestination.bind(directory);
    directory.removeSubscriptionsOfDestination = async () => {
      throw new Error('DynamoDB unavailable');
    };

    expect(await apiErrorOf(deleteDestination(destination.id, {}, ports))).toMatchObject({
      statusCode: 503,
      code: 'deletion_incomplete',
      message: expect.stringContaining('its subscriptions are not removed yet'),
    });
    expect(await statusOf(fixture, destination.id)).toBe('deleting');

    directory.removeSubscriptionsOfDestination = remove;
    await deleteDestination(destination.id, {}, ports);

    expect(await statusOf(fixture, destination.id)).toBe('deleted');
    expect([...directory.subscriptionsById.values()]).toEqual([]);
  });

  it('waits for a mapping Lambda still reports as deleting, and gives up with 503 past its budget', async () => {
    const fixture = adminPorts();
    const { ports, mappings } = fixture;
    const destination = await activeDestination(fixture);
    const describe = mappings.describe.bind(mappings);
    let deletingFor = 3;
    mappings.describe = async (mappingId): ReturnType<EventSourceMappings['describe']> =>
      deletingFor-- > 0
        ? { mappingId, queueArn: destination.queueArn, state: 'Deleting' as const }
        : describe(mappingId);

    await deleteDestination(destination.id, {}, ports);
    expect(await statusOf(fixture, destination.id)).toBe('deleted');
    expect(fixture.slept).toEqual([1000, 1000, 1000]);

    const stuck = await activeDestination(fixture);
    mappings.describe = async (mappingId): ReturnType<EventSourceMappings['describe']> => ({
      mappingId,
      queueArn: stuck.queueArn,
      state: 'Deleting',
    });
    expect(await apiErrorOf(deleteDestination(stuck.id, {}, ports))).toMatchObject({
      statusCode: 503,
      code: 'deletion_incomplete',
    });
    expect(await statusOf(fixture, stuck.id)).toBe('deleting');
  });

  it.each([
    [{ force: 'yes' }, 'force must be true or false.'],
    [{ force: '' }, 'force must be true or false.'],
    [{ cascade: 'true' }, 'cascade is not a known query parameter.'],
  ])('answers 400 invalid_request naming the parameter for %j', async (query, message) => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);
    expect(await apiErrorOf(deleteDestination(destination.id, query, fixture.ports))).toMatchObject({
      statusCode: 400,
      code: 'invalid_request',
      message,
    });
    expect(await statusOf(fixture, destination.id)).toBe('active');
  });

  it.each([['dst_01ARZ3NDEKTSV4RRFFQ69G5FAV'], ['not-an-id'], ['%ff'], ['']])(
    'answers 404 destination_not_found for %j',
    async (id) => {
      expect(await apiErrorOf(deleteDestination(id, {}, adminPorts().ports))).toMatchObject({
        statusCode: 404,
        code: 'destination_not_found',
      });
    },
  );

  it('answers 404 for a destination still being provisioned', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);
    const { queueUrl: _u, queueArn: _a, mappingId: _m, ...settings } = destination;
    fixture.directory.destinations.set(destination.id, { ...settings, status: 'provisioning' } as Destination);
    expect(await apiErrorOf(deleteDestination(destination.id, {}, fixture.ports))).toMatchObject({ statusCode: 404 });
  });
});

describe('after a deletion is recorded (status deleting)', () => {
  /** The pause harness with its destination recorded deleting, `queued` messages in its queue. */
  const deletingWith = async (queued: number, paused = false) => {
    const harness = setUp([{ kind: 'answered', status: 503, durationMs: 1 }]);
    const { ports, destination, directory } = harness;
    const messages = [];
    for (let index = 0; index < queued; index++) messages.push(await harness.enqueue());
    if (paused) await pauseDestination(destination, harness.failureOf(messages[0]!, 503), ports);
    harness.posted.length = 0;
    const start = { deletingAt: ports.clock().toISOString(), forced: true };
    expect(await directory.recordDestinationDeleting(destination.id, paused ? 'paused' : 'active', start)).toBe(true);
    return { ...harness, messages };
  };

  it('delivery never POSTs its entries: the batch goes back whole', async () => {
    const { ports, queue, posted } = await deletingWith(2);
    const event: SQSEvent = {
      Records: queue.map((entry, index) => ({
        messageId: `sqs-${index}`,
        receiptHandle: entry.receiptHandle,
        body: entry.body,
        attributes: { SentTimestamp: '0' },
      })) as unknown as SQSEvent['Records'],
    };
    const context = { getRemainingTimeInMillis: () => 120_000 } as unknown as Context;

    const response = await deliverBatch(event, context, ports);

    expect(response.batchItemFailures).toHaveLength(2);
    expect(posted).toEqual([]);
  });

  it('the prober neither probes its head nor alerts, and a probe or pause that read it before cannot bring it back', async () => {
    const { ports, destination, directory, posted, sent, messages, advance, failureOf } = await deletingWith(1, true);
    const emailsBefore = sent.length;
    advance(60_000);

    expect(await probeDueDestinations(ports)).toMatchObject({ paused: 0, probed: 0 });
    // A probe and a pause that read the destination before its deletion was recorded.
    const readBefore = { ...destination, status: 'paused' as const, pause: pauseOf(destination.id) };
    expect(await probeDestination(readBefore, ports)).toBe('not_paused');
    await pauseDestination(destination, failureOf(messages[0]!, 503), ports);

    expect(posted).toEqual([]);
    expect(sent.length).toBe(emailsBefore);
    expect((await directory.getDestination(destination.id))?.status).toBe('deleting');
  });

  it('the reconciler leaves its mapping alone and drops it from the worklist', async () => {
    const { ports, memory, controlPlane, destination, worklist } = await deletingWith(1, true);
    expect(worklist.items.has(destination.id)).toBe(true); // the pause asked for the mapping to be disabled

    const result = await reconcileMappings(ports, memory);

    expect(result).toMatchObject({ updated: 0, settled: 1 });
    expect(controlPlane.callsOf('update')).toEqual([]);
    expect(worklist.items.has(destination.id)).toBe(false);
  });
});

/** A pause record, as a worker that read the destination before its deletion holds it. */
const pauseOf = (destinationId: string) => ({
  pausedAt: '2026-01-01T00:00:00.000Z',
  reason: 'HTTP 503',
  fault: 'destination' as const,
  alertedOrganizationId: destinationId,
  headTransmissionId: 'trn_x',
  headMessageId: 'msg_x',
  probeStep: 0,
  nextRetryAt: '2026-01-01T00:00:00.000Z',
});
