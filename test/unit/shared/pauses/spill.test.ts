import type { Message } from '../../../../lambdas/shared/domain/model';
import { reconcileMappings } from '../../../../lambdas/shared/mappings/reconcile-mappings';
import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import { probeDestination } from '../../../../lambdas/shared/pauses/probe';
import { probeDueDestinations } from '../../../../lambdas/shared/pauses/prober-pass';
import type { DeliveryOutcome } from '../../../../lambdas/shared/ports/deliverer';
import { type Harness, setUp } from '../../../fixtures/pause-harness';

const transmissionsOf = (messages: Message[]) => messages.map((message) => message.transmissions[0]!.id);
const failing = (count: number): DeliveryOutcome[] =>
  Array.from({ length: count }, () => ({ kind: 'answered', status: 503, durationMs: 1 }));

/** The reconciler disables the paused destination's mapping and, on its next pass, sees it disabled. */
const disableMapping = async ({ ports, memory, controlPlane }: Harness) => {
  await reconcileMappings(ports, memory);
  controlPlane.settle();
  await reconcileMappings(ports, memory);
};

/** Pauses on the first of three entries, lets the reconciler disable the mapping, probes once (learning the head's age), then lets them age past `spillAfterSeconds` while two newer arrive. */
const pausedWithAgingBacklog = async () => {
  const setup = setUp(failing(2));
  const old = [await setup.enqueue(), await setup.enqueue(), await setup.enqueue()];
  await pauseDestination(setup.destination, setup.failureOf(old[0]!, 503), setup.ports);
  await disableMapping(setup);
  setup.advance(5000);
  await probeDueDestinations(setup.ports);
  setup.advance(30_000);
  const young = [await setup.enqueue(), await setup.enqueue()];
  setup.advance(30_000);
  return { ...setup, old, young };
};

describe('pauses longer than the queue retention', () => {
  it('moves entries nearing retention to the spill, head first and in order, and leaves younger ones queued', async () => {
    const { ports, directory, destination, queue, spill, meter, old, young } = await pausedWithAgingBacklog();

    expect(await probeDueDestinations(ports)).toMatchObject({ spilled: 3 });
    expect(meter.total('EntriesSpilled')).toBe(3);

    expect(spill.entries.get(destination.id)!.map((entry) => entry.body)).toEqual(
      old.map((message) => expect.stringContaining(message.transmissions[0]!.id)),
    );
    expect(queue.map((entry) => entry.body)).toEqual(
      young.map((message) => expect.stringContaining(message.transmissions[0]!.id)),
    );
    expect(queue.every((entry) => !entry.hidden)).toBe(true);
    const paused = (await directory.getDestination(destination.id))!;
    expect(paused).toMatchObject({ status: 'paused', spilled: 3, pause: { queueHeadSentAt: young[0]!.receivedAt } });
  });

  it('moves nothing while the reconciler has not seen the mapping disabled (it may still take entries)', async () => {
    const setup = setUp(failing(2));
    const { ports, destination, spill, enqueue, failureOf, advance } = setup;
    const head = await enqueue();
    await pauseDestination(destination, failureOf(head, 503), ports);
    advance(5000);
    await probeDueDestinations(ports);
    advance(120_000);

    expect(await probeDueDestinations(ports)).toMatchObject({ spilled: 0 });
    expect(spill.entries.get(destination.id)).toBeUndefined();
  });

  it('delivers the spill before the queue once the endpoint answers, then resumes with one email', async () => {
    const setup = await pausedWithAgingBacklog();
    const { ports, directory, destination, queue, spill, posted, sent, controlPlane, memory, old, young, advance } =
      setup;
    await probeDueDestinations(ports);
    posted.length = 0;

    // Every 10 s, before the younger entries reach the spill age themselves.
    for (let pass = 0; pass < 3 && (await directory.getDestination(destination.id))!.status === 'paused'; pass++) {
      advance(10_000);
      await probeDueDestinations(ports);
    }
    await reconcileMappings(ports, memory);

    expect(posted).toEqual(transmissionsOf([...old, young[0]!]));
    expect(spill.entries.get(destination.id)).toEqual([]);
    expect(queue).toHaveLength(1);
    expect((await directory.getDestination(destination.id))!).toMatchObject({ status: 'active', spilled: 0 });
    expect(controlPlane.callsOf('update').map((call) => call.enabled)).toEqual([false, true]);
    expect(sent.map((email) => email.subject)).toEqual([
      '[Conveyor] Paused: Lab results',
      '[Conveyor] Resumed: Lab results',
    ]);
  });

  it('reports the spilled entry that fails as the head, and tries it on the ladder', async () => {
    const { ports, directory, destination, old, advance } = await pausedWithAgingBacklog();
    await probeDueDestinations(ports);
    // The first spilled entry goes through; the second fails.
    (ports.deliverer as { post: unknown }).post = jest
      .fn()
      .mockResolvedValueOnce({ kind: 'answered', status: 200, durationMs: 1 })
      .mockResolvedValue({ kind: 'answered', status: 500, durationMs: 1 });
    advance(10_000);

    await probeDueDestinations(ports);

    const paused = (await directory.getDestination(destination.id))!;
    expect(paused).toMatchObject({
      status: 'paused',
      spilled: 2,
      pause: { headTransmissionId: old[1]!.transmissions[0]!.id, reason: 'HTTP 500' },
    });
    expect(Date.parse(paused.pause!.nextRetryAt) - ports.clock().getTime()).toBe(5000);
  });

  it('does nothing with a head another worker holds', async () => {
    const { ports, directory, destination, posted, advance } = await pausedWithAgingBacklog();
    await directory.holdHead(destination.id, 'someone else');
    posted.length = 0;
    advance(60_000);

    expect(await probeDestination((await directory.getDestination(destination.id))!, ports)).toBe('busy');
    expect(await probeDueDestinations(ports)).toMatchObject({ spilled: 0, resumed: 0 });
    expect(posted).toEqual([]);
  });
});
