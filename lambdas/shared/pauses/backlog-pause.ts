import { decodeEnvelopeHeader } from '../domain/envelope';
import { probeDelaySeconds } from '../domain/failures';
import type { ReservedTransmission } from '../domain/ids';
import { MetricNames } from '../domain/metric-names';
import type { ActiveDestination, Pause } from '../domain/model';
import type { DeliveryHead } from '../ports/backlog';
import { errorFields } from '../runtime/logging';
import { flushOutbox } from './alert-outbox';
import { recordPauseWithAlert } from './episode-alerts';
import type { PausePorts } from './pause-ports';
import { later } from './schedule';
import { isNearingRetention } from './spill';
import { waitingCount } from './waiting-count';

/** Why the backlog-age pass paused a destination: its pause's reason starts with this. */
export const BACKLOG_PAUSE_REASON = "the backlog is nearing the queue's retention";

/** How long a head taken from the queue stays hidden while the pause is recorded; it is put back right after. */
const HEAD_HIDDEN_SECONDS = 30;

/** The queue's head, once known: its transmission, and when its entry was enqueued. */
interface KnownHead {
  readonly transmissionId: string;
  readonly messageId: string;
  readonly sentAt: string;
}

/** How `pauseForBacklog` ended; `headSentAt` is when the head's entry was enqueued, once the head is known. */
export type BacklogPauseOutcome =
  | { readonly outcome: 'paused' | 'not_aging' | 'not_active'; readonly headSentAt: string }
  | { readonly outcome: 'head_unknown' };

/** The transmission a queue entry carries (throws unless it is an envelope). */
const transmissionOf = (body: string) => {
  const { transmissionId, messageId } = decodeEnvelopeHeader(body);
  return { transmissionId, messageId };
};

/**
 * The transmission delivery last took, while it still waits: delivery has it in hand (the mapping
 * holds the queue's head), so it is the head, enqueued at `headSentAt`. Undefined once it was
 * delivered (the mapping is taking the next entry, not known yet) or replayed since.
 */
const headInHand = async (
  heldBy: ReservedTransmission | undefined,
  headSentAt: string | undefined,
  ports: PausePorts,
): Promise<KnownHead | undefined> => {
  if (!heldBy || !headSentAt) return undefined;
  const message = await ports.messages.getMessage(heldBy.messageId);
  const transmission =
    message === undefined || message === 'abandoned'
      ? undefined
      : message.transmissions.find((candidate) => candidate.id === heldBy.transmissionId);
  if (!transmission || (transmission.generation ?? 0) !== heldBy.generation) return undefined;
  return transmission.status === 'queued' || transmission.status === 'paused'
    ? { transmissionId: heldBy.transmissionId, messageId: heldBy.messageId, sentAt: headSentAt }
    : undefined;
};

/**
 * Records the pause as `pauseDestination` records one for a failure: the pause, its episode and
 * its alert (if any: `recordPauseWithAlert`), the head marked paused, in one write; then counts
 * it and sends the alert (the reconciler turns the mapping off). Its `queueHeadSentAt` is the
 * head's, so the spill is due as soon as the mapping is off. False when the destination was no
 * longer active.
 */
const recordBacklogPause = async (
  destination: ActiveDestination,
  head: KnownHead,
  ports: PausePorts,
): Promise<boolean> => {
  const now = ports.clock();
  const pause: Pause = {
    pausedAt: now.toISOString(),
    reason: `${BACKLOG_PAUSE_REASON}: its oldest entry was enqueued at ${head.sentAt}`,
    fault: 'destination',
    alertedOrganizationId: destination.organizationId,
    headTransmissionId: head.transmissionId,
    headMessageId: head.messageId,
    probeStep: 0,
    nextRetryAt: later(now, probeDelaySeconds(ports.probeLadderSeconds, 0)),
    queueHeadSentAt: head.sentAt,
  };
  const alerting = await recordPauseWithAlert(
    destination,
    pause,
    () => waitingCount(destination, ports).catch(() => -1),
    ports,
  );
  if (!alerting) return false;
  ports.log.warn("Destination paused: its backlog is nearing the queue's retention", {
    destinationId: destination.id,
    transmissionId: head.transmissionId,
    headSentAt: head.sentAt,
    episode: alerting.kind,
    alert: alerting.kind === 'starts' ? alerting.email : 'none',
  });
  ports.meter.count(MetricNames.pauses);
  // The pause's transaction put the destination on the mapping worklist: the reconciler turns its mapping off.
  await flushOutbox(ports);
  return true;
};

/**
 * Pauses an active destination whose oldest queue entry is nearing SQS's retention, so that what
 * follows any pause takes over: the mapping is turned off, the aging entries move to the spill in
 * order, the head is probed, the spill is delivered first and the destination resumes. Nothing
 * failed: the destination's organization is alerted (its receiver is slower than the inflow, or its
 * queue is not being consumed). `delivery` is where delivery stood in its queue.
 *
 * The pause names its head and marks it paused in the same write, so the head must be one still
 * waiting, and the age is judged on the head itself (the recorded send time may belong to an entry
 * delivered long ago, with the queue emptied and filled since).
 *
 * 1. Take the queue's head if one is visible (nothing consumes the queue, or between batches): it
 *    is hidden while the pause is recorded, so nothing delivers it meanwhile.
 * 2. Else the mapping has the head in flight: the transmission delivery last took — read again now,
 *    after the receive's long poll, by `whereDeliveryStands` (what the caller read before the poll
 *    is a second old, a whole delivery at a fast receiver) — is the head while it still waits (see
 *    `headInHand`); delivered, the head is not known yet (`head_unknown`: the next run looks again).
 * 3. A head younger than `spillAfterSeconds`: `not_aging`, nothing changes.
 * 4. Record the pause (`recordBacklogPause`). A head delivered at that very moment refuses the write:
 *    nothing is recorded, and what the store throws is thrown.
 * 5. Put a taken head back, visible again at once.
 */
export const pauseForBacklog = async (
  destination: ActiveDestination,
  whereDeliveryStands: () => Promise<Pick<DeliveryHead, 'headSentAt' | 'heldBy'> | undefined>,
  ports: PausePorts,
): Promise<BacklogPauseOutcome> => {
  const { queueUrl } = destination;
  const taken = await ports.queues.receiveHead(queueUrl, HEAD_HIDDEN_SECONDS);
  try {
    const delivery = taken ? undefined : await whereDeliveryStands();
    const head = taken
      ? { ...transmissionOf(taken.body), sentAt: taken.sentAt }
      : await headInHand(delivery?.heldBy, delivery?.headSentAt, ports);
    if (!head) return { outcome: 'head_unknown' };
    if (!isNearingRetention(head.sentAt, ports)) return { outcome: 'not_aging', headSentAt: head.sentAt };
    return {
      outcome: (await recordBacklogPause(destination, head, ports)) ? 'paused' : 'not_active',
      headSentAt: head.sentAt,
    };
  } finally {
    if (taken) {
      await ports.queues.release(queueUrl, [taken.receiptHandle], 0).catch((error: unknown) =>
        ports.log.warn('Could not put the head back; it shows again after its hiding time', {
          destinationId: destination.id,
          ...errorFields(error),
        }),
      );
    }
  }
};
