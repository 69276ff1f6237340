import type { Destination, PausedDestination } from '../domain/model';
import { deliverTransmission } from '../transmissions/deliver-transmission';
import { HEAD_LEASE_MARGIN_MS, type KeepHeadHeld, withHeadHeld } from './head-lease';
import type { PausePorts } from './pause-ports';
import { resumeDestination } from './resume';
import { continueNow, scheduleProbe } from './schedule';
import { SPILL_TURN_MS } from './spill';

/** How often (ms) an operator's retry looks again for a head that is still hidden. */
const HIDDEN_HEAD_POLL_MS = 250;

/** How a probe ended: `not_paused` and `busy` come from the head lease (see `withHeadHeld`). */
export type ProbeOutcome = 'resumed' | 'still_paused' | 'not_paused' | 'busy';

/**
 * Retries the head of a paused destination taken from its queue (a mapping still winding down may
 * take it first; the delivery function hands such batches back untouched). Success deletes it and
 * resumes the destination, under a lease extended first; failure puts it back and schedules the
 * next rung of the ladder.
 */
const probeQueueHead = async (
  destination: PausedDestination,
  ports: PausePorts,
  keepHeld: KeepHeadHeld,
  waitForHiddenHeadMs: number,
): Promise<ProbeOutcome> => {
  const { pause, queueUrl } = destination;
  // Hidden as long as the head lease lasts: the lease already keeps other workers away, and a
  // prober killed mid-probe leaves the head visible again as soon as its lease runs out.
  const receive = () =>
    ports.queues.receiveHead(queueUrl, Math.ceil((destination.timeoutMs + HEAD_LEASE_MARGIN_MS) / 1000));
  let head = await receive();
  // An operator's retry waits for a head the pause (or a mapping winding down) hid a moment ago,
  // keeping the lease meanwhile, rather than answering "still paused" and moving the ladder on.
  const deadline = ports.clock().getTime() + waitForHiddenHeadMs;
  while (!head && ports.clock().getTime() < deadline && (await ports.queues.depth(queueUrl)) > 0) {
    await ports.sleep(HIDDEN_HEAD_POLL_MS);
    await keepHeld();
    head = await receive();
  }
  if (!head) {
    // Nothing visible: either the queue is empty (nothing left to hold back) or the head is still
    // hidden by the attempt that paused it.
    if ((await ports.queues.depth(queueUrl)) === 0)
      return (await resumeDestination(destination, 'nothing left to deliver', ports, keepHeld))
        ? 'resumed'
        : 'still_paused';
    await scheduleProbe(destination, ports, pause.probeStep + 1);
    return 'still_paused';
  }
  if (head.sentAt !== pause.queueHeadSentAt)
    await ports.destinationState.recordPauseChange(destination.id, { queueHeadSentAt: head.sentAt });
  const result = await deliverTransmission(head.body, destination, ports, { inlineRetries: 0, sentAt: head.sentAt });
  if (result.kind === 'failed') {
    await ports.queues.release(queueUrl, [head.receiptHandle], 0);
    await scheduleProbe(destination, ports, pause.probeStep + 1, result);
    ports.log.info('Probe of paused destination failed', {
      destinationId: destination.id,
      reason: result.reason,
      probeStep: pause.probeStep + 1,
    });
    return 'still_paused';
  }
  if (result.kind === 'delivered') await result.kept;
  // The attempt may have taken the whole lease: still ours before the head goes (a lost lease
  // throws, and the head, delivered, comes back to whoever holds it: at least once, never skipped).
  await keepHeld();
  await ports.queues.delete(queueUrl, head.receiptHandle);
  return (await resumeDestination(destination, 'the head was delivered by an automatic retry', ports, keepHeld))
    ? 'resumed'
    : 'still_paused';
};

/**
 * Retries the head of a destination whose oldest entries are in the spill: the spill's first
 * entry. Once it succeeds, the spill is delivered in order for the rest of the turn; when it is
 * empty, the queue's head is probed next (and its success resumes the destination).
 */
const probeSpilledHead = async (
  destination: PausedDestination,
  ports: PausePorts,
  keepHeld: KeepHeadHeld,
): Promise<ProbeOutcome> => {
  const deadline = ports.clock().getTime() + SPILL_TURN_MS;
  let delivered = 0;
  for (;;) {
    if (delivered > 0) await keepHeld();
    const entry = await ports.spill.first(destination.id);
    if (!entry) {
      await continueNow(destination, ports);
      return 'still_paused';
    }
    const result = await deliverTransmission(entry.body, destination, ports, {
      inlineRetries: delivered === 0 ? 0 : destination.inlineRetries,
      sentAt: entry.sentAt,
    });
    if (result.kind === 'failed') {
      await scheduleProbe(destination, ports, delivered === 0 ? destination.pause.probeStep + 1 : 0, result);
      ports.log.info('Delivery from the spill failed', {
        destinationId: destination.id,
        reason: result.reason,
        delivered,
      });
      return 'still_paused';
    }
    if (result.kind === 'delivered') await result.kept;
    await ports.spill.remove(destination.id, entry.position);
    delivered++;
    if (ports.clock().getTime() > deadline) {
      ports.log.info('Delivering the spill in order', { destinationId: destination.id, delivered });
      await continueNow(
        destination,
        ports,
        "The endpoint answers again; entries kept beyond the queue's retention are being delivered in order.",
      );
      return 'still_paused';
    }
  }
};

/**
 * Retries the head of a paused destination whose head lease the caller holds: the spill's first
 * entry when there is a spill, the queue's head otherwise. Throws what the ports throw.
 */
export const probeHead = (
  destination: PausedDestination,
  ports: PausePorts,
  keepHeld: KeepHeadHeld,
  waitForHiddenHeadMs = 0,
): Promise<ProbeOutcome> =>
  (destination.spilled ?? 0) > 0
    ? probeSpilledHead(destination, ports, keepHeld)
    : probeQueueHead(destination, ports, keepHeld, waitForHiddenHeadMs);

/**
 * Retries a paused destination's head now, under its head lease (see `probeHead`). `busy` when
 * another worker holds the head, `not_paused` when the destination is not paused.
 * `waitForHiddenHeadMs` (default 0, the prober's choice: its ladder comes back anyway): how long
 * to wait for a queue head that is still hidden — handed back by the pause with a visibility
 * timeout of `pauseReleaseSeconds`, or held by a mapping winding down — before answering
 * `still_paused` and scheduling the next rung.
 */
export const probeDestination = (
  destination: Destination,
  ports: PausePorts,
  waitForHiddenHeadMs = 0,
): Promise<ProbeOutcome> =>
  withHeadHeld(destination, ports, (current, keepHeld) => probeHead(current, ports, keepHeld, waitForHiddenHeadMs));
