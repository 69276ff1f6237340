import { reconcileMappings } from '../../../../lambdas/shared/mappings/reconcile-mappings';
import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import { PROBES_AT_ONCE, probeDueDestinations } from '../../../../lambdas/shared/pauses/prober-pass';
import { type Harness, setUp } from '../../../fixtures/pause-harness';

/** One prober pass as the prober runs it: the reconciler first, then the paused destinations; mapping changes take effect between passes. */
const proberPass = async ({ ports, memory, controlPlane }: Harness) => {
  await reconcileMappings(ports, memory);
  const pass = await probeDueDestinations(ports);
  controlPlane.settle();
  return pass;
};

describe('probeDueDestinations', () => {
  it('probes and resumes when the alert outbox cannot be read: a failing flush is logged, not thrown', async () => {
    const harness = setUp([{ kind: 'answered', status: 200, durationMs: 1 }]);
    const { ports, directory, destination, enqueue, failureOf, advance } = harness;
    const head = await enqueue();
    await pauseDestination(destination, failureOf(head, 503), ports);
    jest
      .spyOn(ports.outbox, 'list')
      .mockRejectedValue(Object.assign(new Error('Internal'), { name: 'InternalServerError' }));
    advance(5000);

    expect(await proberPass(harness)).toMatchObject({ paused: 1, probed: 1, resumed: 1 });
    expect((await directory.getDestination(destination.id))!.status).toBe('active');
    expect(ports.log.error).toHaveBeenCalledWith(
      'Alert outbox not flushed; its emails stay for the next flush',
      expect.objectContaining({ errorName: 'InternalServerError' }),
    );
  });

  it(`probes ${PROBES_AT_ONCE} paused destinations at once, never more, and every one of them`, async () => {
    const harness = setUp();
    const { ports, directory, enqueue, failureOf, advance, addDestination } = harness;
    const destinations = Array.from({ length: PROBES_AT_ONCE + 5 }, (_, index) => addDestination(`Lab ${index}`));
    for (const destination of destinations)
      await pauseDestination(destination, failureOf(await enqueue(destination), 503, destination), ports);
    advance(5000);
    // Every probe waits for its endpoint until the test answers it.
    let inFlight = 0;
    let mostInFlight = 0;
    const waiting: Array<() => void> = [];
    ports.deliverer.post = async () => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise<void>((resolve) => waiting.push(resolve));
      inFlight--;
      return { kind: 'answered', status: 200, durationMs: 1 };
    };

    const pass = proberPass(harness);
    let over = false;
    void pass.finally(() => (over = true));
    // Answer whatever waits, turn after turn, until the pass is over (each answer makes room for the next).
    while (!over) {
      await new Promise((resolve) => setImmediate(resolve));
      for (const answer of waiting.splice(0)) answer();
    }

    expect(await pass).toMatchObject({
      paused: destinations.length,
      probed: destinations.length,
      resumed: destinations.length,
    });
    expect(mostInFlight).toBe(PROBES_AT_ONCE);
    for (const destination of destinations)
      expect((await directory.getDestination(destination.id))!.status).toBe('active');
  });

  it('starts no visit once the run has no room for one, and leaves the rest due for the next pass', async () => {
    const harness = setUp(
      Array.from({ length: 20 }, () => ({ kind: 'answered', status: 503, durationMs: 1 }) as const),
    );
    const { ports, enqueue, failureOf, advance, addDestination } = harness;
    const destinations = Array.from({ length: PROBES_AT_ONCE + 5 }, (_, index) => addDestination(`Lab ${index}`));
    for (const destination of destinations)
      await pauseDestination(destination, failureOf(await enqueue(destination), 503, destination), ports);
    advance(5000);
    // Room for twelve visits in this run.
    let visits = 0;

    const first = await probeDueDestinations(ports, () => visits++ < 12);
    const second = await probeDueDestinations(ports);

    expect(first).toMatchObject({ paused: destinations.length, probed: 12 });
    expect(second).toMatchObject({ probed: destinations.length - 12 });
  });

  it('counts the entries every destination of a pass spilled, though their spills run at once', async () => {
    const harness = setUp(
      Array.from({ length: 10 }, () => ({ kind: 'answered', status: 503, durationMs: 1 }) as const),
    );
    const { ports, memory, controlPlane, meter, addDestination, enqueue, failureOf, advance } = harness;
    for (const destination of [harness.destination, addDestination('Lab 2')]) {
      const head = await enqueue(destination);
      await enqueue(destination);
      await enqueue(destination);
      await pauseDestination(destination, failureOf(head, 503, destination), ports);
    }
    // The reconciler sees both mappings disabled (spilling waits for that), and a probe learns each head's age.
    await reconcileMappings(ports, memory);
    controlPlane.settle();
    await reconcileMappings(ports, memory);
    advance(5000);
    await probeDueDestinations(ports);
    advance(60_000);

    const pass = await probeDueDestinations(ports);

    expect(meter.total('EntriesSpilled')).toBe(6);
    expect(pass).toMatchObject({ spilled: 6 });
  });

  it('goes on with the other destinations when one of them fails', async () => {
    const harness = setUp();
    const { ports, directory, enqueue, failureOf, advance, addDestination } = harness;
    const destinations = [harness.destination, addDestination('Lab 2'), addDestination('Lab 3')];
    for (const destination of destinations)
      await pauseDestination(destination, failureOf(await enqueue(destination), 503, destination), ports);
    advance(5000);
    const [, failing] = destinations;
    const receive = ports.queues.receiveHead.bind(ports.queues);
    jest.spyOn(ports.queues, 'receiveHead').mockImplementation(async (queueUrl, ...rest) => {
      if (queueUrl === failing!.queueUrl) throw Object.assign(new Error('Internal'), { name: 'InternalFailure' });
      return receive(queueUrl, ...rest);
    });

    expect(await proberPass(harness)).toMatchObject({ paused: 3, probed: 3, resumed: 2 });
    expect((await directory.getDestination(failing!.id))!.status).toBe('paused');
    expect(ports.log.error).toHaveBeenCalledWith(
      'Probe failed',
      expect.objectContaining({ destinationId: failing!.id }),
    );
  });

  it('probes on the ladder, stays paused while the head fails, and resumes on the first success with one more email', async () => {
    const harness = setUp([
      { kind: 'answered', status: 503, durationMs: 1 },
      { kind: 'answered', status: 503, durationMs: 1 },
    ]);
    const { ports, directory, destination, sent, queue, meter, controlPlane, enqueue, failureOf, advance } = harness;
    const head = await enqueue();
    await enqueue();
    await pauseDestination(destination, failureOf(head, 503), ports);

    expect(await proberPass(harness)).toMatchObject({ paused: 1, probed: 0 });
    advance(5000);
    expect(await proberPass(harness)).toMatchObject({ probed: 1, resumed: 0 });
    advance(5000);
    expect(await proberPass(harness)).toMatchObject({ probed: 0 });
    advance(5000);
    expect(await proberPass(harness)).toMatchObject({ probed: 1, resumed: 0 });
    advance(10_000);
    expect(await proberPass(harness)).toMatchObject({ probed: 1, resumed: 1 });
    // The resume recorded the mapping to be enabled: the next pass's reconciler enables it.
    await proberPass(harness);

    expect((await directory.getDestination(destination.id))!.status).toBe('active');
    expect(queue).toHaveLength(1);
    expect(controlPlane.callsOf('update').map((call) => call.enabled)).toEqual([false, true]);
    expect(controlPlane.stateOf(destination.mappingId)).toBe('Enabled');
    expect(sent.map((email) => email.subject)).toEqual([
      '[Conveyor] Paused: Lab results',
      '[Conveyor] Resumed: Lab results',
    ]);
    expect([
      meter.total('Pauses'),
      meter.total('Resumes'),
      meter.total('AlertsSent'),
      meter.total('FailedAttempts'),
    ]).toEqual([1, 1, 2, 2]);
  });

  it('resumes a paused destination whose queue emptied', async () => {
    const { ports, directory, destination, queue, enqueue, failureOf, advance } = setUp();
    await pauseDestination(destination, failureOf(await enqueue(), 500), ports);
    queue.length = 0;
    advance(5000);

    expect(await probeDueDestinations(ports)).toMatchObject({ resumed: 1 });
    expect((await directory.getDestination(destination.id))!.status).toBe('active');
  });

  it('never calls the control plane itself: a pass with a pause recorded but not yet reconciled changes no mapping', async () => {
    const { ports, destination, controlPlane, enqueue, failureOf, advance } = setUp([
      { kind: 'answered', status: 503, durationMs: 1 },
    ]);
    await pauseDestination(destination, failureOf(await enqueue(), 503), ports);
    advance(5000);

    expect(await probeDueDestinations(ports)).toMatchObject({ paused: 1, probed: 1 });
    expect(controlPlane.calls).toEqual([]);
  });
});
