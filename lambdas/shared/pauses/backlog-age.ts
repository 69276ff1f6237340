import { MetricNames } from '../domain/metric-names';
import type { DeliveryHead, DeliveryHeads, ListedQueue, QueueListing } from '../ports/backlog';
import { errorFields } from '../runtime/logging';
import { type BacklogPauseOutcome, pauseForBacklog } from './backlog-pause';
import type { PausePorts } from './pause-ports';

/** What the backlog-age pass takes beyond a pause episode's ports: the queues, listed, and where delivery stands in each. */
export interface BacklogDependencies {
  readonly queueListing: QueueListing;
  readonly deliveryHeads: DeliveryHeads;
}

/** Everything the prober takes: the pause episode's ports and the backlog's. */
export interface BacklogPorts extends PausePorts, BacklogDependencies {}

/** What one backlog-age pass found: queues listed, those holding entries, the oldest entry's age (s), destinations it paused. */
export interface BacklogAgeResult {
  readonly queues: number;
  readonly backlogged: number;
  readonly oldestEntryAgeSeconds: number;
  readonly paused: number;
}

/** Queue depths read at once: a thousand queues take seconds, far inside SQS's request rates. */
const DEPTH_READS_AT_ONCE = 10;

/** `work` on each of `items`, at most `limit` at a time; the results in the items' order. */
const mapAtMost = async <T, R>(limit: number, items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

/**
 * The earliest time an entry still in the destination's queue can have been enqueued (epoch ms):
 * the latest of what rules older entries out. Delivery takes the oldest entry first and records
 * its send time (`headSentAt`) with its sequence number; before any such record, the queue is no
 * older than its destination; a paused destination's `queueHeadSentAt` is its head's, read by a
 * probe or left by the spill. An upper bound on the age: exact while delivery holds the head.
 */
const oldestPossibleSentAt = ({ destination, headSentAt }: DeliveryHead): number => {
  const bounds = [headSentAt ?? destination.createdAt, destination.pause?.queueHeadSentAt].filter(
    (time): time is string => time !== undefined,
  );
  return Math.max(...bounds.map((time) => Date.parse(time)));
};

/** The queue's depth (visible, in flight and delayed entries); undefined, logged, when it cannot be read (deleted meanwhile). */
const depthOf = (queue: ListedQueue, ports: BacklogPorts): Promise<number | undefined> =>
  ports.queues.depth(queue.queueUrl).catch((error: unknown) => {
    ports.log.warn('Could not read the depth of a destination queue', {
      destinationId: queue.destinationId,
      ...errorFields(error),
    });
    return undefined;
  });

/** `pauseForBacklog`, its failure logged (the next run tries again) and answered as `head_unknown`. */
const pauseOrLog = (head: DeliveryHead, ports: BacklogPorts): Promise<BacklogPauseOutcome> => {
  const { destination } = head;
  if (destination.status !== 'active') return Promise.resolve({ outcome: 'head_unknown' });
  const whereDeliveryStands = async () =>
    (await ports.deliveryHeads.deliveryHeads([destination.id])).get(destination.id);
  return pauseForBacklog(destination, whereDeliveryStands, ports).catch((error: unknown) => {
    ports.log.warn('Destination not paused for its backlog; the next run tries again', {
      destinationId: destination.id,
      ...errorFields(error),
    });
    return { outcome: 'head_unknown' };
  });
};

/**
 * The backlog-age pass, once per prober run. SQS deletes an entry 14 days after it was enqueued,
 * in every state of its destination; the spill saves a paused destination's aging entries, and
 * this pass watches every queue and brings an active destination's aging backlog to the spill.
 * It never reads a queue's entries unless one looks old enough to act on, so it never competes
 * with the mappings. A failure with one destination is logged and the pass goes on.
 *
 * 1. List the deployment's destination queues (`QueueListing`) and read their depths, 10 at a time.
 * 2. Read the destinations of the queues holding entries, with where delivery stands in each
 *    (`DeliveryHeads`: one strongly consistent batch read per 100).
 * 3. The age of each queue's oldest entry: see `oldestPossibleSentAt`; 0 for an empty queue.
 * 4. An active destination whose oldest entry is `spillAfterSeconds` old or more (the age at which a
 *    paused destination's entries move to the spill) is paused for its backlog (`pauseForBacklog`),
 *    which finds its head and measures the age on it.
 * 5. Publish the largest age as the gauge `OldestEntryAge` (alarms cannot use SEARCH over the
 *    queues' own metrics, so the prober publishes one).
 *
 * Answers what it found; undefined, logged and without a gauge (which the alarm reads as
 * breaching), when the queues or the destinations could not be read.
 */
export const watchBacklogAge = async (ports: BacklogPorts): Promise<BacklogAgeResult | undefined> => {
  try {
    const queues = await ports.queueListing.listDestinationQueues();
    const depths = await mapAtMost(DEPTH_READS_AT_ONCE, queues, async (queue) => ({
      queue,
      depth: await depthOf(queue, ports),
    }));
    const backlogged = depths.filter(({ depth }) => (depth ?? 0) > 0).map(({ queue }) => queue);
    const heads = await ports.deliveryHeads.deliveryHeads(backlogged.map((queue) => queue.destinationId));
    let oldest = 0;
    let paused = 0;
    for (const { destinationId } of backlogged) {
      const head = heads.get(destinationId);
      if (!head) {
        // A queue left behind by a registration that failed half way: nothing delivers from it.
        ports.log.warn('A destination queue holds entries but has no destination', { destinationId });
        continue;
      }
      let sentAt = oldestPossibleSentAt(head);
      if (head.destination.status === 'active' && sentAt + ports.spillAfterSeconds * 1000 <= ports.clock().getTime()) {
        const outcome = await pauseOrLog(head, ports);
        if (outcome.outcome !== 'head_unknown') sentAt = Date.parse(outcome.headSentAt);
        if (outcome.outcome === 'paused') paused++;
      }
      oldest = Math.max(oldest, Math.round((ports.clock().getTime() - sentAt) / 1000));
    }
    ports.meter.seconds(MetricNames.oldestEntryAge, oldest);
    return { queues: queues.length, backlogged: backlogged.length, oldestEntryAgeSeconds: oldest, paused };
  } catch (error) {
    ports.log.error('Could not measure the age of the destination queues; no gauge this run', errorFields(error));
    return undefined;
  }
};
