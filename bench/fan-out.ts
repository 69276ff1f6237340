/**
 * Fifty destinations at once, each behind its own receiver that takes `latencyMs` (1 s: a slow
 * interface engine), against one destination alone behind the same receiver: each destination is
 * its own FIFO stream, so fifty of them should each go as fast as one alone. The figure is the
 * median per-destination rate of the fifty over the lone one's, and the CPU this process spent
 * per delivery (the handlers, the mapping stand-in, the SQS stand-in and the receivers; DynamoDB
 * Local runs in a process of its own and is not counted).
 */
import type { TestConveyor } from '../test/fixtures/conveyor';
import { waitFor } from '../test/fixtures/conveyor';
import type { Receiver } from '../test/fixtures/receiver';
import { percentile, startSlowReceiver } from './harness';

export interface FanOut {
  readonly destinations: number;
  readonly deliveries: number;
  readonly latencyMs: number;
  /** One destination alone behind the same receiver, messages a second. */
  readonly alonePerSecond: number;
  /** The median of the fifty destinations' own rates, messages a second. */
  readonly perDestinationPerSecond: number;
  readonly ratio: number;
  /** All deliveries of the fan-out, messages a second. */
  readonly totalPerSecond: number;
  /** CPU time (user + system) of this process per delivery during the fan-out's drain, ms. */
  readonly cpuMsPerDelivery: number;
}

/** A destination's own rate: deliveries after the sends were answered, over their span. */
const rateOf = (receiver: Receiver, from: number): number => {
  const arrivals = receiver.received.map((delivery) => delivery.at).filter((at) => at >= from);
  if (arrivals.length < 3) throw new Error('Too few deliveries after the sends finished; send more messages');
  return (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]!) / 1000);
};

/** Sends `messages` to `destinationCount` destinations (each subscribed to them) and waits for every delivery. */
const drain = async (conveyor: TestConveyor, destinationCount: number, messages: number, latencyMs: number) => {
  const receivers: Receiver[] = [];
  const organization = await conveyor.createOrganization();
  const source = await conveyor.createSource(organization.id);
  for (let d = 0; d < destinationCount; d++) {
    const receiver = await startSlowReceiver(latencyMs);
    receivers.push(receiver);
    const destination = await conveyor.createDestination(organization.id, receiver.url);
    await conveyor.subscribe(source.id, destination.id, 'FanOut');
  }
  try {
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
    const cpuBefore = process.cpuUsage();
    const deliveries = destinationCount * messages;
    const count = () => receivers.reduce((sum, receiver) => sum + receiver.received.length, 0);
    await waitFor(() => count() >= deliveries, 'every fan-out delivery', 900_000);
    const cpu = process.cpuUsage(cpuBefore);
    const arrivals = receivers
      .flatMap((receiver) => receiver.received.map((delivery) => delivery.at))
      .sort((a, b) => a - b);
    return {
      deliveries,
      rates: receivers.map((receiver) => rateOf(receiver, sendsDone)),
      totalPerSecond: (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]!) / 1000),
      cpuMsPerDelivery: (cpu.user + cpu.system) / 1000 / deliveries,
    };
  } finally {
    await Promise.all(receivers.map((receiver) => receiver.close()));
  }
};

export const measureFanOut = async (
  conveyor: TestConveyor,
  destinationCount: number,
  messages: number,
  latencyMs = 1000,
): Promise<FanOut> => {
  const alone = await drain(conveyor, 1, messages, latencyMs);
  const fanOut = await drain(conveyor, destinationCount, messages, latencyMs);
  const alonePerSecond = alone.rates[0]!;
  const perDestinationPerSecond = percentile(fanOut.rates, 50);
  return {
    destinations: destinationCount,
    deliveries: fanOut.deliveries,
    latencyMs,
    alonePerSecond,
    perDestinationPerSecond,
    ratio: perDestinationPerSecond / alonePerSecond,
    totalPerSecond: fanOut.totalPerSecond,
    cpuMsPerDelivery: fanOut.cpuMsPerDelivery,
  };
};
