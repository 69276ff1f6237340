import { auditMappings } from '../../../../lambdas/shared/mappings/audit-mappings';
import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import { setUp } from '../../../fixtures/pause-harness';

describe('auditMappings', () => {
  it('puts on the worklist every destination whose mapping is, or is heading, other than its status asks', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, worklist, meter, destination, addDestination } = harness;
    const offWhileActive = addDestination();
    const enablingWhilePaused = addDestination();
    const disablingWhileActive = addDestination();
    const fine = addDestination();
    await pauseDestination(
      enablingWhilePaused,
      harness.failureOf(await harness.enqueue(enablingWhilePaused), 503, enablingWhilePaused),
      ports,
    );
    worklist.items.clear();
    controlPlane.set(offWhileActive.mappingId, offWhileActive.queueArn, 'Disabled');
    controlPlane.set(enablingWhilePaused.mappingId, enablingWhilePaused.queueArn, 'Enabling');
    controlPlane.set(disablingWhileActive.mappingId, disablingWhileActive.queueArn, 'Disabling');
    controlPlane.set(destination.mappingId, destination.queueArn, 'Creating');

    const audit = await auditMappings(ports, memory);

    expect(audit.drifted).toBe(3);
    expect((await worklist.list()).map((item) => item.destinationId).sort()).toEqual(
      [offWhileActive.id, enablingWhilePaused.id, disablingWhileActive.id].sort(),
    );
    expect((await worklist.list()).every((item) => item.reason === 'audit')).toBe(true);
    expect(audit.observed.get(fine.mappingId)).toEqual({
      mappingId: fine.mappingId,
      queueArn: fine.queueArn,
      state: 'Enabled',
    });
    expect(memory.mappingCount).toBe(5);
    expect(meter.total('MappingDriftFound')).toBe(3);
    expect(controlPlane.calls.map((call) => call.operation)).toEqual(['list']);
  });

  it('keeps the age of an item already on the worklist', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, worklist, destination, advance } = harness;
    await worklist.add(destination.id, 'evidence');
    const [before] = await worklist.list();
    advance(60_000);
    controlPlane.set(destination.mappingId, destination.queueArn, 'Disabled');

    await auditMappings(ports, memory);

    expect(await worklist.list()).toEqual([before]);
  });

  it('leaves alone, uncounted, a destination the worklist has already: a pause whose disable is still to come', async () => {
    const harness = setUp();
    const { ports, memory, worklist, meter, destination } = harness;
    await pauseDestination(destination, harness.failureOf(await harness.enqueue(destination), 503, destination), ports);
    const before = await worklist.list();
    expect(before.map((item) => item.destinationId)).toEqual([destination.id]);
    const writes = jest.spyOn(worklist, 'add');
    (ports.log.warn as jest.Mock).mockClear();

    const audit = await auditMappings(ports, memory);

    expect(audit.drifted).toBe(0);
    expect(meter.total('MappingDriftFound')).toBe(0);
    expect(writes).not.toHaveBeenCalled();
    expect(ports.log.warn).not.toHaveBeenCalled();
    expect(await worklist.list()).toEqual(before);
  });

  it('reports, and leaves alone, mappings of queues that are not (or no longer) destination queues', async () => {
    const harness = setUp();
    const { ports, memory, controlPlane, worklist } = harness;
    controlPlane.set('stray', 'arn:aws:sqs:us-east-1:123456789012:something-else.fifo', 'Disabled');
    controlPlane.set(
      'orphan',
      'arn:aws:sqs:us-east-1:123456789012:conveyor-dst_01JD0000000000000000000000.fifo',
      'Disabled',
    );

    expect((await auditMappings(ports, memory)).drifted).toBe(0);
    expect(worklist.items.size).toBe(0);
    expect(ports.log.warn).toHaveBeenCalledWith(
      'A mapping of the delivery function polls a queue that is not a destination queue',
      { mappingId: 'stray' },
    );
    expect(ports.log.warn).toHaveBeenCalledWith(
      'A mapping feeds the queue of a destination that does not exist',
      expect.objectContaining({ mappingId: 'orphan' }),
    );
  });
});
