import { pausedAlert } from '../domain/alerts';
import { faultOf, probeDelaySeconds } from '../domain/failures';
import { MetricNames } from '../domain/metric-names';
import type { Pause, ProvisionedDestination } from '../domain/model';
import type { DeliveryResult } from '../transmissions/deliver-transmission';
import { flushOutbox } from './alert-outbox';
import type { PausePorts } from './pause-ports';
import { later } from './schedule';
import { waitingCount } from './waiting-count';

/**
 * Pauses a destination whose head failed for good in this attempt series. Only the call that
 * starts the episode writes its alert; a repeated call changes nothing.
 *
 * 1. Decide whose fault it is (a refusal, 4xx other than 408/429, is the sender's) and so which
 *    organization is alerted; the first probe is due after the ladder's first rung.
 * 2. Count the entries waiting (queue and spill; -1 when the queue cannot be read).
 * 3. Record the pause, the head marked paused, the alert in the outbox and the destination on
 *    the mapping worklist, in one write; the delivery function refuses to deliver for a paused
 *    destination from then on, and the reconciler disables its mapping (the only caller of
 *    Lambda's control plane: a disable retried here could land after a resume).
 * 4. When this call started the episode: count it and send the alert (see `flushOutbox`).
 *
 * Throws what the directory or destination-state ports throw in steps 1 and 3.
 */
export const pauseDestination = async (
  destination: ProvisionedDestination,
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
  const started = await ports.destinationState.recordPause(destination.id, pause, alert);
  ports.log.warn(started ? 'Destination paused' : 'Destination already paused', {
    destinationId: destination.id,
    transmissionId: pause.headTransmissionId,
    reason: pause.reason,
    fault,
  });
  if (!started) return;
  ports.meter.count(MetricNames.pauses);
  await flushOutbox(ports);
};
