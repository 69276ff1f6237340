import { DestinationStateError, isProvisioned } from '../shared/domain/destinations';
import {
  resumeOfUnverified,
  cannotPark,
  headChanged,
  headInFlight,
  notPaused,
  notReplayable,
  replayNotAccepted,
  resumedBeforeSkip,
} from '../shared/domain/errors';
import { decodeEnvelope, decodeEnvelopeHeader, encodeEnvelope, type EnvelopeHeader } from '../shared/domain/envelope';
import { MetricNames } from '../shared/domain/metric-names';
import type { Destination, PausedDestination } from '../shared/domain/model';
import { errorFields } from '../shared/runtime/logging';
import { probeDestination } from '../shared/pauses/probe';
import { resumeDestination } from '../shared/pauses/resume';
import { type KeepHeadHeld, withHeadHeld } from '../shared/pauses/head-lease';
import { continueNow } from '../shared/pauses/schedule';
import { type AdminPorts, describeDestination, requireDestination } from './directory-admin';
import { requireTransmission } from './transmission-detail';

/**
 * How long an operator's resume or skip waits for a worker holding the head, or for a head still
 * hidden after the pause (at most one attempt at the destination's timeout + 3 s, at most 20 s,
 * well inside API Gateway's 29 s integration timeout).
 */
const operatorWaitMs = (destination: Destination) => Math.min(destination.timeoutMs + 3000, 20_000);

/**
 * `POST /v1/admin/destinations/{id}/resume`: retries the head now; stays paused if it fails again.
 * A head the pause hid a moment ago is waited for (see `operatorWaitMs`). When the prober is
 * trying the head at this moment, its attempt stands for this one. An unverified destination is
 * refused (409 `unverified`): only its endpoint's echo of the challenge makes it active.
 */
export const resumeNow = async (destinationId: string, ports: AdminPorts) => {
  const destination = await requireDestination(destinationId, ports.directory);
  if (destination.status === 'unverified') throw resumeOfUnverified();
  if (destination.status === 'paused') {
    ports.log.info('Operator asked to resume', { destinationId });
    await probeDestination(destination, ports, operatorWaitMs(destination));
  }
  return describeDestination(destinationId, ports);
};

/**
 * `POST /v1/admin/destinations/{id}/skip`: parks the head of a paused destination (status
 * `skipped`, its queue entry kept for replay, its sequence number left unused so receivers see the
 * gap) and resumes the destination. During a long pause the head is the spill's first entry; the
 * rest of the spill is then delivered, in order, before the destination resumes.
 *
 * 1. Find the destination (404) and refuse unless it is paused (409 `not_paused`).
 * 2. Take its head lease, waiting up to its timeout + 3 s (at most 20 s) while a worker holds it
 *    (409 `head_in_flight` after that; 409 `not_paused` if it resumed meanwhile).
 * 3. Take the head: the spill's first entry during a long pause, else the queue's head (waiting
 *    the same time for one hidden by the last probe; 409 `head_in_flight` when none shows).
 * 4. Refuse a head other than the one the pause named when step 1 read it (409 `head_changed`:
 *    nothing changes, a queue head goes back); it never failed, or the operator never saw it.
 * 5. Park it for replay and mark its transmission skipped (409 `cannot_park` when it cannot be
 *    kept: nothing changes, a queue head goes back).
 * 6. Remove it from the queue (or the spill).
 * 7. Queue head: resume the destination. Spill head: ask the prober to deliver the rest of the
 *    spill at once; it resumes the destination after it.
 *
 * Answers `{ skippedTransmissionId }`.
 */
export const skipHead = async (
  destinationId: string,
  ports: AdminPorts,
): Promise<{ skippedTransmissionId: string }> => {
  const destination = await requireDestination(destinationId, ports.directory);
  if (destination.status !== 'paused') throw notPaused();
  // The head the operator was shown: a lease that ran out during a slow resume can leave the next
  // message, which never failed, first in the queue of a destination still recorded paused.
  const shownHead = destination.pause.headTransmissionId;
  // The prober may hold the head for one attempt: wait for it.
  const deadline = ports.clock().getTime() + operatorWaitMs(destination);
  for (;;) {
    const skipped = await withHeadHeld(destination, ports, (current, keepHeld) =>
      (current.spilled ?? 0) > 0
        ? skipSpilledHead(current, shownHead, ports)
        : skipQueueHead(current, shownHead, deadline, ports, keepHeld),
    );
    if (skipped === 'not_paused') throw resumedBeforeSkip();
    if (skipped !== 'busy') return skipped;
    if (ports.clock().getTime() > deadline) throw headInFlight();
    await ports.sleep(250);
  }
};

/**
 * Keeps a skipped head for replay; refuses the skip (nothing changes) when it is not `shownHead`
 * (409 `head_changed`) or cannot be kept (409 `cannot_park`).
 */
