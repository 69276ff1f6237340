/**
 * One destination is one ordered stream: between the endpoint's answer for message k and the POST
 * of k+1 Conveyor must durably record that k arrived, so it can go no faster than one message per
 * (endpoint round trip + one storage write). This measures how close it gets, against a receiver
 * that takes a fixed time, with both parts of that limit measured in the same run:
 *
 * 1. Warm up (a few deliveries through the same path), measure the round trip a client sees to the
 *    receiver and a bare PutItem to the table (the functions' client settings).
 * 2. Send every message while the receiver holds its first delivery, so the queue is backlogged and
 *    the mapping hands out batches of up to 10 of the FIFO group, as Lambda does on AWS.
 * 3. Once the held delivery is answered, time the drain (arrivals after the last send was answered
 *    and after the hold, so ingest does not compete), then measure the round trip and the write
 *    again: the limit uses both samples' medians, so drift during the run hits both sides.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { TestConveyor } from '../test/fixtures/conveyor';
import { waitFor } from '../test/fixtures/conveyor';
import { measureRoundTripMs, percentile, startSlowReceiver } from './harness';

export interface OrderedRate {
  readonly messages: number;
  readonly latencyMs: number;
  /** Round trip (ms) a client sees to the receiver: the mean of its medians before and after the drain. */
  readonly roundTripMs: number;
  /** A bare PutItem (ms) of a small item to the table: the mean of its medians before and after the drain. */
  readonly storageWriteMs: number;
  /** Records per delivery invocation during the run (AWS: up to 10 for a backlogged FIFO group). */
  readonly batchSize: number;
  readonly perSecond: number;
  /** 1 / (round trip + one storage write): the physical floor of an ordered stream. */
  readonly limitPerSecond: number;
  readonly ratio: number;
  /** The rate against 1 / round trip alone (no storage at all). */
  readonly ratioToRoundTrip: number;
  /** Time integrators waited for their acknowledgements, added up (the ingest function's busy time). */
  readonly ingestMs: number;
}

/** How long the receiver holds the first delivery: long enough for the sends to queue up behind it. */
const HOLD_FIRST_MS = 8000;

/** Median of `samples` sequential bare PutItems of a small item, with the functions' document client. */
const measureStorageWriteMs = async (conveyor: TestConveyor, samples = 40): Promise<number> => {
  const { documents } = conveyor.local.clients;
  const TableName = conveyor.local.config.store.tableName;
  const times: number[] = [];
  for (let n = 0; n < samples; n++) {
    const started = performance.now();
    await documents.send(
      new PutCommand({ TableName, Item: { pk: `BENCH#${randomUUID()}`, sk: 'WRITE', sequence: n } }),
    );
    times.push(performance.now() - started);
  }
  return percentile(times, 50);
};

/** Sends `messages` to one destination behind a `latencyMs` receiver and measures the drain of the backlog. */
export const measureOrderedRate = async (
  conveyor: TestConveyor,
  messages: number,
  options: { latencyMs?: number; payload?: unknown; beforeSending?: (destinationId: string) => void } = {},
): Promise<OrderedRate> => {
  const { latencyMs = 20, payload = {} } = options;
  const receiver = await startSlowReceiver(latencyMs);
  try {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const destination = await conveyor.createDestination(organization.id, receiver.url);
    await conveyor.subscribe(source.id, destination.id, 'Bench');
    const send = async (n: number) => {
      const answer = await conveyor.send(source.apiKey, {
        meta: { dataModel: 'Bench', eventType: 'Tick' },
        data: { n, payload },
      });
      if (answer.status !== 200) throw new Error(`Ingest answered ${answer.status}`);
    };
    // Warm-up: connections, JIT and the stand-ins' caches along the whole path.
    const warmUp = 10;
    for (let n = 0; n < warmUp; n++) await send(-1 - n);
    await waitFor(() => receiver.received.length >= warmUp, 'the warm-up deliveries', 120_000);
    const roundTrips = [await measureRoundTripMs(receiver)];
    const writes = [await measureStorageWriteMs(conveyor)];
    receiver.received.length = 0;

    options.beforeSending?.(destination.id);
    const invocationsBefore = conveyor.local.mappings.invocations.count;
    let held = false;
    receiver.respond = () => {
      if (held) return { status: 200, delayMs: latencyMs };
      held = true;
      return { status: 200, delayMs: HOLD_FIRST_MS };
    };
    const lanes = 4;
    let ingestMs = 0;
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let n = lane; n < messages; n += lanes) {
          const started = performance.now();
          await send(n);
          ingestMs += performance.now() - started;
        }
      }),
    );
    const sendsDone = Date.now();
    await waitFor(() => receiver.received.length >= messages, 'every delivery', 600_000);
    const batchSize = messages / (conveyor.local.mappings.invocations.count - invocationsBefore);
    // The steady drain: arrivals once the sends were answered and the held delivery was let go.
    const released = Math.max(sendsDone, receiver.received[0]!.at + HOLD_FIRST_MS);
    const steady = receiver.received.filter((delivery) => delivery.at >= released);
    if (steady.length < 20)
      throw new Error(`Only ${steady.length} deliveries after the sends finished; send more messages`);
    const perSecond = (steady.length - 1) / ((steady.at(-1)!.at - steady[0]!.at) / 1000);
    roundTrips.push(await measureRoundTripMs(receiver));
    writes.push(await measureStorageWriteMs(conveyor));
    const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const roundTripMs = mean(roundTrips);
    const storageWriteMs = mean(writes);
    const limitPerSecond = 1000 / (roundTripMs + storageWriteMs);
    return {
      messages,
      latencyMs,
      roundTripMs,
      storageWriteMs,
      batchSize,
      perSecond,
      limitPerSecond,
      ratio: perSecond / limitPerSecond,
      ratioToRoundTrip: perSecond / (1000 / roundTripMs),
      ingestMs,
    };
  } finally {
    await receiver.close();
  }
};
