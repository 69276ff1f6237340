/**
 * How long a healthy destination takes to receive N messages on its own, and with a neighbour
 * that is paused (its endpoint answers 500) receiving the same messages. Both runs share one
 * local runtime on this machine, so the figures compare the two; they are not AWS throughput.
 */
import { ENV, envReader } from '../lambdas/shared/runtime/env';
import { type TestConveyor, waitFor } from '../test/fixtures/conveyor';
import { type Receiver, startReceiver } from '../test/fixtures/receiver';

/** Messages per run (BENCH_MESSAGES overrides). */
const MESSAGES = envReader().integer(ENV.BENCH_MESSAGES, 200);

const drainSeconds = async (
  conveyor: TestConveyor,
  receivers: Receiver[],
  withPausedNeighbour: boolean,
): Promise<number> => {
  const healthy = await startReceiver();
  receivers.push(healthy);
  const organization = await conveyor.createOrganization();
  const source = await conveyor.createSource(organization.id);
  const healthyDestination = await conveyor.createDestination(organization.id, healthy.url);
  await conveyor.subscribe(source.id, healthyDestination.id, 'Bench');
  if (withPausedNeighbour) {
    const broken = await startReceiver();
    receivers.push(broken);
    broken.respond = () => 500;
    const brokenDestination = await conveyor.createDestination(organization.id, broken.url);
    await conveyor.subscribe(source.id, brokenDestination.id, 'Bench');
  }
  const sends: Promise<unknown>[] = [];
  for (let n = 0; n < MESSAGES; n++)
    sends.push(conveyor.send(source.apiKey, { meta: { dataModel: 'Bench', eventType: 'Tick' }, data: { n } }));
  await Promise.all(sends);
  await waitFor(() => healthy.received.length >= MESSAGES, 'the healthy destination', 300_000);
  // From the first arrival to the last: the drain of the healthy destination's queue.
  return (healthy.received.at(-1)!.at - healthy.received[0]!.at) / 1000;
};

/** Probing and inline retries quick enough that the paused neighbour keeps working the machine. */
export const NEIGHBOUR_ISOLATION_ENVIRONMENT = {
  [ENV.PROBE_LADDER_SECONDS]: '1,2,5',
  [ENV.PAUSE_RELEASE_SECONDS]: '1',
  [ENV.INLINE_RETRY_BACKOFF_MS]: '100',
  [ENV.INLINE_RETRY_CAP_MS]: '300',
};

export const neighbourIsolation = async (conveyor: TestConveyor) => {
  const receivers: Receiver[] = [];
  try {
    await drainSeconds(conveyor, receivers, false); // warm-up: JIT, connections, JVM
    const alone = await drainSeconds(conveyor, receivers, false);
    const withPaused = await drainSeconds(conveyor, receivers, true);
    return {
      messages: MESSAGES,
      aloneSeconds: alone,
      withPausedNeighbourSeconds: withPaused,
      ratio: withPaused / alone,
    };
  } finally {
    await Promise.all(receivers.map((receiver) => receiver.close()));
  }
};
