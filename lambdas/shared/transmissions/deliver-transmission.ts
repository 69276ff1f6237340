import { attemptEntry } from '../domain/attempt-log';
import { attemptTimeoutMs } from '../domain/delivery-timeout';
import {
  decodeEnvelope,
  deliveryBody,
  type EnvelopeHeader,
  type PayloadReference,
  payloadReferenceOf,
} from '../domain/envelope';
import { reservationKeyOf } from '../domain/ids';
import { type AttemptOutcome, describeOutcome, inlineRetryDelayMs, isRefusal, isSuccess } from '../domain/failures';
import type { DestinationSettings, Message } from '../domain/model';
import { deliveryHeaders } from '../domain/signature';
import { MetricNames } from '../domain/metric-names';
import type { Clock, Log, Meter } from '../ports/observe';
import type { Deliverer, DeliveryOutcome } from '../ports/deliverer';
import type { Directory } from '../ports/directory';
import type { MessageStore } from '../ports/messages';
import type { PayloadStore } from '../ports/payloads';
import type { PayloadArchive } from '../ports/redeliveries';
import { errorFields } from '../runtime/logging';
import type { ArrivalFold } from './arrival-fold';
import { postPresentingClientCertificate } from './present-client-certificate';

/** The ports one delivery reads and writes. */
export interface DeliveryDependencies {
  readonly directory: Directory;
  readonly messages: MessageStore;
  readonly deliverer: Deliverer;
  readonly clock: Clock;
  readonly log: Log;
  /** Waits `ms` milliseconds (injected so tests need not wait). */
  readonly sleep: (ms: number) => Promise<void>;
  readonly meter: Meter;
  readonly payloads: PayloadStore;
  /** Where delivered payloads are kept for the payload retention, for redelivery. */
  readonly archive: PayloadArchive;
}

/** The deployment's choices for one delivery. */
export interface DeliverySettings {
  /**
   * How long (ms) after its receipt a message may still be committed by the ingest function
   * (longer than that function's timeout). A queued copy whose message is still unrecorded after
   * this is abandoned: its ingest answered 5xx, so it must not be delivered.
   */
  readonly commitGraceMs: number;
  /** Backoff (ms) before the first inline retry (doubling after), and the most (ms) any retry waits. */
  readonly retryBackoffMs: number;
  readonly retryCapMs: number;
}

/** Everything one delivery takes. */
export interface DeliveryPorts extends DeliveryDependencies, DeliverySettings {}

/** How one delivery ended; `failed` carries what a pause records (the outcome, why, the head). */
export type DeliveryResult =
  /**
   * `kept` settles once the payload is kept for redelivery (never rejects: a failure is logged and
   * counted). The caller awaits it before its invocation ends, not before the next delivery.
   */
  | { readonly kind: 'delivered'; readonly kept: Promise<void> }
  /** Nothing to deliver: a duplicate, a stale replay, or a copy of an abandoned message. */
  | { readonly kind: 'dropped' }
  /**
   * Not attempted: its paced start (`maxPerSecond`) leaves no room in the invocation for the
   * attempt. The entry stays in the queue; its reservation keeps the start for its next try.
   */
  | { readonly kind: 'deferred'; readonly postAt: number }
  | {
      readonly kind: 'failed';
      readonly outcome: AttemptOutcome;
      readonly reason: string;
      readonly header: EnvelopeHeader;
      readonly message: Message;
    };

/** How far one call of `deliverTransmission` may go. */
export interface DeliveryOptions {
  /** Attempts after the first for a transient failure, inside this call. */
  readonly inlineRetries: number;
  /**
   * When the entry was enqueued (its SQS `SentTimestamp`, ISO 8601). Recorded with the sequence
   * number: the entry delivered is the oldest still waiting, so this is how old the backlog is.
   */
  readonly sentAt: string;
  /** Time left in the invocation (ms); no retry starts that could not finish in it. */
  readonly remainingMs?: () => number;
  /** The entry's message as read with the rest of its batch, when it was found. */
  readonly known?: Message | 'abandoned';
  /**
   * The batch's fold (one write between deliveries): the reservation records the previous
   * delivery's arrival, and this one's arrival is held for the next. Unused for a paced destination.
   */
  readonly fold?: ArrivalFold;
}

/**
 * The deliverer's outcome without the answer's excerpt, which may hold PHI: only the attempt log
 * takes it, and what goes on (to a pause, its alert, logs) never carries it.
 */
