import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ArrivalFold, ArrivalNotRecordedError } from '../shared/transmissions/arrival-fold';
import { deliverTransmission, type DeliveryResult } from '../shared/transmissions/deliver-transmission';
import { reservationKeyOf } from '../shared/domain/ids';
import { isProvisioned, isRemoved } from '../shared/domain/destinations';
import { attemptTimeoutMs, deliveryBytesOf } from '../shared/domain/delivery-timeout';
import { decodeEnvelopeHeader, type EnvelopeHeader } from '../shared/domain/envelope';
import { errorFields } from '../shared/runtime/logging';
import { type PausePorts } from '../shared/pauses/pause-ports';
import { pauseDestination } from '../shared/pauses/pause';

/** An attempt the endpoint did not accept; the record and every later one go back to the queue. */
export class DeliveryFailedError extends Error {
  constructor(readonly reason: string) {
    super(`Delivery failed: ${reason}`);
    this.name = 'DeliveryFailedError';
  }
}

/** The invocation has no time left for another attempt; the rest of the batch is retried at once. */
class OutOfTimeError extends Error {
  override name = 'OutOfTimeError';
}

/** A record the processor handed over is not one of the event's records (never expected). */
class UnknownRecordError extends Error {
  constructor(sqsMessageId: string) {
    super(`Record ${sqsMessageId} is not one of the batch's records`);
    this.name = 'UnknownRecordError';
  }
}

/** How long records that failed for an internal reason (not the endpoint) wait before a retry. */
const INTERNAL_RETRY_SECONDS = 10;

/** Whole seconds (0 to SQS's 12-hour visibility limit) until `time` (ms since the epoch). */
const secondsUntil = (time: number, now: number) => Math.min(Math.max(Math.floor((time - now) / 1000), 0), 43_200);

const failAll = (records: readonly SQSRecord[]): SQSBatchResponse => ({
  batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })),
});

/**
 * Delivers a FIFO batch (records of one destination queue) strictly in order: the processor stops
 * at the first failure and reports that record and every later one as batchItemFailures. A
 * failure that outlived its inline retries pauses the destination; a batch for a paused
 * destination (its mapping still winding down) is handed back untouched. It never calls Lambda's
 * control plane: the reconciler, run by the prober, owns the mappings.
 *
 * 1. Decode each record's envelope header once (its data only when it is delivered).
 * 2. Read the destination and every message of the batch, together.
 * 3. Destination being deleted (or deleted): its entries are cancelled; hand every record back
 *    (visible again after `pauseReleaseSeconds`, unless the queue is gone by then) and stop.
 *    Paused destination: put it on the mapping worklist (the batch is evidence that its mapping
 *    still runs, which the reconciler looks at), hand every record back (visible again after
 *    `pauseReleaseSeconds`) and stop.
 * 4. Deliver the records in order (`deliverTransmission`, with the destination's inline retries),
 *    stopping at the first failure, or before a record the invocation has no time left for (one
 *    attempt's budget, `attemptTimeoutMs` for its body's size, plus 5 s; or its paced start,
 *    `maxPerSecond`, with that budget: such a record goes back until its start). One storage
 *    write between deliveries (`ArrivalFold`): each reservation records the arrival before it, whose
 *    own records are written while the next record is posted; the last arrival is recorded when
 *    the records are done. What each delivery does after it (keeping the payload for the
 *    retention, removing a settled message's in-flight object) runs beside the next records and is
 *    awaited before the batch answers. A delivery whose records could not be written goes back to
 *    the queue with every later record (its next reservation finds it delivered and records it).
 *    A second entry of a message in the batch (a duplicate, a replay) waits until every earlier
 *    delivery is recorded (`ArrivalFold.settle`), so that it sees them.
 * 5. A failure the endpoint caused pauses the destination (`pauseDestination`) and its records go
 *    back to the queue after `pauseReleaseSeconds`; records that failed for another reason (or
 *    were not reached in time) after 10 s, and so do all of them when a delivery's records could
 *    not be written (that delivery, not the failed record, heads the queue again: no pause names it).
 *
 * Throws (the whole batch is retried) when a header cannot be decoded or the destination does
 * not exist with a queue (a deleted one's tombstone is not that); answers every other failure as batchItemFailures.
 */
