/**
 * A destination's pause episode: pause on a failure that outlived its inline retries, probe the
 * head on a backoff ladder, resume on the first success (or when an operator skips the head), and
 * exactly one alert email at each end, sent through an outbox so a failing SES never blocks any of it.
 */
import { randomUUID } from 'node:crypto';
import { deliverEnvelope, type DeliveryPorts, type DeliveryResult } from './deliver-envelope';
import { pausedAlert, resumedAlert } from './domain/alerts';
import { faultOf, probeDelaySeconds } from './domain/failures';
import type { Destination, Pause } from './domain/model';
import type { EnvelopeHeader } from './domain/envelope';
import { MetricNames } from './domain/metric-names';
import { errorFields } from './logging';
import type { DestinationQueues, EventSourceMappings, Mailer, Outbox, Spill } from './ports';

export interface PausePorts extends DeliveryPorts {
  readonly queues: DestinationQueues;
  readonly mappings: EventSourceMappings;
  readonly outbox: Outbox;
  readonly mailer: Mailer;
  /** Seconds between probes of a paused head; the last rung repeats. */
  readonly probeLadderSeconds: readonly number[];
  /** How long a paused head stays hidden once handed back, so a mapping still winding down doesn't spin on it. */
  readonly pauseReleaseSeconds: number;
  readonly spill: Spill;
  /**
   * Age at which a paused destination's queue entries move to the spill: well inside the queue's
   * retention, so a prober outage of a day still loses nothing.
   */
  readonly spillAfterSeconds: number;
}

/** Entries waiting for a destination: in its queue and, during a long pause, in the spill. */
export const waitingCount = async (destination: Destination, ports: Pick<PausePorts, 'queues'>): Promise<number> =>
  (await ports.queues.depth(destination.queueUrl!)) + (destination.spilled ?? 0);

const later = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();

/** How long a sender holds an alert before another may send it (a send takes seconds at most). */
const ALERT_CLAIM_MS = 60_000;

/**
 * Sends every alert in the outbox. Each is claimed first, so the delivery function and the prober
 * flushing at the same moment never send it twice; one that SES refuses is sent once its claim
 * runs out.
 */
export const flushOutbox = async (ports: Pick<PausePorts, 'outbox' | 'mailer' | 'log' | 'meter'>): Promise<{ sent: number; failed: number }> => {
  let sent = 0;
  for (const email of await ports.outbox.list()) {
    if (!(await ports.outbox.claim(email, ALERT_CLAIM_MS))) continue;
    try {
      await ports.mailer.send(email);
      await ports.outbox.remove(email);
      sent++;
      ports.meter.count(MetricNames.alertsSent);
      ports.log.info('Alert sent', { destinationId: email.destinationId, subject: email.subject });
    } catch (error) {
      ports.log.error('Alert not sent; it stays in the outbox and is retried', { destinationId: email.destinationId, ...errorFields(error) });
      ports.meter.count(MetricNames.alertSendFailures);
      return { sent, failed: 1 };
    }
  }
  return { sent, failed: 0 };
};

/** Disables the destination's mapping (the control plane may throttle: the prober tries again). */
export const stopMapping = async (destination: Destination, ports: PausePorts): Promise<void> => {
  try {
    await ports.mappings.setEnabled(destination.mappingId!, false);
    await ports.directory.updatePause(destination.id, { mappingDisabled: true });
  } catch (error) {
    ports.log.warn('Could not disable the mapping yet; the prober retries', { destinationId: destination.id, ...errorFields(error) });
  }
};

/**
 * Pauses a destination whose head failed for good in this attempt series. The pause is recorded
 * first (the delivery function refuses to deliver for a paused destination), then the mapping is
 * disabled. Only the call that starts the episode writes its alert.
 */
export const pauseDestination = async (
  destination: Destination,
  failure: Extract<DeliveryResult, { kind: 'failed' }>,
  ports: PausePorts,
): Promise<void> => {
  const now = ports.clock();
  const fault = faultOf(failure.outcome);
  const alertedOrganizationId = fault === 'sender' ? failure.message.organizationId : destination.organizationId;
  const organization = await ports.directory.getOrganization(alertedOrganizationId);
  const pause: Pause = {
    pausedAt: now.toISOString(),
    reason: failure.reason,
    fault,
    alertedOrganizationId,
    headTransmissionId: failure.header.transmissionId,
    headMessageId: failure.header.messageId,
    probeStep: 0,
    nextRetryAt: later(now, probeDelaySeconds(ports.probeLadderSeconds, 0)),
  };
  const depth = await waitingCount(destination, ports).catch(() => -1);
  const alert = pausedAlert(destination, pause, organization?.alertEmail ?? '', depth);
  const started = await ports.directory.pauseDestination(destination.id, pause, alert);
  ports.log.warn(started ? 'Destination paused' : 'Destination already paused', {
    destinationId: destination.id,
    transmissionId: pause.headTransmissionId,
    reason: pause.reason,
    fault,
  });
  if (!started) return;
  ports.meter.count(MetricNames.pauses);
  await stopMapping(destination, ports);
  await flushOutbox(ports);
};

