/**
 * `acceptMessage` over `CachedDirectory`: routing by the subscriptions a warm function remembers,
 * checked against the store before the message is committed, so that subscriptions created or
 * deleted, and destinations deleted, apply to the very next message.
 */
import { type AcceptMessagePorts, acceptMessage } from '../../../lambdas/ingest/accept-message';
import { CachedDirectory } from '../../../lambdas/ingest/cached-directory';
import { newId } from '../../../lambdas/shared/domain/ids';
import type { ActiveDestination, Source, Subscription } from '../../../lambdas/shared/domain/model';
import type { QueueEntry } from '../../../lambdas/shared/ports/queues';
import { activeDestinationOf, memoryAcceptPorts, sendingQueues } from './ingest-fixtures';
import { MemoryDirectory, MemoryMessageStore } from '../../fixtures/memory-store';

const now = new Date('2026-11-26T10:00:00.000Z');
const source: Source = { id: newId('source'), organizationId: newId('organization'), name: 'EHR', createdAt: '' };

const destination = (name: string): ActiveDestination => activeDestinationOf(source, name);

const subscription = (to: ActiveDestination): Subscription => ({
  id: newId('subscription'),
  sourceId: source.id,
  destinationId: to.id,
  dataModel: 'Results',
  createdAt: '',
});

const setUp = async (...destinations: ActiveDestination[]) => {
  const directory = new MemoryDirectory();
  for (const each of destinations) {
    await directory.putDestination(each);
    await directory.putSubscription(subscription(each));
  }
  const reads = jest.spyOn(directory, 'listSubscriptionsOfSource');
  const sent: Array<{ queueUrl: string; entry: QueueEntry }> = [];
  const gone = new Set<string>();
  const queues = sendingQueues(async (queueUrl, entry) => {
    if (gone.has(queueUrl)) throw new Error('The specified queue does not exist.');
    sent.push({ queueUrl, entry });
  });
  const messages = new MemoryMessageStore();
  const log = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const ports = memoryAcceptPorts(
    {
      directory: new CachedDirectory(directory, 30_000, () => now),
      messages,
      queues,
      log: log as unknown as AcceptMessagePorts['log'],
    },
    now,
  );
  const send = (meta: Record<string, unknown> = {}, idempotencyKey?: string) =>
    acceptMessage(
      {
        source,
        idempotencyKey,
        body: JSON.stringify({ meta: { dataModel: 'Results', eventType: 'New', ...meta }, data: { n: 1 } }),
      },
      ports,
    );
  const destinationsOf = (answer: Awaited<ReturnType<typeof send>>) =>
    answer.transmissions.map((transmission) => transmission.destinationId);
  return { directory, reads, sent, gone, messages, log, send, destinationsOf };
};

