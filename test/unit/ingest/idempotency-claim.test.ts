/**
 * POST /v1/messages with an Idempotency-Key: the claim answers before anything is written for the
 * request (no queue entry, payload object or upload), so a repeat returns the first answer and
 * enqueues nothing new (the contract); its answer outranks what routing the repeat now would say.
 */
import { acceptMessage } from '../../../lambdas/ingest/accept-message';
import { newId } from '../../../lambdas/shared/domain/ids';
import type { AcceptedMessage, Message, Source, Subscription } from '../../../lambdas/shared/domain/model';
import { uploadObjectKey } from '../../../lambdas/shared/domain/uploads';
import type { IdempotencyClaim, IdempotencyRequest } from '../../../lambdas/shared/ports/messages';
import type { QueueEntry } from '../../../lambdas/shared/ports/queues';
import { MemoryMessageStore, MemoryPayloadStore } from '../../fixtures/memory-store';
import { MemoryUploadObjects, MemoryUploadRecords } from '../../fixtures/memory-uploads';
import { activeDestinationOf, memoryAcceptPorts, sendingQueues } from './ingest-fixtures';

const now = new Date('2026-11-30T10:00:00.000Z');
const source: Source = {
  id: newId('source'),
  organizationId: newId('organization'),
  name: 'EHR',
  createdAt: now.toISOString(),
};
const KEY = 'order-4711';
const body = (n: number) => JSON.stringify({ meta: { dataModel: 'Imaging', eventType: 'Report' }, data: { n } });

/** A promise the test settles itself. */
const gate = <T>() => {
  let open!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
};

/** A message store whose claims answer what the test says (`claimWith`), and which records commits. */
class ClaimingStore extends MemoryMessageStore {
  claimWith: (request: IdempotencyRequest) => Promise<IdempotencyClaim> = async () => ({ outcome: 'claimed' });
  readonly claims: IdempotencyRequest[] = [];
  readonly releases: IdempotencyRequest[] = [];
  readonly commits: Array<{ message: Message; answer?: AcceptedMessage }> = [];

  override async claimIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyClaim> {
    this.claims.push(request);
    return this.claimWith(request);
  }
  override async releaseIdempotencyKey(request: IdempotencyRequest): Promise<void> {
    this.releases.push(request);
  }
  override async commitMessage(
    message: Message,
    idempotency?: { request: IdempotencyRequest; answer: AcceptedMessage },
  ): Promise<void> {
    this.commits.push({ message, ...(idempotency === undefined ? {} : { answer: idempotency.answer }) });
    await super.commitMessage(message);
  }
  abandoned(): string[] {
    return [...this.messages.entries()].filter(([, message]) => message === 'abandoned').map(([id]) => id);
  }
}

const setUp = (options: { subscribed?: boolean; maxQueueMessageBytes?: number } = {}) => {
  const destination = activeDestinationOf(source, 'imaging', now.toISOString());
  const subscriptions: Subscription[] =
    options.subscribed === false
      ? []
      : [
          {
            id: newId('subscription'),
            sourceId: source.id,
            destinationId: destination.id,
            dataModel: 'Imaging',
            createdAt: now.toISOString(),
          },
        ];
  const sent: QueueEntry[] = [];
  const messages = new ClaimingStore();
  const payloads = new MemoryPayloadStore();
  const uploads = new MemoryUploadRecords();
  const uploadObjects = new MemoryUploadObjects();
  const ports = memoryAcceptPorts(
    {
      directory: {
        getDestination: async (id) => (id === destination.id ? destination : undefined),
        getDestinationNow: async (id) => (id === destination.id ? destination : undefined),
        listSubscriptionsOfSource: async () => subscriptions,
      },
      messages,
      queues: sendingQueues(async (_queueUrl, entry) => void sent.push(entry)),
      ...(options.maxQueueMessageBytes === undefined ? {} : { maxQueueMessageBytes: options.maxQueueMessageBytes }),
      payloads,
      uploads,
      uploadObjects,
    },
    now,
  );
  const post = (text: string, idempotencyKey: string | undefined = KEY) =>
    acceptMessage({ source, idempotencyKey, body: text }, ports);
  return { ports, messages, sent, payloads, uploads, uploadObjects, post };
};