/** Ends a pause episode: the mapping runs again, the destination is active, one recovery alert. */
export const resumeDestination = async (destination: Destination, how: string, ports: PausePorts): Promise<boolean> => {
  const pause = destination.pause;
  if (destination.status !== 'paused' || !pause) return false;
  // Entries in the spill are older than everything in the queue: the mapping waits for them.
  if ((destination.spilled ?? 0) > 0) return false;
  // Mapping first: while the record still says paused, the delivery function only releases what
  // the mapping hands it, so nothing is delivered out of turn.
  await ports.mappings.setEnabled(destination.mappingId!, true);
  const organization = await ports.directory.getOrganization(pause.alertedOrganizationId);
  const resumed = await ports.directory.resumeDestination(destination.id, resumedAlert(destination, pause, organization?.alertEmail ?? '', ports.clock(), how));
  if (!resumed) return false;
  await ports.messages.setTransmissionStatus(pause.headMessageId, pause.headTransmissionId, 'queued', ['paused']);
  ports.log.info('Destination resumed', { destinationId: destination.id, how });
  ports.meter.count(MetricNames.resumes);
  await flushOutbox(ports);
  return true;
};

/** Time one worker spends on one destination's spill (moving entries in or delivering them out) per turn. */
const SPILL_TURN_MS = 20_000;
/** How long entries taken to be moved to the spill stay hidden; a move takes milliseconds. */
const SPILL_RECEIVE_VISIBILITY_SECONDS = 60;

export type ProbeOutcome = 'resumed' | 'still_paused' | 'not_paused' | 'busy';

/** Extends the head lease before the next step of a long turn. */
export type KeepHeadHeld = () => Promise<void>;

/** Room in a head lease beyond one attempt at the destination's timeout. */
const HEAD_LEASE_MARGIN_MS = 5000;

/**
 * Runs `work` while holding the head lease of `destination` (as its caller last read it), on a
 * fresh read of the destination taken once the lease is held. The lease covers one attempt at the
 * destination's timeout; a longer turn (the spill) extends it before each step, so a worker that
 * dies leaves the head to others within that much time.
 */
export const withHeadHeld = async <T>(
  destination: Destination,
  ports: PausePorts,
  work: (destination: Destination, keepHeld: KeepHeadHeld) => Promise<T>,
): Promise<T | 'busy' | 'not_paused'> => {
  const holder = randomUUID();
  const destinationId = destination.id;
  if (destination.status !== 'paused') return 'not_paused';
  const leaseMs = destination.timeoutMs + HEAD_LEASE_MARGIN_MS;
  if (!(await ports.directory.holdHead(destinationId, holder, leaseMs))) return 'busy';
  const keepHeld: KeepHeadHeld = async () => {
    if (!(await ports.directory.holdHead(destinationId, holder, leaseMs))) throw new Error(`Lost the head lease of destination ${destinationId}`);
  };
  try {
    const current = await ports.directory.getDestination(destinationId);
    if (!current || current.status !== 'paused') return 'not_paused';
    return await work(current, keepHeld);
  } finally {
    await ports.directory.releaseHead(destinationId, holder).catch((error: unknown) =>
      ports.log.warn('Could not release the head lease; it runs out by itself', { destinationId, ...errorFields(error) }),
    );
  }
};

/** Makes `header`'s transmission the head the pause reports (and marks it paused), if it is a new one. */
const noteHead = async (destination: Destination, header: EnvelopeHeader, ports: PausePorts) => {
  if (header.transmissionId === destination.pause!.headTransmissionId) return;
  await ports.directory.updatePause(destination.id, { headTransmissionId: header.transmissionId, headMessageId: header.messageId });
  await ports.messages.setTransmissionStatus(header.messageId, header.transmissionId, 'paused', ['queued']);
};

/** Schedules the next probe on the ladder after a failed one, noting the head that failed. */
const scheduleProbe = async (destination: Destination, ports: PausePorts, probeStep: number, failure?: Extract<DeliveryResult, { kind: 'failed' }>) => {
  await ports.directory.updatePause(destination.id, {
    probeStep,
    nextRetryAt: later(ports.clock(), probeDelaySeconds(ports.probeLadderSeconds, probeStep)),
    ...(failure ? { reason: failure.reason } : {}),
  });
  if (failure) await noteHead(destination, failure.header, ports);
};

