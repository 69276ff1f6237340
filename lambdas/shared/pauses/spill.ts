import { MetricNames } from '../domain/metric-names';
import type { PausedDestination } from '../domain/model';
import type { KeepHeadHeld } from './head-lease';
import type { PausePorts } from './pause-ports';

/** Time (ms) one worker spends on one destination's spill (moving entries in or delivering them out) per turn. */
export const SPILL_TURN_MS = 20_000;
/** How long entries taken to be moved to the spill stay hidden; a move takes milliseconds. */
const SPILL_RECEIVE_VISIBILITY_SECONDS = 60;

/** True when an entry sent at `sentAt` is `spillAfterSeconds` old or more: nearing the queue's retention. */
export const isNearingRetention = (sentAt: string, ports: Pick<PausePorts, 'spillAfterSeconds' | 'clock'>): boolean =>
  Date.parse(sentAt) + ports.spillAfterSeconds * 1000 <= ports.clock().getTime();

/**
 * True when a paused destination's queue entries are to move to the spill: its mapping is off and
 * the oldest entry still in the queue was sent `spillAfterSeconds` ago or more.
 */
export const isSpillDue = (
  destination: PausedDestination,
  ports: Pick<PausePorts, 'spillAfterSeconds' | 'clock'>,
): boolean => {
  const { queueHeadSentAt, mappingDisabled } = destination.pause;
  return !!queueHeadSentAt && !!mappingDisabled && isNearingRetention(queueHeadSentAt, ports);
};

/**
 * Moves the queue entries that are getting close to the queue's retention, head first and in
 * order, to the spill, where no retention applies. Each is kept before it is deleted from the
 * queue, and keeping is idempotent, so a mover that dies halfway loses and duplicates nothing.
 * The caller holds the head lease; entries are taken 10 at a time (SQS's most per receive) for
 * up to `SPILL_TURN_MS`. Returns how many entries moved; throws what the ports throw.
 */
export const spillAgingEntries = async (
  destination: PausedDestination,
  ports: PausePorts,
  keepHeld: KeepHeadHeld,
): Promise<number> => {
  const { queueUrl } = destination;
  const deadline = ports.clock().getTime() + SPILL_TURN_MS;
  let moved = 0;
  for (;;) {
    if (moved > 0) await keepHeld();
    const entries = await ports.queues.receiveHeads(queueUrl, 10, SPILL_RECEIVE_VISIBILITY_SECONDS);
    if (entries.length === 0) {
      // An empty queue holds nothing older than now; a hidden head is looked at again next pass.
      if ((await ports.queues.depth(queueUrl)) === 0)
        await ports.destinationState.recordPauseChange(destination.id, {
          queueHeadSentAt: ports.clock().toISOString(),
        });
      break;
    }
    const firstYoung = entries.findIndex((entry) => !isNearingRetention(entry.sentAt, ports));
    const aging = firstYoung === -1 ? entries : entries.slice(0, firstYoung);
    for (const entry of aging) {
      await ports.spill.keep(destination.id, { position: entry.position, sentAt: entry.sentAt, body: entry.body });
      await ports.queues.delete(queueUrl, entry.receiptHandle);
      moved++;
    }
    const young = entries.slice(aging.length);
    const [oldestYoung] = young;
    if (oldestYoung) {
      await ports.queues.release(
        queueUrl,
        young.map((entry) => entry.receiptHandle),
        0,
      );
      await ports.destinationState.recordPauseChange(destination.id, { queueHeadSentAt: oldestYoung.sentAt });
      break;
    }
    if (ports.clock().getTime() > deadline) break;
  }
  if (moved > 0) {
    ports.log.warn('Moved aging queue entries to the spill', { destinationId: destination.id, moved });
    ports.meter.count(MetricNames.entriesSpilled, moved);
  }
  return moved;
};
