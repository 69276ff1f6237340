/**
 * A destination's pause episode: pause on a failure that outlived its inline retries, probe the
 * head on a backoff ladder, resume on the first success (or when an operator skips the head), and
 * exactly one alert email at each end, sent through an outbox so a failing SES never blocks any of it.
 */
import { deliverEnvelope, type DeliveryPorts, type DeliveryResult } from './deliver-envelope';
import { pausedAlert, resumedAlert } from './domain/alerts';
import { faultOf, probeDelaySeconds } from './domain/failures';
import type { Destination, Pause } from './domain/model';
import { errorFields } from './logging';
import type { DestinationQueues, EventSourceMappings, Mailer, Outbox } from './ports';

export interface PausePorts extends DeliveryPorts {
  readonly queues: DestinationQueues;
  readonly mappings: EventSourceMappings;
  readonly outbox: Outbox;
  readonly mailer: Mailer;
  /** Seconds between probes of a paused head; the last rung repeats. */
  readonly probeLadderSeconds: readonly number[];
  /** How long a paused head stays hidden once handed back, so a mapping still winding down doesn't spin on it. */
  readonly pauseReleaseSeconds: number;
}

const later = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();

/** How long a sender holds an alert before another may send it (a send takes seconds at most). */
const ALERT_CLAIM_MS = 60_000;

/**
 * Sends every alert in the outbox. Each is claimed first, so the delivery function and the prober
 * flushing at the same moment never send it twice; one that SES refuses is sent once its claim
 * runs out.
 */
export const flushOutbox = async (ports: Pick<PausePorts, 'outbox' | 'mailer' | 'log'>): Promise<{ sent: number; failed: number }> => {
  let sent = 0;
  for (const email of await ports.outbox.list()) {
    if (!(await ports.outbox.claim(email, ALERT_CLAIM_MS))) continue;
    try {
      await ports.mailer.send(email);
      await ports.outbox.remove(email);
      sent++;
      ports.log.info('Alert sent', { destinationId: email.destinationId, subject: email.subject });
    } catch (error) {
      ports.log.error('Alert not sent; it stays in the outbox and is retried', { destinationId: email.destinationId, ...errorFields(error) });
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
  const depth = await ports.queues.depth(destination.queueUrl!).catch(() => -1);
  const alert = pausedAlert(destination, pause, organization?.alertEmail ?? '', depth);
  const started = await ports.directory.pauseDestination(destination.id, pause, alert);
  ports.log.warn(started ? 'Destination paused' : 'Destination already paused', {
    destinationId: destination.id,
    transmissionId: pause.headTransmissionId,
    reason: pause.reason,
    fault,
  });
  if (!started) return;
  await stopMapping(destination, ports);
  await flushOutbox(ports);
};

/** Ends a pause episode: the mapping runs again, the destination is active, one recovery alert. */
export const resumeDestination = async (destination: Destination, how: string, ports: PausePorts): Promise<boolean> => {
  const pause = destination.pause;
  if (destination.status !== 'paused' || !pause) return false;
  // Mapping first: while the record still says paused, the delivery function only releases what
  // the mapping hands it, so nothing is delivered out of turn.
  await ports.mappings.setEnabled(destination.mappingId!, true);
  const organization = await ports.directory.getOrganization(pause.alertedOrganizationId);
  const resumed = await ports.directory.resumeDestination(destination.id, resumedAlert(destination, pause, organization?.alertEmail ?? '', ports.clock(), how));
  if (!resumed) return false;
  await ports.messages.setTransmissionStatus(pause.headMessageId, pause.headTransmissionId, 'queued', ['paused']);
  ports.log.info('Destination resumed', { destinationId: destination.id, how });
  await flushOutbox(ports);
  return true;
};

/**
 * Retries a paused destination's head, taken from its queue (the mapping is off, so nothing
 * competes for it). Success deletes it and resumes the destination; failure puts it back and
 * schedules the next rung of the ladder.
 */
export const probeDestination = async (destination: Destination, ports: PausePorts): Promise<'resumed' | 'still_paused'> => {
  const pause = destination.pause!;
  const queueUrl = destination.queueUrl!;
  const head = await ports.queues.receiveHead(queueUrl, Math.ceil(destination.timeoutMs / 1000) + 30);
  const scheduleNext = async (reason?: string) => {
    const probeStep = pause.probeStep + 1;
    await ports.directory.updatePause(destination.id, {
      probeStep,
      nextRetryAt: later(ports.clock(), probeDelaySeconds(ports.probeLadderSeconds, probeStep)),
      ...(reason ? { reason } : {}),
    });
  };
  if (!head) {
    // Nothing visible: either the queue is empty (nothing left to hold back) or the head is still
    // hidden by the attempt that paused it.
    if ((await ports.queues.depth(queueUrl)) === 0) return (await resumeDestination(destination, 'nothing left to deliver', ports)) ? 'resumed' : 'still_paused';
    await scheduleNext();
    return 'still_paused';
  }
  const result = await deliverEnvelope(head.body, destination, ports, { inlineRetries: 0 });
  if (result.kind === 'failed') {
    await ports.queues.release(queueUrl, [head.receiptHandle], 0);
    await scheduleNext(result.reason);
    ports.log.info('Probe of paused destination failed', { destinationId: destination.id, reason: result.reason, probeStep: pause.probeStep + 1 });
    return 'still_paused';
  }
  await ports.queues.delete(queueUrl, head.receiptHandle);
  return (await resumeDestination(destination, 'the head was delivered by an automatic retry', ports)) ? 'resumed' : 'still_paused';
};

/** One pass of the prober: send pending alerts, finish disabling mappings, probe the heads that are due. */
export const probeDueDestinations = async (ports: PausePorts): Promise<{ paused: number; probed: number; resumed: number }> => {
  await flushOutbox(ports);
  const paused = await ports.directory.listPausedDestinations();
  let probed = 0;
  let resumed = 0;
  for (const destination of paused) {
    try {
      if (!destination.pause!.mappingDisabled) await stopMapping(destination, ports);
      if (Date.parse(destination.pause!.nextRetryAt) > ports.clock().getTime()) continue;
      probed++;
      if ((await probeDestination(destination, ports)) === 'resumed') resumed++;
    } catch (error) {
      ports.log.error('Probe failed', { destinationId: destination.id, ...errorFields(error) });
    }
  }
  return { paused: paused.length, probed, resumed };
};