const withoutExcerpt = ({ responseExcerpt, ...outcome }: DeliveryOutcome) => ({
  responseExcerpt,
  outcome: outcome as AttemptOutcome & { readonly durationMs: number },
});

/**
 * After a delivery is recorded, off the path between deliveries (the caller awaits it when its
 * batch is done): removes the parked entry of a replayed transmission (`generation` > 0: nothing
 * replays it again; a redelivery has none, and the removal is a no-op); keeps the payload for the
 * payload retention, so a redelivery can send it again; then, when the message is settled (every
 * transmission delivered) and its payload was kept in the payload store (large, or uploaded),
 * removes that in-flight object: nothing reads it again, and a delivered payload lives only as
 * long as the retention says. Never rejects: a failure does not undo the
 * delivery. One to keep is logged and counted (`PayloadsNotKept`, alarmed) and the in-flight object
 * stays (its 400-day backstop); one to remove is logged.
 */
const afterDelivery = async (
  header: EnvelopeHeader,
  payload: { readonly rawData: string } | { readonly reference: PayloadReference },
  settled: boolean,
  generation: number,
  ports: DeliveryPorts,
): Promise<void> => {
  if (generation > 0) await ports.messages.removeParked(header.transmissionId).catch(() => undefined);
  const ids = {
    messageId: header.messageId,
    transmissionId: header.transmissionId,
    destinationId: header.destinationId,
  };
  try {
    await ports.archive.keep(header.messageId, payload);
  } catch (error) {
    ports.log.error('Delivered payload could not be kept for redelivery', { ...ids, ...errorFields(error) });
    ports.meter.count(MetricNames.payloadsNotKept);
    return;
  }
  if (!settled || !('reference' in payload)) return;
  await ports.payloads.remove(payload.reference).catch((error: unknown) => {
    ports.log.warn('In-flight payload of a settled message not removed; the bucket’s backstop rule will', {
      ...ids,
      ...errorFields(error),
    });
  });
};

/** Room (ms) left at the end of an invocation for recording an attempt. */
const RECORDING_MARGIN_MS = 2000;

/**
 * Waits until the ingest function committed the message (normally already done), or gives the
 * message up once the grace period is over and the ingest can no longer commit it.
 */
const committedMessage = async (header: EnvelopeHeader, ports: DeliveryPorts): Promise<Message | 'abandoned'> => {
  const deadline = Date.parse(header.receivedAt) + ports.commitGraceMs;
  for (let wait = 25; ; wait = Math.min(wait * 2, 1000)) {
    const message = await ports.messages.getMessage(header.messageId);
    if (message !== undefined) return message;
    if (ports.clock().getTime() > deadline) {
      if (await ports.messages.abandonMessage(header.messageId)) return 'abandoned';
    } else {
      await ports.sleep(wait);
    }
  }
};

/**
 * Delivers one queued transmission: POST to the destination with the contract's headers and wait
 * for the status. A 2xx within the timeout records the arrival. A transient failure (5xx, 408,
 * 429, timeout, connection error) is retried a few times in place, honouring Retry-After; a
 * refusal (other 4xx) is not. The result says whether the entry can leave the queue: `delivered`
 * and `dropped` can, `failed` cannot.
 *
 * 1. Decode the queue entry (`body`, an envelope) and find its message: the one read with the
 *    batch, else wait for the ingest to commit it; a message never committed within
 *    `commitGraceMs` of its receipt is abandoned, and its copy dropped.
 * 2. Drop a copy that needs no delivery (a duplicate, skipped, or superseded by a replay),
 *    writing again a delivery's arrival-log entry that may have been missed.
 * 3. Read the payload from the payload store when the entry carries a reference to it (an
 *    upload's only while it has the ETag ingest checked: `PayloadChangedError` otherwise).
 * 4. Reserve the delivery's sequence number (the same on a retry of the same attempt series),
 *    recording when the entry was enqueued (`sentAt`: the age of the queue's head, which the
 *    prober's backlog-age pass reads); with the batch's `fold`, the same write records the
 *    previous delivery's arrival. A reservation that finds its delivery made already (folded, its
 *    own records never written) writes them from the destination's copy and drops the entry
 *    without posting it again. A destination with `maxPerSecond` gets its start from the
 *    same reservation, 1000 / maxPerSecond ms after the previous delivery's at the earliest: wait
 *    for it, or answer `deferred` when the invocation has no room for it.
 * 5. POST the body's bytes, signed (Standard Webhooks), within `attemptTimeoutMs`: the
 *    destination's `timeoutMs`, longer for a body beyond 1 MiB (delivery-timeout.ts), presenting
 *    its client certificate (the replaced one too, inside a rotation's overlap) and trusting its
 *    CA bundle (`postPresentingClientCertificate`).
 * 6. On a 2xx: record the arrival (time, sequence, attempts, and the attempt: status, duration,
 *    the answer's excerpt), count and log it (never the excerpt); a replay's parked entry is removed.
 *    With the batch's `fold` (not for a paced destination), the arrival is held for the next
 *    reservation instead and recorded while the next delivery is posted (`ArrivalFold`).
 * 7. Otherwise record the failed attempt (counted, `lastError`, and its attempt-log entry keyed by
 *    its number); retry after `inlineRetryDelayMs` unless it was a refusal,
 *    the `inlineRetries` are spent or the invocation has no room left; else answer `failed`.
 *
 * Throws when the entry is not an envelope, its message has no such transmission, or a port throws.
 */
