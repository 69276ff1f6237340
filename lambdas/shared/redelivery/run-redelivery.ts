import { isProvisioned } from '../domain/destinations';
import { encodeEnvelope, encodeReferenceEnvelope, type EnvelopeHeader } from '../domain/envelope';
import { MetricNames } from '../domain/metric-names';
import type { Arrival, Message } from '../domain/model';
import { entryNeedsPayloadStore, MAX_INLINE_ENTRY_ESCAPED_BYTES } from '../domain/size-limits';
import type { Directory } from '../ports/directory';
import type { MessageStore } from '../ports/messages';
import type { Clock, Log, Meter } from '../ports/observe';
import type { PayloadStore } from '../ports/payloads';
import type { DestinationQueues } from '../ports/queues';
import type { PayloadArchive, Redelivery, RedeliveryStore, RestoredPayload } from '../ports/redeliveries';

/** What running a redelivery reads and writes. */
export interface RedeliveryPorts {
  readonly redeliveries: RedeliveryStore;
  readonly archive: PayloadArchive;
  readonly payloads: PayloadStore;
  readonly directory: Pick<Directory, 'getDestination'>;
  readonly messages: Pick<MessageStore, 'getMessages'>;
  readonly queues: Pick<DestinationQueues, 'send'>;
  readonly clock: Clock;
  readonly log: Log;
  readonly meter: Meter;
}

/** How long (ms) a holder keeps a redelivery between pages: far longer than one page takes. */
export const REDELIVERY_LEASE_MS = 60_000;
/** Arrivals read per page: one BatchGetItem of their messages (at most 100 keys) and one progress write. */
const PAGE_SIZE = 50;
/** Kept payloads restored at once within a page (S3 requests in parallel). */
const RESTORE_CONCURRENCY = 10;

/** The token a redelivery leaves on each transmission it moves, so it never moves one twice. */
export const redeliveryToken = (redeliveryId: string) => `redelivery:${redeliveryId}`;

/** How far one turn got: `done` (every page enqueued, the redelivery removed), `more` (out of time), `lost` (another holder took it). */
export type RedeliveryTurn = 'done' | 'more' | 'lost';

/** The arrivals of a page that are in the range, and whether the range ends within the page. */
const inRange = (redelivery: Redelivery, arrivals: readonly Arrival[]) => {
  // Arrival times rise with sequence numbers: the first one at or after `until` ends the range.
  const end = arrivals.findIndex((arrival) => arrival.arrivedAt >= redelivery.until);
  const taken = end < 0 ? arrivals : arrivals.slice(0, end);
  return {
    arrivals: taken.filter((arrival) => arrival.arrivedAt >= redelivery.since),
    ended: end >= 0 || arrivals.length < PAGE_SIZE,
    next: arrivals.length === 0 ? redelivery.lastSequence + 1 : arrivals.at(-1)!.sequence + 1,
  };
};

const restoreAll = async (arrivals: readonly Arrival[], ports: RedeliveryPorts) => {
  const restored: (RestoredPayload | undefined)[] = [];
  for (let start = 0; start < arrivals.length; start += RESTORE_CONCURRENCY) {
    restored.push(
      ...(await Promise.all(
        arrivals
          .slice(start, start + RESTORE_CONCURRENCY)
          .map((arrival) => ports.archive.restore(arrival.messageId, MAX_INLINE_ENTRY_ESCAPED_BYTES)),
      )),
    );
  }
  return restored;
};

/**
 * The queue entry of a redelivered transmission: inline when it fits a delivery batch, else by
 * reference (`entryNeedsPayloadStore`; the escaped-size limit is far under SQS's 1 MiB, so it decides).
 */
const entryBody = async (header: EnvelopeHeader, payload: RestoredPayload, ports: RedeliveryPorts) => {
  if ('reference' in payload) return encodeReferenceEnvelope(header, payload.reference);
  const body = encodeEnvelope(header, payload.rawData);
  if (!entryNeedsPayloadStore(body, MAX_INLINE_ENTRY_ESCAPED_BYTES)) return body;
  const key = await ports.payloads.put(header.messageId, payload.rawData);
  return encodeReferenceEnvelope(header, { key, bytes: Buffer.byteLength(payload.rawData) });
};

