import type { ActiveDestination } from '../../../../lambdas/shared/domain/model';
import { auditMappings } from '../../../../lambdas/shared/mappings/audit-mappings';
import { ReconcilerMemory } from '../../../../lambdas/shared/mappings/mapping-ports';
import { RECONCILE_TURN_MS, reconcileMappings } from '../../../../lambdas/shared/mappings/reconcile-mappings';
import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import { probeDestination } from '../../../../lambdas/shared/pauses/probe';
import { clockBucket, type Harness, setUp } from '../../../fixtures/pause-harness';

/** Passes of the reconciler until its worklist is empty, the mapping changes taking effect between passes (at most `limit`). */
const reconcileUntilSettled = async ({ ports, memory, controlPlane, worklist }: Harness, limit = 10) => {
  for (let pass = 0; pass < limit && worklist.items.size > 0; pass++) {
    await reconcileMappings(ports, memory);
    controlPlane.settle();
  }
  expect(worklist.items.size).toBe(0);
};

const pause = async (harness: Harness, destination: ActiveDestination = harness.destination) =>
  pauseDestination(destination, harness.failureOf(await harness.enqueue(destination), 503, destination), harness.ports);

describe('reconcileMappings', () => {
  it('disables a paused destination’s mapping with one call, and records it disabled for the episode once it is', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, directory, destination, worklist } = harness;
    await pause(harness);

    expect(await reconcileMappings(ports, memory)).toEqual({ pending: 1, updated: 1, settled: 0 });
    expect(controlPlane.stateOf(destination.mappingId)).toBe('Disabling');
    // Still disabling (and polling): no second update, nothing recorded yet.
    expect(await reconcileMappings(ports, memory)).toEqual({ pending: 1, updated: 0, settled: 0 });
    expect((await directory.getDestination(destination.id))!.pause!.mappingDisabled).toBeUndefined();
    controlPlane.settle();
    expect(await reconcileMappings(ports, memory)).toEqual({ pending: 0, updated: 0, settled: 1 });

    expect((await directory.getDestination(destination.id))!.pause!.mappingDisabled).toBe(true);
    expect(worklist.items.size).toBe(0);
    expect(controlPlane.callsOf('update')).toEqual([
      { operation: 'update', mappingId: destination.mappingId, enabled: false },
    ]);
  });

  it('repairs a retried disable that landed after a resume: the audit finds the active destination’s mapping off and the reconciler enables it', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, directory, destination, queue, advance } = harness;
    await pause(harness);
    await reconcileUntilSettled(harness);
    queue.length = 0;
    advance(5000);
    expect(await probeDestination((await directory.getDestination(destination.id))!, ports)).toBe('resumed');
    await reconcileUntilSettled(harness);
    expect(controlPlane.stateOf(destination.mappingId)).toBe('Enabled');

    // A disable retried by some caller lands now, after the resume: the last accepted update wins.
    controlPlane.set(destination.mappingId, destination.queueArn, 'Disabled');
    const audit = await auditMappings(ports, memory);
    expect(audit.drifted).toBe(1);
    await reconcileMappings(ports, memory, { observed: audit.observed });
    controlPlane.settle();
    await reconcileUntilSettled(harness);

    expect((await directory.getDestination(destination.id))!.status).toBe('active');
    expect(controlPlane.stateOf(destination.mappingId)).toBe('Enabled');
  });

  it('enables the mapping of a destination resumed while a stray disable was landing: the resume’s worklist item outlives it', async () => {
    const harness = setUp();
    const { ports, controlPlane, directory, destination, queue, advance } = harness;
    await pause(harness);
    await reconcileUntilSettled(harness);
    queue.length = 0;
    advance(5000);
    await probeDestination((await directory.getDestination(destination.id))!, ports);
    // Before the reconciler's next pass, the mapping is disabled once more.
    controlPlane.set(destination.mappingId, destination.queueArn, 'Disabled');

    await reconcileUntilSettled(harness);

    expect(controlPlane.stateOf(destination.mappingId)).toBe('Enabled');
  });

  it('enables the mapping of a resume whose process died right after its write to the table', async () => {
    const harness = setUp();
    const { ports, controlPlane, directory, destination, queue, advance } = harness;
    await pause(harness);
    await reconcileUntilSettled(harness);
    queue.length = 0;
    advance(5000);
    // The resume is recorded, then the process dies before anything else.
    ports.messages.setTransmissionStatus = async () => {
      throw new Error('process killed');
    };

    await expect(probeDestination((await directory.getDestination(destination.id))!, ports)).rejects.toThrow(
      'process killed',
    );
    expect((await directory.getDestination(destination.id))!.status).toBe('active');
    expect(controlPlane.stateOf(destination.mappingId)).toBe('Disabled');
    await reconcileUntilSettled(harness);

    expect(controlPlane.stateOf(destination.mappingId)).toBe('Enabled');
  });

  it.each(['ResourceInUseException', 'ResourceConflictException', 'TooManyRequestsException'] as const)(
    'leaves an update refused with %s for the next pass, without retrying it in this one',
    async (refusal) => {
      const harness = setUp();
      const { ports, memory, controlPlane, destination } = harness;
      await pause(harness);
      controlPlane.refuseNext('update', refusal);

      expect(await reconcileMappings(ports, memory)).toMatchObject({ pending: 1, updated: 0 });
      expect(controlPlane.callsOf('update')).toHaveLength(1);
      expect(controlPlane.stateOf(destination.mappingId)).toBe('Enabled');

      expect(await reconcileMappings(ports, memory)).toMatchObject({ pending: 1, updated: 1 });
      expect(controlPlane.stateOf(destination.mappingId)).toBe('Disabling');
    },
  );

  it('never makes more calls in a pass than the bucket holds, and stops at the first refusal', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, bucket, addDestination } = harness;
    const destinations = [harness.destination, ...Array.from({ length: 29 }, () => addDestination())];
    for (const destination of destinations) await pause(harness, destination);

    let passes = 0;
    while (harness.worklist.items.size > 0 && passes < 100) {
      bucket.tokens = 5;
      const before = controlPlane.calls.length;
      await reconcileMappings(ports, memory);
      expect(controlPlane.calls.length - before).toBeLessThanOrEqual(5);
      controlPlane.settle();
      passes++;
    }

    expect(destinations.every((destination) => controlPlane.stateOf(destination.mappingId) === 'Disabled')).toBe(true);
    // Three calls each (describe, update, describe) at five a pass, and a describe spent when the
    // bucket runs out between it and its update: 105 calls at most, 90 of them needed.
    expect(passes).toBe(21);
    expect(bucket.waited).toBe(0);
  });

  it('waits for its share of the control plane within its turn (5 s at 5 calls a second), then leaves the rest for the next pass', async () => {
    let bucket: ReturnType<typeof clockBucket> | undefined;
    const harness = setUp([], { bucket: (clock) => (bucket = clockBucket(clock, 5)) });
    const { ports, memory, controlPlane, addDestination } = harness;
    const destinations = [harness.destination, ...Array.from({ length: 19 }, () => addDestination())];
    for (const destination of destinations) await pause(harness, destination);
    const started = ports.clock().getTime();

    const result = await reconcileMappings(ports, memory);

    // A full bucket (5), then one token every 200 ms for 5 s: 30 calls, a describe and an update each.
    expect(bucket!.taken()).toBe(30);
    expect(result).toMatchObject({ updated: 15, pending: 20 });
    expect(ports.clock().getTime() - started).toBeLessThanOrEqual(RECONCILE_TURN_MS);
    expect(controlPlane.callsOf('update')).toHaveLength(15);
  });

  it('goes on waiting for its share while the rest of the pass goes on', async () => {
    const harness = setUp([], { bucket: (clock) => clockBucket(clock, 5) });
    const { ports, memory, addDestination } = harness;
    const destinations = [harness.destination, ...Array.from({ length: 19 }, () => addDestination())];
    for (const destination of destinations) await pause(harness, destination);
    const probesEndAt = ports.clock().getTime() + 10_000;

    const result = await reconcileMappings(ports, memory, { passGoesOn: () => ports.clock().getTime() < probesEndAt });

    expect(result).toMatchObject({ updated: 20 });
  });

  it('rotates its starting point, so a mapping that never settles does not starve the others', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, bucket, addDestination } = harness;
    const destinations = [harness.destination, ...Array.from({ length: 5 }, () => addDestination())];
    for (const destination of destinations) await pause(harness, destination);
    // The first destination's mapping is stuck being updated (by someone else) for good.
    const [stuck, ...others] = [...destinations].sort((a, b) => (a.id < b.id ? -1 : 1));
    controlPlane.set(stuck!.mappingId, stuck!.queueArn, 'Updating');

    for (let pass = 0; pass < 12; pass++) {
      // Two calls a pass: a describe and an update, one destination at a time.
      bucket.tokens = 2;
      await reconcileMappings(ports, memory);
      controlPlane.settle();
    }

    expect(others.every((destination) => controlPlane.stateOf(destination.mappingId) === 'Disabled')).toBe(true);
    expect(controlPlane.callsOf('get').filter((call) => call.mappingId === stuck!.mappingId).length).toBeLessThan(6);
  });

  it('starts the first pass of a new prober at a random destination', async () => {
    const harness = setUp();
    const { ports, controlPlane, bucket, addDestination } = harness;
    const destinations = [harness.destination, addDestination(), addDestination(), addDestination()];
    for (const destination of destinations) await pause(harness, destination);
    const sorted = [...destinations].sort((a, b) => (a.id < b.id ? -1 : 1));
    bucket.tokens = 1;

    await reconcileMappings(ports, new ReconcilerMemory(() => 0.5));

    expect(controlPlane.calls).toEqual([{ operation: 'get', mappingId: sorted[2]!.mappingId }]);
  });

  it('reads every mapping with one listing when that takes fewer calls than a describe each', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, addDestination } = harness;
    const destinations = [harness.destination, addDestination(), addDestination()];
    for (const destination of destinations) await pause(harness, destination);
    memory.mappingCount = 3;

    expect(await reconcileMappings(ports, memory)).toMatchObject({ updated: 3 });
    expect(controlPlane.calls.map((call) => call.operation)).toEqual(['list', 'update', 'update', 'update']);
  });

  it('takes off the worklist a destination that no longer exists', async () => {
    const harness = setUp();
    const { ports, memory, worklist, controlPlane } = harness;
    await worklist.add('dst_01JD0000000000000000000000', 'evidence');

    expect(await reconcileMappings(ports, memory)).toEqual({ pending: 0, updated: 0, settled: 1 });
    expect(controlPlane.calls).toEqual([]);
  });

  it('leaves on the worklist (for the drift alarm) a destination whose mapping is gone', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, destination } = harness;
    await pause(harness);
    controlPlane.states.delete(destination.mappingId);

    expect(await reconcileMappings(ports, memory)).toEqual({ pending: 1, updated: 0, settled: 0 });
    expect(ports.log.error).toHaveBeenCalledWith(
      "The destination's event-source mapping does not exist",
      expect.objectContaining({ destinationId: destination.id }),
    );
  });

  it('keeps an item rewritten meanwhile: a removal never takes away a newer desired state', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, worklist, destination } = harness;
    await pause(harness);
    await reconcileMappings(ports, memory);
    controlPlane.settle();
    const read = await worklist.list();
    worklist.put(destination.id, 'disabled', 'another episode');

    expect(await worklist.remove(read[0]!)).toBe(false);
    expect(worklist.items.size).toBe(1);
  });

  it('withdraws "mapping disabled" from a paused destination whose mapping runs again, then disables it', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, directory, destination, worklist } = harness;
    await pause(harness);
    await reconcileUntilSettled(harness);
    expect((await directory.getDestination(destination.id))!.pause!.mappingDisabled).toBe(true);
    // Something enabled it; the delivery function is handed a batch and reports it.
    controlPlane.set(destination.mappingId, destination.queueArn, 'Enabled');
    await worklist.add(destination.id, 'evidence');

    await reconcileMappings(ports, memory);

    expect((await directory.getDestination(destination.id))!.pause!.mappingDisabled).toBe(false);
    expect(controlPlane.stateOf(destination.mappingId)).toBe('Disabling');
    controlPlane.settle();
    await reconcileMappings(ports, memory);
    expect((await directory.getDestination(destination.id))!.pause!.mappingDisabled).toBe(true);
  });
});
