import type { Context, SQSEvent } from 'aws-lambda';
import { deliverBatch } from '../../../lambdas/delivery/deliver-batch';
import type { Message } from '../../../lambdas/shared/domain/model';
import { pauseDestination } from '../../../lambdas/shared/pauses/pause';
import type { DeliveryOutcome } from '../../../lambdas/shared/ports/deliverer';
import type { MemoryMessageStore } from '../../fixtures/memory-store';
import { type Harness, setUp } from '../../fixtures/pause-harness';

const ok: DeliveryOutcome = { kind: 'answered', status: 200, durationMs: 1 };
const unavailable: DeliveryOutcome = { kind: 'answered', status: 503, durationMs: 1 };

/** The SQS event the mapping would hand the delivery function: the queue's entries, in order. */
const eventOf = (harness: Harness): SQSEvent => ({
  Records: harness.queue.map((entry, index) => ({
    messageId: `sqs-${index}`,
    receiptHandle: entry.receiptHandle,
    body: entry.body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
      SequenceNumber: entry.position,
      MessageGroupId: harness.destination.id,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: harness.destination.queueArn,
    awsRegion: 'us-east-1',
  })),
});

const contextWith = (remainingMs: () => number) => ({ getRemainingTimeInMillis: remainingMs }) as unknown as Context;
const plentyOfTime = contextWith(() => 120_000);
const failuresOf = (event: SQSEvent, from: number) =>
  event.Records.slice(from).map((record) => ({ itemIdentifier: record.messageId }));