export const deliverTransmission = async (
  body: string,
  destination: DestinationSettings,
  ports: DeliveryPorts,
  options: DeliveryOptions,
): Promise<DeliveryResult> => {
  const decoded = decodeEnvelope(body);
  const { header } = decoded;
  const generation = header.generation ?? 0;
  const ids = {
    messageId: header.messageId,
    transmissionId: header.transmissionId,
    destinationId: header.destinationId,
  };
  const message = options.known ?? (await committedMessage(header, ports));
  if (message === 'abandoned') {
    ports.log.warn('Dropped a queued copy of a message that was never acknowledged', ids);
    return { kind: 'dropped' };
  }
  const transmission = message.transmissions.find((candidate) => candidate.id === header.transmissionId);
  if (!transmission) throw new Error(`Message ${header.messageId} has no transmission ${header.transmissionId}`);
  if (
    generation < (transmission.generation ?? 0) ||
    transmission.status === 'delivered' ||
    transmission.status === 'skipped' ||
    transmission.status === 'cancelled'
  ) {
    ports.log.info('Queue entry needs no delivery (duplicate, skipped, cancelled or superseded by a replay)', {
      ...ids,
      status: transmission.status,
      generation,
    });
    // A delivery recorded on its message may have missed its arrival-log entry (the two writes
    // go out together): write it again, the same entry, before the queue entry goes.
    if (
      transmission.status === 'delivered' &&
      generation === (transmission.generation ?? 0) &&
      transmission.sequence !== undefined &&
      transmission.arrivedAt !== undefined
    ) {
      await ports.messages.recordArrival(
        {
          ...ids,
          sequence: transmission.sequence,
          arrivedAt: transmission.arrivedAt,
          attempts: transmission.attempts,
        },
        { generation },
      );
    }
    return { kind: 'dropped' };
  }

  // A payload kept in the payload store (too large for the queue, or uploaded) is read only when
  // it is about to be delivered, as bytes: up to 50 MB, never decoded to a string.
  const reference = payloadReferenceOf(header);
  const data = reference === undefined ? Buffer.from(decoded.rawData, 'utf8') : await ports.payloads.get(reference);
  const intervalMs = destination.maxPerSecond === undefined ? 0 : 1000 / destination.maxPerSecond;
  const reservationKey = reservationKeyOf(transmission.id, generation);
  // A paced reservation also gives the start, which a fold does not: a paced destination reserves on its own.
  const fold = intervalMs > 0 ? undefined : options.fold;
  const reserve = () =>
    fold
      ? fold.reserve(destination.id, reservationKey, options.sentAt)
      : ports.messages.reserveSequence(
          destination.id,
          reservationKey,
          options.sentAt,
          intervalMs > 0 ? { intervalMs, now: ports.clock().getTime() } : undefined,
        );
  const { sequence, postAt, arrived } = await reserve();
  if (arrived) {
    // Delivered already: its arrival was folded into the next reservation and the invocation
    // ended before its own records were written. Write them from the destination's copy.
    const { settled } = await ports.messages.recordArrival(
      { ...arrived, destinationId: destination.id },
      { keepExisting: true, generation },
    );
    ports.log.info('Queue entry delivered already: its arrival recorded from the destination', { ...ids, sequence });
    await afterDelivery(
      header,
      reference === undefined ? { rawData: decoded.rawData } : { reference },
      settled,
      generation,
      ports,
    );
    return { kind: 'dropped' };
  }
  const payload = deliveryBody(header, sequence, data);
  // The destination's timeout, plus time for a body beyond 1 MiB to get through (delivery-timeout.ts).
  const timeoutMs = attemptTimeoutMs(destination.timeoutMs, payload.length);
  // Paced (maxPerSecond): wait for the start the reservation gave, or leave the entry queued when
  // the invocation would end before the attempt could (its next try gets the same start).
  const waitMs = postAt === undefined ? 0 : Math.ceil(postAt - ports.clock().getTime());
  if (waitMs > 0) {
    if ((options.remainingMs?.() ?? Number.POSITIVE_INFINITY) - waitMs - timeoutMs - RECORDING_MARGIN_MS < 0) {
      ports.log.info('Delivery deferred: its paced start is beyond the invocation', { ...ids, sequence, waitMs });
      return { kind: 'deferred', postAt: postAt! };
    }
    await ports.sleep(waitMs);
  }
  // A start that went out later than reserved (a late timer, a slow read) is recorded as it is, so
  // the next delivery keeps its distance from the request the receiver actually gets.
  if (postAt !== undefined && ports.clock().getTime() > postAt) await reserve();
  for (let retry = 0; ; retry++) {
    const headers = deliveryHeaders({
      signingSecret: destination.signingSecret,
      transmissionId: transmission.id,
      sequence,
      body: payload,
      sentAt: ports.clock(),
    });
    const { outcome, responseExcerpt } = withoutExcerpt(
      // With the destination's client certificate and CA bundle, if it has them (the replaced certificate inside its overlap too).
      await postPresentingClientCertificate(
        ports.deliverer,
        destination,
        { url: destination.url, body: payload, headers, timeoutMs },
        ports.clock(),
        ports.log,
      ),
    );
    const endedAt = ports.clock();
    const attempts = transmission.attempts + retry + 1;
    const entry = attemptEntry(outcome, endedAt, outcome.durationMs, responseExcerpt);
    ports.meter.milliseconds(MetricNames.endpointResponseTime, outcome.durationMs);
    if (isSuccess(outcome)) {
      const arrival = {
        ...ids,
        sequence,
        arrivedAt: entry.at,
        attempts,
        ...(entry.status === undefined ? {} : { status: entry.status }),
        durationMs: outcome.durationMs,
        ...(entry.responseExcerpt === undefined ? {} : { responseExcerpt: entry.responseExcerpt }),
      };
      const payloadKept = reference === undefined ? { rawData: decoded.rawData } : { reference };
      let kept: Promise<void>;
      if (fold) {
        // Recorded by the next reservation (or the batch's flush); what follows a record waits for it.
        kept = fold.hold({ ...arrival, reservationKey }).then(async (recorded) => {
          if (recorded !== undefined) await afterDelivery(header, payloadKept, recorded.settled, generation, ports);
        });
      } else {
        const { settled } = await ports.messages.recordArrival(arrival, { generation });
        kept = afterDelivery(header, payloadKept, settled, generation, ports);
      }
      ports.meter.count(MetricNames.transmissionsDelivered);
      ports.meter.milliseconds(MetricNames.deliveryLatency, endedAt.getTime() - Date.parse(header.receivedAt));
      // DEBUG: one line per delivery was most of the log bytes; the arrival and attempt logs record each.
      ports.log.debug('Delivered', {
        ...ids,
        sequence,
        status: entry.status,
        durationMs: outcome.durationMs,
        attempts,
      });
      return { kind: 'delivered', kept };
    }
    const reason = describeOutcome(outcome);
    await ports.messages.recordFailedAttempt(header.messageId, transmission.id, reason, {
      attempt: attempts,
      ...entry,
    });
    ports.meter.count(MetricNames.failedAttempts);
    ports.log.warn('Delivery attempt failed', { ...ids, sequence, reason, durationMs: outcome.durationMs, attempts });
    // A retry is a request to the receiver too: never sooner than the destination's pace allows.
    const delay = Math.max(
      inlineRetryDelayMs(outcome, retry, ports.retryBackoffMs, ports.retryCapMs, ports.clock()),
      Math.ceil(intervalMs),
    );
    const roomLeft = (options.remainingMs?.() ?? Number.POSITIVE_INFINITY) - delay - timeoutMs - RECORDING_MARGIN_MS;
    if (isRefusal(outcome) || retry >= options.inlineRetries || roomLeft < 0) {
      return { kind: 'failed', outcome, reason, header, message };
    }
    await ports.sleep(delay);
    // Paced: the retry's start, now, becomes the one the next delivery follows (the same number).
    if (intervalMs > 0) await reserve();
  }
};
