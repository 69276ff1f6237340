import type { ProvisionedDestination } from '../../../../lambdas/shared/domain/model';
import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import { setUp } from '../../../fixtures/pause-harness';

describe('pauseDestination', () => {
  it('alerts the sending organization when the endpoint refused the data, once per episode', async () => {
    const { ports, directory, destination, sent, enqueue, failureOf } = setUp();
    const head = await enqueue();

    await pauseDestination(destination, failureOf(head, 400), ports);
    await pauseDestination(
      (await directory.getDestination(destination.id)) as ProvisionedDestination,
      failureOf(head, 400),
      ports,
    );

    expect(sent).toEqual([{ to: 'hospital@example.org', subject: '[Conveyor] Paused: Lab results' }]);
    expect((await directory.getDestination(destination.id))!.pause).toMatchObject({
      fault: 'sender',
      reason: 'HTTP 400',
    });
  });

  it.each([500, 408, 429])('alerts the destination organization for HTTP %s', async (status) => {
    const { ports, destination, sent, enqueue, failureOf } = setUp();
    await pauseDestination(destination, failureOf(await enqueue(), status), ports);
    expect(sent.map((email) => email.to)).toEqual(['lab@example.org']);
  });

  it('records the mapping to be disabled for this episode, and calls no control plane (only the reconciler does)', async () => {
    const { ports, directory, destination, worklist, controlPlane, enqueue, failureOf } = setUp();

    await pauseDestination(destination, failureOf(await enqueue(), 503), ports);

    const paused = (await directory.getDestination(destination.id))!;
    expect(await worklist.list()).toEqual([
      expect.objectContaining({ destinationId: destination.id, desired: 'disabled', episode: paused.pause!.pausedAt }),
    ]);
    // Not known disabled until the reconciler sees it so: the spill waits for that.
    expect(paused.pause!.mappingDisabled).toBeUndefined();
    expect(controlPlane.calls).toEqual([]);
  });
});