/** Asks for the next pass to carry on with this destination at once (the ladder starts again if it fails). */
const continueNow = (destination: Destination, ports: PausePorts, reason?: string) =>
  ports.directory.updatePause(destination.id, { probeStep: 0, nextRetryAt: ports.clock().toISOString(), ...(reason ? { reason } : {}) });

/**
 * Retries the head of a paused destination taken from its queue (the mapping is off, so nothing
 * competes for it). Success deletes it and resumes the destination; failure puts it back and
 * schedules the next rung of the ladder.
 */
const probeQueueHead = async (destination: Destination, ports: PausePorts): Promise<ProbeOutcome> => {
  const pause = destination.pause!;
  const queueUrl = destination.queueUrl!;
  // Hidden as long as the head lease lasts: the lease already keeps other workers away, and a
  // prober killed mid-probe leaves the head visible again as soon as its lease runs out.
  const head = await ports.queues.receiveHead(queueUrl, Math.ceil((destination.timeoutMs + HEAD_LEASE_MARGIN_MS) / 1000));
  if (!head) {
    // Nothing visible: either the queue is empty (nothing left to hold back) or the head is still
    // hidden by the attempt that paused it.
    if ((await ports.queues.depth(queueUrl)) === 0) return (await resumeDestination(destination, 'nothing left to deliver', ports)) ? 'resumed' : 'still_paused';
    await scheduleProbe(destination, ports, pause.probeStep + 1);
    return 'still_paused';
  }
  if (head.sentAt !== pause.queueHeadSentAt) await ports.directory.updatePause(destination.id, { queueHeadSentAt: head.sentAt });
  const result = await deliverEnvelope(head.body, destination, ports, { inlineRetries: 0 });
  if (result.kind === 'failed') {
    await ports.queues.release(queueUrl, [head.receiptHandle], 0);
    await scheduleProbe(destination, ports, pause.probeStep + 1, result);
    ports.log.info('Probe of paused destination failed', { destinationId: destination.id, reason: result.reason, probeStep: pause.probeStep + 1 });
    return 'still_paused';
  }
  await ports.queues.delete(queueUrl, head.receiptHandle);
  return (await resumeDestination(destination, 'the head was delivered by an automatic retry', ports)) ? 'resumed' : 'still_paused';
};

/**
 * Retries the head of a destination whose oldest entries are in the spill: the spill's first
 * entry. Once it succeeds, the spill is delivered in order for the rest of the turn; when it is
 * empty, the queue's head is probed next (and its success resumes the destination).
 */
const probeSpilledHead = async (destination: Destination, ports: PausePorts, keepHeld: KeepHeadHeld): Promise<ProbeOutcome> => {
  const deadline = ports.clock().getTime() + SPILL_TURN_MS;
  let delivered = 0;
  for (;;) {
    if (delivered > 0) await keepHeld();
    const entry = await ports.spill.first(destination.id);
    if (!entry) {
      await continueNow(destination, ports);
      return 'still_paused';
    }
    const result = await deliverEnvelope(entry.body, destination, ports, { inlineRetries: delivered === 0 ? 0 : destination.inlineRetries });
    if (result.kind === 'failed') {
      await scheduleProbe(destination, ports, delivered === 0 ? destination.pause!.probeStep + 1 : 0, result);
      ports.log.info('Delivery from the spill failed', { destinationId: destination.id, reason: result.reason, delivered });
      return 'still_paused';
    }
    await ports.spill.remove(destination.id, entry.position);
    delivered++;
    if (ports.clock().getTime() > deadline) {
      ports.log.info('Delivering the spill in order', { destinationId: destination.id, delivered });
      await continueNow(destination, ports, "The endpoint answers again; entries kept beyond the queue's retention are being delivered in order.");
      return 'still_paused';
    }
  }
};

const probeHead = (destination: Destination, ports: PausePorts, keepHeld: KeepHeadHeld): Promise<ProbeOutcome> =>
  (destination.spilled ?? 0) > 0 ? probeSpilledHead(destination, ports, keepHeld) : probeQueueHead(destination, ports);

/**
 * Retries a paused destination's head now: the spill's first entry when there is a spill, the
 * queue's head otherwise. `busy` when another worker holds the head.
 */
export const probeDestination = (destination: Destination, ports: PausePorts): Promise<ProbeOutcome> =>
  withHeadHeld(destination, ports, (current, keepHeld) => probeHead(current, ports, keepHeld));

const isSpillDue = (destination: Destination, ports: PausePorts): boolean => {
  const { queueHeadSentAt, mappingDisabled } = destination.pause!;
  return !!queueHeadSentAt && !!mappingDisabled && Date.parse(queueHeadSentAt) + ports.spillAfterSeconds * 1000 <= ports.clock().getTime();
};

