import { reportPauseGauges } from '../../../../lambdas/shared/pauses/gauges';
import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import { probeDueDestinations } from '../../../../lambdas/shared/pauses/prober-pass';
import { reconcileMappings } from '../../../../lambdas/shared/mappings/reconcile-mappings';
import { setUp } from '../../../fixtures/pause-harness';

describe('reportPauseGauges', () => {
  it('reports paused destinations, the longest pause and the oldest entry waiting, spill first', async () => {
    const { ports, destination, meter, memory, controlPlane, enqueue, failureOf, advance } = setUp([
      { kind: 'answered', status: 503, durationMs: 1 },
      { kind: 'answered', status: 503, durationMs: 1 },
    ]);
    await reportPauseGauges(ports);
    expect([meter.last('PausedDestinations'), meter.last('LongestPause'), meter.last('OldestPausedEntryAge')]).toEqual([
      0, 0, 0,
    ]);

    const head = await enqueue();
    advance(30_000);
    await pauseDestination(destination, failureOf(head, 503), ports);
    // The reconciler disables the mapping and sees it disabled: the spill may run from then on.
    await reconcileMappings(ports, memory);
    controlPlane.settle();
    await reconcileMappings(ports, memory);
    advance(90_000);
    await reportPauseGauges(ports);
    // Before any probe read the head, the pause's own age is the floor for the head's.
    expect([meter.last('PausedDestinations'), meter.last('LongestPause'), meter.last('OldestPausedEntryAge')]).toEqual([
      1, 90, 90,
    ]);

    // A probe reads the head's own send time; the next pass moves it to the spill (older than 60 s).
    await probeDueDestinations(ports);
    await reportPauseGauges(ports);
    expect([meter.last('OldestPausedEntryAge'), meter.last('SpillBacklog')]).toEqual([120, 0]);
    await probeDueDestinations(ports);
    await reportPauseGauges(ports);
    expect([meter.last('OldestPausedEntryAge'), meter.last('SpillBacklog')]).toEqual([120, 1]);
  });
});