describe('acceptMessage with remembered subscriptions', () => {
  it('routes a warm function’s next message by what it remembers, and still reads the store once per message', async () => {
    const lab = destination('lab');
    const { reads, sent, send, destinationsOf } = await setUp(lab);

    expect(destinationsOf(await send())).toEqual([lab.id]);
    expect(destinationsOf(await send())).toEqual([lab.id]);

    expect(sent.map(({ queueUrl }) => queueUrl)).toEqual([lab.queueUrl, lab.queueUrl]);
    // One fresh read per message: the first routes by it, the second checks its remembered route.
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('reaches a destination subscribed a moment ago, routed by subscription, on the very next message', async () => {
    const lab = destination('lab');
    const archive = destination('archive');
    const { directory, sent, messages, send, destinationsOf } = await setUp(lab);
    await send();
    await directory.putDestination(archive);
    await directory.putSubscription(subscription(archive));

    const answer = await send();

    expect(destinationsOf(answer)).toEqual([lab.id, archive.id]);
    // The route taken from memory (lab alone) was abandoned; the committed message goes to both.
    const abandoned = [...messages.messages].filter(([, message]) => message === 'abandoned');
    expect(abandoned).toHaveLength(1);
    expect(messages.messages.get(answer.messageId)).toMatchObject({ id: answer.messageId });
    expect(sent.slice(1).map(({ queueUrl }) => queueUrl)).toEqual([lab.queueUrl, lab.queueUrl, archive.queueUrl]);
  });

  it('keeps an Idempotency-Key through a stale route: the abandoned message’s claim is released and the key claimed for the one committed', async () => {
    const lab = destination('lab');
    const archive = destination('archive');
    const { directory, messages, send, destinationsOf } = await setUp(lab);
    await send();
    await directory.putDestination(archive);
    await directory.putSubscription(subscription(archive));
    const claims = jest.spyOn(messages, 'claimIdempotencyKey');
    const releases = jest.spyOn(messages, 'releaseIdempotencyKey');
    const commits = jest.spyOn(messages, 'commitMessage');

    const answer = await send({}, 'order-4711');

    expect(destinationsOf(answer)).toEqual([lab.id, archive.id]);
    const [abandonedClaim, committedClaim] = claims.mock.calls.map(([request]) => request);
    expect(claims).toHaveBeenCalledTimes(2);
    expect(abandonedClaim).toMatchObject({ key: 'order-4711' });
    expect(messages.messages.get(abandonedClaim!.messageId)).toBe('abandoned');
    expect(releases.mock.calls.map((call) => (call as unknown[])[0])).toEqual([abandonedClaim]);
    expect(committedClaim).toMatchObject({ key: 'order-4711', messageId: answer.messageId });
    // The answer is committed with the message, under the key: a retry gets it (durable-acknowledgement.test.ts).
    expect(commits).toHaveBeenCalledWith(expect.objectContaining({ id: answer.messageId }), {
      request: committedClaim,
      answer,
    });
  });

  it('reads the store again before refusing: a destination named and subscribed a moment ago is reached', async () => {
    const lab = destination('lab');
    const archive = destination('archive');
    const { directory, send, destinationsOf } = await setUp(lab);
    await send();
    await directory.putDestination(archive);
    await directory.putSubscription(subscription(archive));

    expect(destinationsOf(await send({ destinations: [archive.id] }))).toEqual([archive.id]);
  });

  it('answers 422 no_destination at once when the only subscription was deleted (the remembered route’s entry abandoned)', async () => {
    const lab = destination('lab');
    const { directory, sent, send } = await setUp(lab);
    await send();
    await directory.removeSubscriptionsOfDestination(lab.id);

    await expect(send()).rejects.toMatchObject({ statusCode: 422, code: 'no_destination' });
    // The remembered route sent one entry, abandoned; the refusal came from the fresh read.
    await expect(send()).rejects.toMatchObject({ statusCode: 422, code: 'no_destination' });
    expect(sent).toHaveLength(2);
  });

  it('routes around a destination deleted since it was remembered (its queue gone), and a message naming it gets 404', async () => {
    const kept = destination('kept');
    const doomed = destination('doomed');
    const { directory, gone, send, destinationsOf } = await setUp(kept, doomed);
    await send();
    await directory.removeSubscriptionsOfDestination(doomed.id);
    gone.add(doomed.queueUrl);
    const { signingSecret: _secret, ...settings } = doomed;
    await directory.putDestination({ ...settings, status: 'deleted', deletingAt: '', deletedAt: '', forced: true });

    expect(destinationsOf(await send())).toEqual([kept.id]);
    await send();
    await expect(send({ destinations: [doomed.id] })).rejects.toMatchObject({
      statusCode: 404,
      code: 'destination_not_found',
    });
  });

  it('answers 503 not_accepted, abandoning the message, when the fresh read fails after the entries were sent', async () => {
    const lab = destination('lab');
    const { reads, messages, send } = await setUp(lab);
    await send();
    reads.mockRejectedValueOnce(new Error('DynamoDB is unavailable'));

    await expect(send()).rejects.toMatchObject({ statusCode: 503, code: 'not_accepted' });
    expect([...messages.messages.values()].filter((message) => message === 'abandoned')).toHaveLength(1);
  });
});
