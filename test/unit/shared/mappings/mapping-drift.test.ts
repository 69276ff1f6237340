import { reportMappingDrift } from '../../../../lambdas/shared/mappings/mapping-drift';
import { setUp } from '../../../fixtures/pause-harness';

describe('reportMappingDrift', () => {
  it('counts the destinations on the worklist for five minutes or more, and names them in the log', async () => {
    const { ports, worklist, meter, destination, addDestination, advance } = setUp();
    const later = addDestination();
    await worklist.add(destination.id, 'audit');
    advance(200_000);
    await worklist.add(later.id, 'evidence');

    expect(await reportMappingDrift(ports)).toBe(0);
    advance(100_000);
    expect(await reportMappingDrift(ports)).toBe(1);

    expect(meter.recorded.filter((entry) => entry.name === 'MappingDrift').map((entry) => entry.value)).toEqual([0, 1]);
    expect(ports.log.warn).toHaveBeenCalledWith(
      "A mapping has differed from its destination's state for too long",
      expect.objectContaining({ destinationId: destination.id, reason: 'audit' }),
    );
  });

  it('starts counting again when a status change rewrites the item', async () => {
    const { ports, worklist, destination, advance } = setUp();
    await worklist.add(destination.id, 'evidence');
    advance(400_000);
    worklist.put(destination.id, 'enabled');

    expect(await reportMappingDrift(ports)).toBe(0);
  });
});
