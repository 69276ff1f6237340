/**
 * How long a healthy destination takes to receive N messages on its own, and with a neighbour
 * that is paused (its endpoint answers 500) receiving the same messages. The local stand-ins run
 * on this machine, so the figures compare the two runs; they are not AWS throughput.
 */
import { startTestConveyor, waitFor } from '../test/fixtures/conveyor';
import { startReceiver } from '../test/fixtures/receiver';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200);

const run = async (withPausedNeighbour: boolean): Promise<number> => {
  const conveyor = await startTestConveyor({ PROBE_LADDER_SECONDS: '1,2,5', PAUSE_RELEASE_SECONDS: '1', INLINE_RETRY_BACKOFF_MS: '100', INLINE_RETRY_CAP_MS: '300' });
  const [healthy, broken] = [await startReceiver(), await startReceiver()];
  broken.respond = () => 500;
  try {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const healthyDestination = await conveyor.createDestination(organization.id, healthy.url);
    await conveyor.subscribe(source.id, healthyDestination.id, 'Bench');
    if (withPausedNeighbour) {
      const brokenDestination = await conveyor.createDestination(organization.id, broken.url);
      await conveyor.subscribe(source.id, brokenDestination.id, 'Bench');
    }
    // Enqueue everything first, then time the drain of the healthy destination alone.
    const sends: Promise<unknown>[] = [];
    for (let n = 0; n < MESSAGES; n++) sends.push(conveyor.send(source.apiKey, { meta: { dataModel: 'Bench', eventType: 'Tick' }, data: { n } }));
    await Promise.all(sends);
    const start = healthy.received[0]?.at ?? Date.now();
    await waitFor(() => healthy.received.length >= MESSAGES, 'the healthy destination', 300_000);
    return (healthy.received.at(-1)!.at - Math.min(start, healthy.received[0]!.at)) / 1000;
  } finally {
    await conveyor.stop();
    await healthy.close();
    await broken.close();
  }
};

export const neighbourIsolation = async () => {
  const alone = await run(false);
  const withPaused = await run(true);
  return { messages: MESSAGES, aloneSeconds: alone, withPausedNeighbourSeconds: withPaused, ratio: withPaused / alone };
};
