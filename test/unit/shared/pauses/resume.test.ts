import type { Destination } from '../../../../lambdas/shared/domain/model';
import { reconcileMappings } from '../../../../lambdas/shared/mappings/reconcile-mappings';
import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import { resumeDestination } from '../../../../lambdas/shared/pauses/resume';
import { type Harness, setUp } from '../../../fixtures/pause-harness';

/** A paused destination whose mapping the reconciler has disabled. */
const pausedAndDisabled = async () => {
  const harness = setUp();
  await pauseDestination(harness.destination, harness.failureOf(await harness.enqueue(), 503), harness.ports);
  await reconcileMappings(harness.ports, harness.memory);
  harness.controlPlane.settle();
  await reconcileMappings(harness.ports, harness.memory);
  harness.controlPlane.calls.length = 0;
  return harness;
};
const current = async ({ directory, destination }: Harness) =>
  (await directory.getDestination(destination.id)) as Destination;
const keepHeld = jest.fn(async () => undefined);

describe('resumeDestination', () => {
  beforeEach(() => keepHeld.mockClear());

  it('records the resume with the mapping to be enabled, sends one email, and calls no control plane', async () => {
    const harness = await pausedAndDisabled();
    const { ports, worklist, controlPlane, sent, destination } = harness;

    expect(await resumeDestination(await current(harness), 'test', ports, keepHeld)).toBe(true);

    expect((await current(harness)).status).toBe('active');
    expect(await worklist.list()).toEqual([
      expect.objectContaining({ destinationId: destination.id, desired: 'enabled' }),
    ]);
    expect(sent.map((email) => email.subject)).toEqual([
      '[Conveyor] Paused: Lab results',
      '[Conveyor] Resumed: Lab results',
    ]);
    expect(controlPlane.calls).toEqual([]);
  });

  it('leaves nothing to repair when its write fails: still paused, the mapping still disabled', async () => {
    const harness = await pausedAndDisabled();
    const { ports, directory, controlPlane, destination } = harness;
    directory.recordResume = async () => {
      throw new Error('table unavailable');
    };

    await expect(resumeDestination(await current(harness), 'test', ports, keepHeld)).rejects.toThrow(
      'table unavailable',
    );

    expect((await current(harness)).status).toBe('paused');
    expect(controlPlane.stateOf(destination.mappingId)).toBe('Disabled');
  });

  it('extends the head lease before anything else, and records nothing when the lease was lost', async () => {
    const harness = await pausedAndDisabled();
    const lost = jest.fn(async () => {
      throw new Error('Lost the head lease');
    });

    await expect(resumeDestination(await current(harness), 'test', harness.ports, lost)).rejects.toThrow(
      'Lost the head lease',
    );

    expect((await current(harness)).status).toBe('paused');
    expect(harness.worklist.items.size).toBe(0);
  });

  it('refuses while entries wait in the spill, and for a destination that is not paused', async () => {
    const harness = await pausedAndDisabled();
    const paused = await current(harness);

    expect(await resumeDestination({ ...paused, spilled: 1 }, 'test', harness.ports, keepHeld)).toBe(false);
    expect(await resumeDestination(harness.destination, 'test', harness.ports, keepHeld)).toBe(false);
    expect(keepHeld).not.toHaveBeenCalled();
  });
});