/**
 * Enqueues one redelivery's transmissions again, page by page, until it is done or `deadline`
 * (epoch ms) passes; the caller holds its lease (`holder`). Safe to stop anywhere and run again:
 *
 * 1. Read the next page of the destination's arrival log (sequence `nextSequence` up to the
 *    `lastSequence` it was asked at) and keep the arrivals in [since, until).
 * 2. Restore their kept payloads (`PayloadArchive.restore`); a message whose payload is no longer
 *    kept is left out (logged, `RedeliveryPayloadsMissing`).
 * 3. In arrival order: move each transmission from delivered to queued at its next generation
 *    (`prepareRedelivery`, once per redelivery) and send its entry, same transmission id (the
 *    `webhook-id`), to the tail of the destination's queue; delivery gives it a new sequence
 *    number. A transmission not delivered now (queued, paused, skipped, cancelled) is left alone.
 *    One moved by an earlier turn whose page was not recorded is sent again: SQS drops the copy
 *    within its 5-minute deduplication window, and delivery drops a later one as a duplicate.
 * 4. Record the page done (`advance`) and renew the lease; at the end, remove the redelivery.
 *
 * A redelivery whose destination is gone (deleted, or being deleted) is removed unfinished.
 * @throws the store's, the archive's or the queue's error; the redelivery stays where its last page left it
 */
export const runRedelivery = async (
  redelivery: Redelivery,
  holder: string,
  deadline: number,
  ports: RedeliveryPorts,
): Promise<RedeliveryTurn> => {
  const ids = { redeliveryId: redelivery.id, destinationId: redelivery.destinationId };
  const destination = await ports.directory.getDestination(redelivery.destinationId);
  if (!destination || !isProvisioned(destination)) {
    ports.log.warn('Redelivery dropped: its destination is gone', ids);
    await ports.redeliveries.finish(redelivery.id);
    return 'done';
  }
  const token = redeliveryToken(redelivery.id);
  let { nextSequence, enqueued } = redelivery;
  for (;;) {
    const page = await ports.redeliveries.listArrivals(
      redelivery.destinationId,
      nextSequence,
      redelivery.lastSequence,
      PAGE_SIZE,
    );
    const { arrivals, ended, next } = inRange(redelivery, page);
    const [messages, payloads] = await Promise.all([
      ports.messages.getMessages([...new Set(arrivals.map((arrival) => arrival.messageId))]),
      restoreAll(arrivals, ports),
    ]);
    for (const [index, arrival] of arrivals.entries()) {
      const arrivalIds = { ...ids, transmissionId: arrival.transmissionId, messageId: arrival.messageId };
      const payload = payloads[index];
      const message = messages.get(arrival.messageId);
      if (payload === undefined || message === undefined || message === 'abandoned') {
        ports.log.error('Redelivery left a transmission out: its payload is no longer kept', arrivalIds);
        ports.meter.count(MetricNames.redeliveryPayloadsMissing);
        continue;
      }
      const preparation = await ports.redeliveries.prepareRedelivery(arrival.messageId, arrival.transmissionId, token);
      if (preparation.outcome === 'not_delivered' || preparation.status === 'delivered') {
        // Not delivered now, or delivered again already by this redelivery: nothing to send.
        ports.log.info('Redelivery passed over a transmission', { ...arrivalIds, status: preparation.status });
        continue;
      }
      const header = headerOf(message, arrival, redelivery.destinationId, preparation.generation);
      await ports.queues.send(destination.queueUrl, {
        groupId: destination.id,
        deduplicationId: `${arrival.transmissionId}-g${preparation.generation}`,
        body: await entryBody(header, payload, ports),
      });
      enqueued++;
      ports.meter.count(MetricNames.transmissionsRedelivered);
    }
    nextSequence = ended ? redelivery.lastSequence + 1 : next;
    if (!(await ports.redeliveries.advance(redelivery.id, holder, nextSequence, enqueued))) return 'lost';
    if (ended) {
      await ports.redeliveries.finish(redelivery.id);
      ports.log.info('Redelivery enqueued', { ...ids, count: redelivery.count, enqueued });
      return 'done';
    }
    if (ports.clock().getTime() >= deadline) return 'more';
    if (!(await ports.redeliveries.take(redelivery.id, holder, REDELIVERY_LEASE_MS))) return 'lost';
  }
};

const headerOf = (message: Message, arrival: Arrival, destinationId: string, generation: number): EnvelopeHeader => ({
  v: 1,
  messageId: message.id,
  transmissionId: arrival.transmissionId,
  destinationId,
  sourceId: message.sourceId,
  dataModel: message.dataModel,
  eventType: message.eventType,
  receivedAt: message.receivedAt,
  generation,
});
