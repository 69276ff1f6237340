/**
 * Fifty destinations delivering at once, each behind its own 20 ms receiver: the total rate, and
 * its ratio to fifty times what one destination achieves alone. Every destination is its own
 * stream, so on AWS they scale out independently; here they share this machine's two cores with
 * the stand-ins.
 */
import type { TestConveyor } from '../test/fixtures/conveyor';
import { waitFor } from '../test/fixtures/conveyor';
import type { Receiver } from '../test/fixtures/receiver';
import { startSlowReceiver } from './harness';

export interface FanOut {
  readonly destinations: number;
  readonly deliveries: number;
  readonly perSecond: number;
}

export const measureFanOut = async (
  conveyor: TestConveyor,
  destinationCount: number,
  messages: number,
  latencyMs = 20,
): Promise<FanOut> => {
  const receivers: Receiver[] = [];
  try {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    for (let d = 0; d < destinationCount; d++) {
      const receiver = await startSlowReceiver(latencyMs);
      receivers.push(receiver);
      const destination = await conveyor.createDestination(organization.id, receiver.url);
      await conveyor.subscribe(source.id, destination.id, 'FanOut');
    }
    // Each message goes to every destination; sending first and then draining measures delivery alone.
    await Promise.all(
      Array.from({ length: 4 }, async (_, lane) => {
        for (let n = lane; n < messages; n += 4) {
          const answer = await conveyor.send(source.apiKey, {
            meta: { dataModel: 'FanOut', eventType: 'Tick' },
            data: { n },
          });
          if (answer.status !== 200) throw new Error(`Ingest answered ${answer.status}`);
        }
      }),
    );
    const sendsDone = Date.now();
    const deliveries = destinationCount * messages;
    const count = () => receivers.reduce((sum, receiver) => sum + receiver.received.length, 0);
    await waitFor(() => count() >= deliveries, 'every fan-out delivery', 900_000);
    const arrivals = receivers
      .flatMap((receiver) => receiver.received.map((delivery) => delivery.at))
      .filter((at) => at >= sendsDone)
      .sort((a, b) => a - b);
    return {
      destinations: destinationCount,
      deliveries,
      perSecond: (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]!) / 1000),
    };
  } finally {
    await Promise.all(receivers.map((receiver) => receiver.close()));
  }
};