export const deliverBatch = async (event: SQSEvent, context: Context, ports: PausePorts): Promise<SQSBatchResponse> => {
  // Each record's header once, by SQS message id (its data is decoded only when it is delivered).
  const headerOf = new Map(event.Records.map((record) => [record.messageId, decodeEnvelopeHeader(record.body)]));
  const [firstHeader] = headerOf.values();
  if (!firstHeader) return { batchItemFailures: [] };
  const { destinationId } = firstHeader;
  const headerOfRecord = (record: SQSRecord): EnvelopeHeader => {
    const header = headerOf.get(record.messageId);
    if (!header) throw new UnknownRecordError(record.messageId);
    return header;
  };
  // The destination and every message of the batch in one round trip's time.
  const [destination, known] = await Promise.all([
    ports.directory.getDestination(destinationId),
    ports.messages.getMessages([...headerOf.values()].map((header) => header.messageId)),
  ]);
  if (destination && isRemoved(destination)) {
    // Its mapping may still invoke while it is being deleted (a deleted mapping stays `Deleting` for
    // a while on AWS): its entries are cancelled, never delivered. They are handed back, not
    // dropped (a deletion without force that finds entries after all is undone), and go with the queue.
    if (destination.queueUrl !== undefined) {
      await ports.queues
        .release(
          destination.queueUrl,
          event.Records.map((record) => record.receiptHandle),
          ports.pauseReleaseSeconds,
        )
        .catch(() => undefined);
    }
    ports.log.info('Batch handed back: destination is being deleted', {
      destinationId,
      records: event.Records.length,
    });
    return failAll(event.Records);
  }
  if (!destination || !isProvisioned(destination)) throw new Error(`Destination ${destinationId} does not exist`);
  const { queueUrl } = destination;
  const release = (records: readonly SQSRecord[], seconds: number) =>
    ports.queues
      .release(
        queueUrl,
        records.map((record) => record.receiptHandle),
        seconds,
      )
      .catch((error: unknown) =>
        ports.log.warn('Could not release records; they return after the visibility timeout', {
          destinationId,
          ...errorFields(error),
        }),
      );

  // Unverified: nothing goes to its endpoint before it echoed the challenge; its mapping is being disabled.
  if (destination.status === 'paused' || destination.status === 'unverified') {
    await ports.worklist.add(destinationId, 'evidence').catch((error: unknown) =>
      ports.log.warn('Could not put the destination on the mapping worklist; the audit finds it', {
        destinationId,
        ...errorFields(error),
      }),
    );
    await release(event.Records, ports.pauseReleaseSeconds);
    ports.log.info(`Batch handed back: destination is ${destination.status}`, {
      destinationId,
      records: event.Records.length,
    });
    return failAll(event.Records);
  }

  let failure: Extract<DeliveryResult, { kind: 'failed' }> | undefined;
  // A paced start (maxPerSecond) beyond this invocation: the rest of the batch waits in the queue for it.
  let deferredTo: number | undefined;
  // Delivered payloads being kept for redelivery: awaited once the batch is done, not between deliveries.
  const keeping: Promise<void>[] = [];
  // One storage write between deliveries: each reservation records the arrival before it.
  const fold = new ArrivalFold(ports.messages, ports.log);
  // What was read up front stands for a message's first entry in the batch only: a second entry
  // of the same message must see what the first one changed.
  const used = new Set<string>();
  const knownOnce = (messageId: string) => {
    if (used.has(messageId)) return undefined;
    used.add(messageId);
    return known.get(messageId);
  };
  const handleRecord = async (record: SQSRecord) => {
    const budgetMs = attemptTimeoutMs(destination.timeoutMs, deliveryBytesOf(headerOfRecord(record), record.body));
    if (context.getRemainingTimeInMillis() < budgetMs + 5000) throw new OutOfTimeError();
    try {
      // A second entry of a message (a duplicate, or a replay) reads it again: every delivery of the
      // batch must be in its records by then, or a duplicate would look undelivered.
      if (used.has(headerOfRecord(record).messageId)) await fold.settle();
      const result = await deliverTransmission(record.body, destination, ports, {
        inlineRetries: destination.inlineRetries,
        sentAt: new Date(Number(record.attributes.SentTimestamp)).toISOString(),
        remainingMs: () => context.getRemainingTimeInMillis(),
        known: knownOnce(headerOfRecord(record).messageId),
        fold,
      });
      if (result.kind === 'failed') {
        failure = result;
        throw new DeliveryFailedError(result.reason);
      }
      if (result.kind === 'deferred') {
        deferredTo = result.postAt;
        throw new OutOfTimeError();
      }
      if (result.kind === 'delivered') keeping.push(result.kept);
    } catch (error) {
      // Attempts the endpoint refused, and arrivals not recorded, are logged where they happen; anything else is logged here.
      if (
        !(error instanceof DeliveryFailedError) &&
        !(error instanceof OutOfTimeError) &&
        !(error instanceof ArrivalNotRecordedError)
      ) {
        ports.log.error('Record could not be processed', {
          destinationId,
          sqsMessageId: record.messageId,
          ...errorFields(error),
        });
      }
      throw error;
    }
  };
  const response = await processPartialResponse(event, handleRecord, new SqsFifoPartialProcessorAsync(), {
    context,
    throwOnFullBatchFailure: false,
  });
  // The last delivery's arrival, and any folded one still being written, recorded before anything else.
  const unrecorded = await fold.flush();
  await Promise.all(keeping);
  const failedIds = new Set(response.batchItemFailures.map((item) => item.itemIdentifier));
  // A delivery whose records could not be written goes back to the queue with every later entry
  // (FIFO): its reservation then finds it delivered, or gives its number again, and records it.
  const unrecordedKeys = new Set(unrecorded.map((arrival) => arrival.reservationKey));
  const firstUnrecorded = event.Records.findIndex((record) => {
    const header = headerOfRecord(record);
    return unrecordedKeys.has(reservationKeyOf(header.transmissionId, header.generation ?? 0));
  });
  if (firstUnrecorded >= 0) for (const record of event.Records.slice(firstUnrecorded)) failedIds.add(record.messageId);
  const failed = event.Records.filter((record) => failedIds.has(record.messageId));
  if (failed.length > 0) {
    // An unrecorded delivery is the queue's head now, not the failed record: no pause names the
    // wrong head; both come back soon, and a failure that lasts pauses the destination then.
    const pausing = failure !== undefined && firstUnrecorded < 0;
    if (failure && pausing) await pauseDestination(destination, failure, ports);
    // Back in the queue soon: a paused head is probed from there; a deferred one at its paced
    // start (its reservation keeps it); anything else is retried.
    await release(
      failed,
      pausing
        ? ports.pauseReleaseSeconds
        : deferredTo === undefined || firstUnrecorded >= 0
          ? INTERNAL_RETRY_SECONDS
          : secondsUntil(deferredTo, ports.clock().getTime()),
    );
  }
  return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
};