/** Lets every pending promise callback run (the use case's steps before it awaits the gate). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('POST /v1/messages: the Idempotency-Key claimed first', () => {
  it('writes nothing before the claim answers, then commits with the answer for the key', async () => {
    const setup = setUp();
    const claimed = gate<IdempotencyClaim>();
    setup.messages.claimWith = () => claimed.promise;

    const answer = setup.post(body(1));
    await settle();
    expect(setup.sent).toEqual([]);
    claimed.open({ outcome: 'claimed' });

    const accepted = await answer;
    expect(setup.sent).toHaveLength(1);
    expect(setup.messages.claims).toHaveLength(1);
    expect(setup.messages.claims[0]!.messageId).toBe(accepted.messageId);
    expect(setup.messages.commits).toEqual([
      { message: expect.objectContaining({ id: accepted.messageId }), answer: accepted },
    ]);
    expect(setup.messages.releases).toEqual([]);
  });

  it('answers a repeat of an answered request with the first answer and enqueues nothing new', async () => {
    // Data too large to travel inline: the first request's payload object is the only one.
    const setup = setUp({ maxQueueMessageBytes: 200 });
    const first = await setup.post(body(1));
    expect(setup.payloads.objects.size).toBe(1);
    setup.messages.claimWith = async () => ({
      outcome: 'answered',
      requestHash: setup.messages.claims[0]!.requestHash,
      answer: first,
    });

    await expect(setup.post(body(1))).resolves.toEqual(first);

    expect(setup.sent).toHaveLength(1);
    expect(setup.payloads.objects.size).toBe(1);
    expect(setup.messages.abandoned()).toEqual([]);
    expect(setup.messages.commits.map(({ message }) => message.id)).toEqual([first.messageId]);
    // The key is the first request's: the repeat never releases it.
    expect(setup.messages.releases).toEqual([]);
  });

  it.each<[string, () => IdempotencyClaim | Error, object]>([
    [
      'the key answered for another body: 422 idempotency_key_reused',
      () => ({ outcome: 'answered', requestHash: 'another body', answer: {} as AcceptedMessage }),
      { statusCode: 422, code: 'idempotency_key_reused' },
    ],
    [
      'another request with the key still under way: 503',
      () => ({ outcome: 'in_progress' }),
      { statusCode: 503, code: 'not_accepted', message: expect.stringContaining('still being processed') },
    ],
    [
      'the claim fails: 503',
      () =>
        Object.assign(new Error('Throughput exceeds the table’s provisioned rate'), {
          name: 'ProvisionedThroughputExceededException',
        }),
      { statusCode: 503, code: 'not_accepted', message: expect.stringContaining('A dependency failed.') },
    ],
  ])('%s, and nothing is enqueued or committed', async (_name, outcome, expected) => {
    const setup = setUp();
    setup.messages.claimWith = async () => {
      const result = outcome();
      if (result instanceof Error) throw result;
      return result;
    };

    await expect(setup.post(body(2))).rejects.toMatchObject(expected);

    expect(setup.sent).toEqual([]);
    expect(setup.messages.commits).toEqual([]);
    expect(setup.messages.releases).toEqual([]);
  });

  it('logs a claim that failed by the ids and the error’s name, never the key or the body', async () => {
    const setup = setUp();
    setup.messages.claimWith = async () => {
      throw Object.assign(new Error('Internal'), { name: 'InternalServerError' });
    };

    await expect(setup.post(body(3))).rejects.toMatchObject({ statusCode: 503 });

    expect(setup.ports.log.error).toHaveBeenCalledWith('Idempotency-Key could not be claimed', {
      sourceId: source.id,
      messageId: setup.messages.claims[0]!.messageId,
      errorName: 'InternalServerError',
      errorMessage: 'Internal',
    });
  });

  it('answers a repeat with the first answer even where routing it now is refused', async () => {
    const first = await setUp().post(body(3));
    const setup = setUp({ subscribed: false });
    setup.messages.claimWith = async (request) => ({
      outcome: 'answered',
      requestHash: request.requestHash,
      answer: first,
    });

    await expect(setup.post(body(3))).resolves.toEqual(first);
    expect(setup.sent).toEqual([]);
  });

  it('answers a refused route when this request holds the key, and releases the key', async () => {
    const setup = setUp({ subscribed: false });

    await expect(setup.post(body(4))).rejects.toMatchObject({ statusCode: 422, code: 'no_destination' });
    expect(setup.messages.releases).toEqual(setup.messages.claims);
    expect(setup.messages.commits).toEqual([]);
  });

  it('never touches, on a repeat, the upload the first request took', async () => {
    const setup = setUp();
    const uploadId = newId('upload');
    const document = '{"n":5}';
    await setup.uploads.create({
      uploadId,
      sourceId: source.id,
      contentLength: Buffer.byteLength(document),
      createdAt: now.toISOString(),
      usableUntil: new Date(now.getTime() + 3_600_000).toISOString(),
    });
    setup.uploadObjects.upload(uploadObjectKey(source.id, uploadId), document);
    const uploadBody = JSON.stringify({ meta: { dataModel: 'Imaging', eventType: 'Report' }, dataUpload: uploadId });
    const claimed = gate<IdempotencyClaim>();
    setup.messages.claimWith = () => claimed.promise;

    const answer = setup.post(uploadBody);
    await settle();
    expect(setup.sent).toEqual([]);
    expect((await setup.uploads.get(uploadId))!.messageId).toBeUndefined();
    claimed.open({ outcome: 'claimed' });
    const first = await answer;
    expect((await setup.uploads.get(uploadId))!.messageId).toBe(first.messageId);

    setup.messages.claimWith = async (request) => ({
      outcome: 'answered',
      requestHash: request.requestHash,
      answer: first,
    });
    await expect(setup.post(uploadBody)).resolves.toEqual(first);
    expect(setup.sent).toHaveLength(1);
    expect(setup.uploadObjects.objects.get(uploadObjectKey(source.id, uploadId))!.tag).toBe('used');
    expect((await setup.uploads.get(uploadId))!.messageId).toBe(first.messageId);
  });
});