const transmissionOf = (message: Message) => message.transmissions[0]!.id;
/** Whether `condition` came to hold within `turns` turns of the event loop (looking after each). */
const heldWithin = async (condition: () => boolean, turns = 1000) => {
  for (let turn = 0; turn < turns; turn++) {
    if (condition()) return true;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return condition();
};

/** Records the calls to `queues.release` (which entries go back, and after how long). */
const recordReleases = (harness: Harness) => {
  const releases: Array<{ handles: readonly string[]; seconds: number }> = [];
  const release = harness.ports.queues.release;
  (harness.ports.queues as { release: typeof release }).release = async (url, handles, seconds) => {
    releases.push({ handles, seconds });
    return release(url, handles, seconds);
  };
  return releases;
};

describe('deliverBatch', () => {
  it('delivers the records in queue order, each with the next sequence number, and reports no failure', async () => {
    const harness = setUp();
    const messages = [await harness.enqueue(), await harness.enqueue(), await harness.enqueue()];

    const response = await deliverBatch(eventOf(harness), plentyOfTime, harness.ports);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(harness.posted).toEqual(messages.map(transmissionOf));
    const delivered = await Promise.all(
      messages.map(async (message) => (await harness.ports.messages.getMessage(message.id)) as Message),
    );
    expect(delivered.map((message) => [message.transmissions[0]!.status, message.transmissions[0]!.sequence])).toEqual([
      ['delivered', 1],
      ['delivered', 2],
      ['delivered', 3],
    ]);
  });

  it('makes one storage write between deliveries: the next POST follows the fold, not the arrival’s own records', async () => {
    const harness = setUp();
    const store = harness.ports.messages as MemoryMessageStore;
    const messages = [await harness.enqueue(), await harness.enqueue(), await harness.enqueue()];
    const ids = messages.map(transmissionOf);
    // A delivery's own records are written once the next delivery's POST has started (the last
    // one's at once); were the batch to wait for them before that POST, they would be written
    // without it, after a while, and counted here.
    const recordedBeforeNextPost: string[] = [];
    const recordArrival = store.recordArrival.bind(store);
    store.recordArrival = async (arrival, options) => {
      const next = ids.indexOf(arrival.transmissionId) + 1;
      if (!(await heldWithin(() => next === ids.length || harness.posted.includes(ids[next]!))))
        recordedBeforeNextPost.push(arrival.transmissionId);
      return recordArrival(arrival, options);
    };
    // What the batch writes to the store between two POSTs (reservations and folds).
    const reservationsBetween: number[] = [];
    let reservations = 0;
    for (const method of ['reserveSequence', 'foldArrival'] as const) {
      const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
      (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        reservations++;
        return original(...args);
      };
    }
    const post = harness.ports.deliverer.post;
    (harness.ports.deliverer as { post: typeof post }).post = async (request) => {
      reservationsBetween.push(reservations);
      reservations = 0;
      return post(request);
    };

    const response = await deliverBatch(eventOf(harness), plentyOfTime, harness.ports);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(recordedBeforeNextPost).toEqual([]);
    expect(reservationsBetween).toEqual([1, 1, 1]);
    expect(store.folds).toEqual([
      { previous: ids[0], reservationKey: ids[1] },
      { previous: ids[1], reservationKey: ids[2] },
    ]);
    // Every arrival is in its own records by the end: the last one written by itself. The fold's
    // reservation key is not part of what the arrival log keeps.
    expect(store.arrivals.map((arrival) => [arrival.transmissionId, arrival.sequence])).toEqual(
      ids.map((id, index) => [id, index + 1]),
    );
    for (const arrival of store.arrivals) expect(arrival).not.toHaveProperty('reservationKey');
  });

  it('delivers nothing more after an arrival that cannot be recorded; it goes back and is recorded from the destination, not posted again', async () => {
    const harness = setUp();
    const store = harness.ports.messages as MemoryMessageStore;
    const messages = [await harness.enqueue(), await harness.enqueue(), await harness.enqueue()];
    const event = eventOf(harness);
    const recordArrival = store.recordArrival.bind(store);
    let failing = true;
    // The first arrival's own records fail (written while the second delivery is posted).
    store.recordArrival = async (arrival, options) => {
      if (failing && arrival.transmissionId === transmissionOf(messages[0]!))
        throw new Error('ProvisionedThroughputExceededException');
      return recordArrival(arrival, options);
    };

    const first = await deliverBatch(event, plentyOfTime, harness.ports);

    // The second was posted while the first's records were written; the third never was. The
    // first and everything after it go back (FIFO), though the second is recorded.
    expect(harness.posted).toEqual(messages.slice(0, 2).map(transmissionOf));
    expect(first).toEqual({ batchItemFailures: failuresOf(event, 0) });
    expect(((await store.getMessage(messages[0]!.id)) as Message).transmissions[0]!.status).toBe('queued');

    failing = false;
    const second = await deliverBatch(event, plentyOfTime, harness.ports);

    expect(second).toEqual({ batchItemFailures: [] });
    // The first is not posted again: its reservation found it delivered and its records were written
    // from the destination's copy; the second is a duplicate now; the third gets the next number.
    expect(harness.posted).toEqual(messages.map(transmissionOf));
    const delivered = await Promise.all(
      messages.map(async (message) => ((await store.getMessage(message.id)) as Message).transmissions[0]!),
    );
    expect(delivered.map((transmission) => [transmission.status, transmission.sequence])).toEqual([
      ['delivered', 1],
      ['delivered', 2],
      ['delivered', 3],
    ]);
    expect(store.arrivals.find((arrival) => arrival.sequence === 1)).toMatchObject({
      transmissionId: transmissionOf(messages[0]!),
      status: 200,
    });
  });

  it.each([
    ['next to it', [0, 0, 1]],
    ['after another delivery', [0, 1, 0]],
  ])(
    'drops a duplicate entry of a delivery in the same batch (%s): one sequence number per webhook-id',
    async (_case, order) => {
      const harness = setUp();
      const store = harness.ports.messages as MemoryMessageStore;
      const messages = [await harness.enqueue(), await harness.enqueue()];
      const entries = [...harness.queue];
      const event = eventOf(harness);
      // The same queue entry twice (SQS can hand a duplicate over), by position in the queue.
      event.Records = order.map((index, position) => ({
        ...eventOf(harness).Records[index]!,
        messageId: `sqs-${position}`,
        receiptHandle: `${entries[index]!.receiptHandle}-${position}`,
      }));
      const numbered: Array<[string, string]> = [];
      const post = harness.ports.deliverer.post;
      (harness.ports.deliverer as { post: typeof post }).post = async (request) => {
        numbered.push([request.headers['webhook-id']!, request.headers['conveyor-sequence']!]);
        return post(request);
      };

      expect(await deliverBatch(event, plentyOfTime, harness.ports)).toEqual({ batchItemFailures: [] });

      expect(numbered).toEqual(messages.map((message, index) => [transmissionOf(message), String(index + 1)]));
      const delivered = await Promise.all(
        messages.map(async (message) => ((await store.getMessage(message.id)) as Message).transmissions[0]!),
      );
      expect(delivered.map((transmission) => [transmission.status, transmission.sequence])).toEqual([
        ['delivered', 1],
        ['delivered', 2],
      ]);
    },
  );

  it('does not pause for a failure beside an arrival that could not be recorded: that arrival heads the queue again, and everything returns soon', async () => {
    const harness = setUp([ok, unavailable, unavailable, unavailable]);
    const store = harness.ports.messages as MemoryMessageStore;
    const messages = [await harness.enqueue(), await harness.enqueue()];
    const releases = recordReleases(harness);
    const event = eventOf(harness);
    const recordArrival = store.recordArrival.bind(store);
    store.recordArrival = async (arrival, options) => {
      if (arrival.transmissionId === transmissionOf(messages[0]!)) throw new Error('InternalServerError');
      return recordArrival(arrival, options);
    };

    const response = await deliverBatch(event, plentyOfTime, harness.ports);

    expect(response).toEqual({ batchItemFailures: failuresOf(event, 0) });
    expect((await harness.directory.getDestination(harness.destination.id))!.status).toBe('active');
    expect(releases).toEqual([{ handles: event.Records.map((record) => record.receiptHandle), seconds: 10 }]);
  });

  it('stops at the first failure and reports it and every later record, which go back to the queue', async () => {
    const harness = setUp([ok, unavailable, ok]);
    const messages = [await harness.enqueue(), await harness.enqueue(), await harness.enqueue()];
    const releases = recordReleases(harness);
    const event = eventOf(harness);

    const response = await deliverBatch(event, plentyOfTime, harness.ports);

    expect(response).toEqual({ batchItemFailures: failuresOf(event, 1) });
    expect(harness.posted).toEqual(messages.slice(0, 2).map(transmissionOf));
    expect(releases).toEqual([
      {
        handles: event.Records.slice(1).map((record) => record.receiptHandle),
        seconds: harness.ports.pauseReleaseSeconds,
      },
    ]);
  });

  it('pauses the destination on a failure that outlived its inline retries, without a call to the control plane', async () => {
    const harness = setUp([unavailable, unavailable, unavailable]);
    const { ports, directory, destination, controlPlane, worklist, sent } = harness;
    directory.destinations.set(destination.id, { ...destination, inlineRetries: 2 });
    const head = await harness.enqueue();
    await harness.enqueue();

    await deliverBatch(eventOf(harness), plentyOfTime, ports);

    expect(harness.posted).toEqual([transmissionOf(head), transmissionOf(head), transmissionOf(head)]);
    expect((await directory.getDestination(destination.id))!).toMatchObject({
      status: 'paused',
      pause: { reason: 'HTTP 503', headTransmissionId: transmissionOf(head) },
    });
    expect(sent.map((email) => email.subject)).toEqual(['[Conveyor] Paused: Lab results']);
    // The mapping is the reconciler's to disable.
    expect(await worklist.list()).toEqual([
      expect.objectContaining({ destinationId: destination.id, desired: 'disabled' }),
    ]);
    expect(controlPlane.calls).toEqual([]);
  });

  it('hands a batch for a paused destination back untouched, and puts the destination on the worklist as evidence its mapping runs', async () => {
    const harness = setUp();
    const { ports, destination, controlPlane, worklist } = harness;
    const head = await harness.enqueue();
    await harness.enqueue();
    await pauseDestination(destination, harness.failureOf(head, 503), ports);
    worklist.items.clear();
    const releases = recordReleases(harness);
    const event = eventOf(harness);

    const response = await deliverBatch(event, plentyOfTime, ports);

    expect(response).toEqual({ batchItemFailures: failuresOf(event, 0) });
    expect(harness.posted).toEqual([]);
    expect(releases).toEqual([
      { handles: event.Records.map((record) => record.receiptHandle), seconds: ports.pauseReleaseSeconds },
    ]);
    expect(await worklist.list()).toEqual([
      expect.objectContaining({ destinationId: destination.id, reason: 'evidence' }),
    ]);
    expect(controlPlane.calls).toEqual([]);
  });

  it('still hands the batch back when the worklist cannot be written', async () => {
    const harness = setUp();
    const { ports, destination } = harness;
    await pauseDestination(destination, harness.failureOf(await harness.enqueue(), 503), ports);
    ports.worklist.add = async () => {
      throw new Error('throttled');
    };
    const event = eventOf(harness);

    expect(await deliverBatch(event, plentyOfTime, ports)).toEqual({ batchItemFailures: failuresOf(event, 0) });
    expect(ports.log.warn).toHaveBeenCalledWith(
      'Could not put the destination on the mapping worklist; the audit finds it',
      expect.objectContaining({ destinationId: destination.id }),
    );
  });

  it('stops before a record the invocation has no time left for, and retries the rest soon, without pausing', async () => {
    const harness = setUp();
    const { ports, directory, destination } = harness;
    const messages = [await harness.enqueue(), await harness.enqueue(), await harness.enqueue()];
    const releases = recordReleases(harness);
    const event = eventOf(harness);
    // Room for one attempt (the destination's 5 s timeout plus 5 s) before the first record only.
    const remaining = [11_000, 9_000];
    const context = contextWith(() => remaining[0]!);
    const post = ports.deliverer.post;
    (ports.deliverer as { post: typeof post }).post = async (request) => {
      remaining.shift();
      return post(request);
    };

    const response = await deliverBatch(event, context, ports);

    expect(response).toEqual({ batchItemFailures: failuresOf(event, 1) });
    expect(harness.posted).toEqual([transmissionOf(messages[0]!)]);
    expect(releases).toEqual([{ handles: event.Records.slice(1).map((record) => record.receiptHandle), seconds: 10 }]);
    expect((await directory.getDestination(destination.id))!.status).toBe('active');
  });

  it('retries soon, without pausing, a record that failed for a reason of its own (not the endpoint)', async () => {
    const harness = setUp();
    const { ports, directory, destination } = harness;
    await harness.enqueue();
    await harness.enqueue();
    const releases = recordReleases(harness);
    const event = eventOf(harness);
    ports.messages.recordArrival = async () => {
      throw new Error('table unavailable');
    };

    expect(await deliverBatch(event, plentyOfTime, ports)).toEqual({ batchItemFailures: failuresOf(event, 0) });
    expect(releases).toEqual([{ handles: event.Records.map((record) => record.receiptHandle), seconds: 10 }]);
    expect((await directory.getDestination(destination.id))!.status).toBe('active');
  });

  it('defers a paced record whose start is beyond the invocation: it and the rest go back until that start, which its next try keeps', async () => {
    const harness = setUp();
    const { ports, directory, destination } = harness;
    // One delivery every 20 s; the invocation ends 60 s after it starts (the harness's clock moves as the delivery waits).
    directory.destinations.set(destination.id, { ...destination, maxPerSecond: 0.05 });
    const started = ports.clock().getTime();
    const untilEnd = contextWith(() => started + 60_000 - ports.clock().getTime());
    const messages = [];
    for (let n = 0; n < 5; n++) messages.push(await harness.enqueue());
    const releases = recordReleases(harness);
    const event = eventOf(harness);

    const response = await deliverBatch(event, untilEnd, ports);

    // Starts at 0, 20 and 40 s; the fourth's start (60 s) leaves no room for an attempt of up to 10 s.
    expect(harness.posted).toEqual(messages.slice(0, 3).map(transmissionOf));
    expect(response).toEqual({ batchItemFailures: failuresOf(event, 3) });
    expect(releases).toEqual([{ handles: event.Records.slice(3).map((record) => record.receiptHandle), seconds: 20 }]);
    expect((await directory.getDestination(destination.id))!.status).toBe('active');

    // Their next try, at the fourth's start: it goes at once with the number it was given, the fifth 20 s later.
    harness.advance(started + 60_000 - ports.clock().getTime());
    const next = { Records: event.Records.slice(3) };
    expect(
      await deliverBatch(
        next,
        contextWith(() => 60_000),
        ports,
      ),
    ).toEqual({ batchItemFailures: [] });
    expect(harness.posted).toEqual(messages.map(transmissionOf));
    expect(ports.clock().getTime() - started).toBe(80_000);
    const sequences = await Promise.all(
      messages.map(
        async (message) => ((await ports.messages.getMessage(message.id)) as Message).transmissions[0]!.sequence,
      ),
    );
    expect(sequences).toEqual([1, 2, 3, 4, 5]);
  });

  it('throws (the whole batch returns) for a destination that does not exist', async () => {
    const harness = setUp();
    await harness.enqueue();
    harness.directory.destinations.delete(harness.destination.id);

    await expect(deliverBatch(eventOf(harness), plentyOfTime, harness.ports)).rejects.toThrow(
      `Destination ${harness.destination.id} does not exist`,
    );
  });
});