const parkHead = async (
  destinationId: string,
  envelope: string,
  shownHead: string,
  ports: AdminPorts,
): Promise<EnvelopeHeader> => {
  const header = decodeEnvelopeHeader(envelope);
  if (header.transmissionId !== shownHead) {
    ports.log.warn('The head is not the one the pause named; nothing skipped', {
      destinationId,
      shownHead,
      transmissionId: header.transmissionId,
    });
    throw headChanged();
  }
  try {
    await ports.messages.park(header.transmissionId, destinationId, envelope);
  } catch (error) {
    ports.log.error('Could not park the head', {
      destinationId,
      transmissionId: header.transmissionId,
      ...errorFields(error),
    });
    throw cannotPark();
  }
  await ports.messages.setTransmissionStatus(header.messageId, header.transmissionId, 'skipped', ['queued', 'paused']);
  ports.log.warn('Operator skipped the head', {
    destinationId,
    messageId: header.messageId,
    transmissionId: header.transmissionId,
  });
  ports.meter.count(MetricNames.skips);
  return header;
};

const skipQueueHead = async (
  destination: PausedDestination,
  shownHead: string,
  deadline: number,
  ports: AdminPorts,
  keepHeld: KeepHeadHeld,
) => {
  const { queueUrl } = destination;
  // A head the last probe put back may stay hidden for a second.
  let head = await ports.queues.receiveHead(queueUrl, 60);
  while (!head && ports.clock().getTime() < deadline) {
    await ports.sleep(250);
    head = await ports.queues.receiveHead(queueUrl, 60);
  }
  if (!head) throw headInFlight();
  let header: EnvelopeHeader;
  try {
    // The wait for the head may have used up the lease: extend it to cover parking and the resume
    // (lost: nothing changed, the head goes back, 409).
    await keepHeld().catch(() => {
      throw headInFlight();
    });
    header = await parkHead(destination.id, head.body, shownHead, ports);
  } catch (error) {
    await ports.queues.release(queueUrl, [head.receiptHandle], 0);
    throw error;
  }
  await ports.queues.delete(queueUrl, head.receiptHandle);
  await resumeDestination(destination, `an operator skipped transmission ${header.transmissionId}`, ports, keepHeld);
  return { skippedTransmissionId: header.transmissionId };
};

const skipSpilledHead = async (destination: PausedDestination, shownHead: string, ports: AdminPorts) => {
  const entry = await ports.spill.first(destination.id);
  // Called only while the destination counts entries in its spill, under its head lease.
  if (!entry) throw new DestinationStateError(destination.id, 'holding entries in its spill');
  const header = await parkHead(destination.id, entry.body, shownHead, ports);
  await ports.spill.remove(destination.id, entry.position);
  // The prober delivers what follows at once, spill first, and resumes the destination after it.
  await continueNow(destination, ports);
  return { skippedTransmissionId: header.transmissionId };
};

/**
 * `POST /v1/admin/transmissions/{id}/replay`: enqueues a skipped transmission again at the tail of
 * its destination. It keeps its transmission id (`webhook-id`) and gets a new sequence number when
 * it is delivered. Delivered transmissions cannot be replayed: their payloads are not kept.
 */
export const replayTransmission = async (transmissionId: string, ports: AdminPorts) => {
  const { messageId, transmission } = await requireTransmission(transmissionId, ports.messages);
  if (transmission.status !== 'skipped') {
    throw notReplayable(
      `The transmission is ${transmission.status}; only skipped transmissions can be replayed (delivered payloads are not kept).`,
    );
  }
  const parked = await ports.messages.getParked(transmissionId);
  const destination = await ports.directory.getDestination(transmission.destinationId);
  if (!parked || !destination || !isProvisioned(destination)) {
    throw notReplayable("The transmission's parked entry or its destination no longer exists.");
  }
  const generation = await ports.messages.prepareReplay(messageId, transmissionId);
  if (generation === undefined) throw notReplayable('The transmission is no longer skipped.');
  const { header, rawData } = decodeEnvelope(parked.envelope);
  try {
    await ports.queues.send(destination.queueUrl, {
      groupId: destination.id,
      deduplicationId: `${transmissionId}-g${generation}`,
      body: encodeEnvelope({ ...header, generation }, rawData),
    });
  } catch (error) {
    await ports.messages.setTransmissionStatus(messageId, transmissionId, 'skipped', ['queued']);
    ports.log.error('Replay could not be enqueued', {
      transmissionId,
      destinationId: destination.id,
      ...errorFields(error),
    });
    throw replayNotAccepted();
  }
  ports.log.info('Transmission replayed', { transmissionId, messageId, destinationId: destination.id, generation });
  ports.meter.count(MetricNames.replays);
  return { transmissionId, destinationId: destination.id, status: 'queued' as const };
};
