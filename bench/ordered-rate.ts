/**
 * One destination is one ordered stream: it can go no faster than one message per endpoint round
 * trip. This measures how close it gets, against a receiver that takes a fixed 20 ms.
 */
import type { TestConveyor } from '../test/fixtures/conveyor';
import { waitFor } from '../test/fixtures/conveyor';
import { measureRoundTripMs, startSlowReceiver } from './harness';

export interface OrderedRate {
  readonly messages: number;
  readonly roundTripMs: number;
  readonly perSecond: number;
  readonly limitPerSecond: number;
  readonly ratio: number;
  /** Time integrators waited for their acknowledgements, added up (the ingest function's busy time). */
  readonly ingestMs: number;
}

/** Sends `messages` to one destination behind a `latencyMs` receiver; the rate is measured once every send was answered. */
export const measureOrderedRate = async (
  conveyor: TestConveyor,
  messages: number,
  options: { latencyMs?: number; payload?: unknown; beforeSending?: (destinationId: string) => void } = {},
): Promise<OrderedRate> => {
  const { latencyMs = 20, payload = {} } = options;
  const receiver = await startSlowReceiver(latencyMs);
  try {
    const roundTripMs = await measureRoundTripMs(receiver);
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const destination = await conveyor.createDestination(organization.id, receiver.url);
    await conveyor.subscribe(source.id, destination.id, 'Bench');
    options.beforeSending?.(destination.id);
    const lanes = 4;
    let ingestMs = 0;
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let n = lane; n < messages; n += lanes) {
          const started = performance.now();
          const answer = await conveyor.send(source.apiKey, {
            meta: { dataModel: 'Bench', eventType: 'Tick' },
            data: { n, payload },
          });
          ingestMs += performance.now() - started;
          if (answer.status !== 200) throw new Error(`Ingest answered ${answer.status}`);
        }
      }),
    );
    const sendsDone = Date.now();
    await waitFor(() => receiver.received.length >= messages, 'every delivery', 600_000);
    // The steady drain: arrivals after the last send was answered, so ingest does not compete.
    const steady = receiver.received.filter((delivery) => delivery.at >= sendsDone);
    if (steady.length < 20)
      throw new Error(`Only ${steady.length} deliveries after the sends finished; send more messages`);
    const perSecond = (steady.length - 1) / ((steady.at(-1)!.at - steady[0]!.at) / 1000);
    const limitPerSecond = 1000 / roundTripMs;
    return { messages, roundTripMs, perSecond, limitPerSecond, ratio: perSecond / limitPerSecond, ingestMs };
  } finally {
    await receiver.close();
  }
};