/**
 * Moves the queue entries that are getting close to the queue's retention, head first and in
 * order, to the spill, where no retention applies. Each is kept before it is deleted from the
 * queue, and keeping is idempotent, so a mover that dies halfway loses and duplicates nothing.
 */
const spillAgingEntries = async (destination: Destination, ports: PausePorts, keepHeld: KeepHeadHeld): Promise<number> => {
  const queueUrl = destination.queueUrl!;
  const deadline = ports.clock().getTime() + SPILL_TURN_MS;
  const isAging = (sentAt: string) => Date.parse(sentAt) + ports.spillAfterSeconds * 1000 <= ports.clock().getTime();
  let moved = 0;
  for (;;) {
    if (moved > 0) await keepHeld();
    const entries = await ports.queues.receiveHeads(queueUrl, 10, SPILL_RECEIVE_VISIBILITY_SECONDS);
    if (entries.length === 0) {
      // An empty queue holds nothing older than now; a hidden head is looked at again next pass.
      if ((await ports.queues.depth(queueUrl)) === 0) await ports.directory.updatePause(destination.id, { queueHeadSentAt: ports.clock().toISOString() });
      break;
    }
    const firstYoung = entries.findIndex((entry) => !isAging(entry.sentAt));
    const aging = firstYoung === -1 ? entries : entries.slice(0, firstYoung);
    for (const entry of aging) {
      await ports.spill.keep(destination.id, { position: entry.position, sentAt: entry.sentAt, body: entry.body });
      await ports.queues.delete(queueUrl, entry.receiptHandle);
      moved++;
    }
    const young = entries.slice(aging.length);
    if (young.length > 0) {
      await ports.queues.release(queueUrl, young.map((entry) => entry.receiptHandle), 0);
      await ports.directory.updatePause(destination.id, { queueHeadSentAt: young[0]!.sentAt });
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

/** One pass of the prober: send pending alerts, finish disabling mappings, spill what is aging, probe the heads that are due. */
export const probeDueDestinations = async (ports: PausePorts): Promise<{ paused: number; probed: number; resumed: number; spilled: number }> => {
  await flushOutbox(ports);
  const paused = await ports.directory.listPausedDestinations();
  let probed = 0;
  let resumed = 0;
  let spilled = 0;
  for (const destination of paused) {
    try {
      if (!destination.pause!.mappingDisabled) await stopMapping(destination, ports);
      const spillDue = isSpillDue(destination, ports);
      const probeDue = Date.parse(destination.pause!.nextRetryAt) <= ports.clock().getTime();
      if (!spillDue && !probeDue) continue;
      const outcome = await withHeadHeld(destination, ports, async (current, keepHeld) => {
        if (spillDue && isSpillDue(current, ports)) {
          spilled += await spillAgingEntries(current, ports, keepHeld);
          await keepHeld();
          current = (await ports.directory.getDestination(current.id)) ?? current;
        }
        if (!probeDue) return 'still_paused';
        probed++;
        return probeHead(current, ports, keepHeld);
      });
      if (outcome === 'resumed') resumed++;
    } catch (error) {
      ports.log.error('Probe failed', { destinationId: destination.id, ...errorFields(error) });
    }
  }
  return { paused: paused.length, probed, resumed, spilled };
};

/**
 * Publishes the gauges the alarms watch: how many destinations are paused, for how long the
 * longest has been, and how old the oldest entry waiting behind a paused head is — the one that
 * SQS's retention would drop first (the spill takes it at twelve days; the alarm fires long before).
 */
export const reportPauseGauges = async (ports: PausePorts): Promise<void> => {
  const paused = await ports.directory.listPausedDestinations();
  const now = ports.clock().getTime();
  const ageSeconds = (time: string) => Math.round((now - Date.parse(time)) / 1000);
  let longestPause = 0;
  let oldestEntry = 0;
  let spillBacklog = 0;
  for (const destination of paused) {
    const pause = destination.pause!;
    longestPause = Math.max(longestPause, ageSeconds(pause.pausedAt));
    spillBacklog += destination.spilled ?? 0;
    // The spill's first entry is older than anything in the queue; without a spill, the queue's
    // head was sent before the pause began, so the pause's age is a floor for it.
    const oldest = destination.spilled ? (await ports.spill.first(destination.id))?.sentAt : (pause.queueHeadSentAt ?? pause.pausedAt);
    if (oldest) oldestEntry = Math.max(oldestEntry, ageSeconds(oldest));
  }
  ports.meter.count(MetricNames.pausedDestinations, paused.length);
  ports.meter.seconds(MetricNames.longestPause, longestPause);
  ports.meter.seconds(MetricNames.oldestPausedEntryAge, oldestEntry);
  ports.meter.count(MetricNames.spillBacklog, spillBacklog);
};
