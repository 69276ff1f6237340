import { faultOf, probeDelaySeconds } from '../domain/failures';
import { MetricNames } from '../domain/metric-names';
import type { Pause, ProvisionedDestination } from '../domain/model';
import type { DeliveryResult } from '../transmissions/deliver-transmission';
import { flushOutbox } from './alert-outbox';
import { recordPauseWithAlert } from './episode-alerts';
import type { PausePorts } from './pause-ports';
import { later } from './schedule';
import { waitingCount } from './waiting-count';

/**
 * Pauses a destination whose head failed for good in this attempt series. Only the call that
 * records the pause writes its alert, if its episode has one; a repeated call changes nothing.
 *
 * 1. Decide whose fault it is (the contract's lists: `faultOf`) and so which organization is
 *    alerted; the first probe is due after the ladder's first rung.
 * 2. Record the pause, its episode and that episode's alert (a Paused email, the Unstable email,
 *    or none when it continues an episode or the destination is unstable: `recordPauseWithAlert`),
 *    the head marked paused and the destination on the mapping worklist, in one write; the
 *    delivery function refuses to deliver for a paused destination from then on, and the
 *    reconciler disables its mapping (the only caller of Lambda's control plane: a disable retried
 *    here could land after a resume). The Paused email counts the entries waiting (queue and
 *    spill; -1 when the queue cannot be read).
 * 3. When this call recorded the pause: count it and send the alert (see `flushOutbox`).
 *
 * Throws what the directory or destination-state ports throw in steps 1 and 2.
 */
export const pauseDestination = async (
  destination: ProvisionedDestination,
  failure: Extract<DeliveryResult, { kind: 'failed' }>,
  ports: PausePorts,
): Promise<void> => {
  const now = ports.clock();
  const fault = faultOf(failure.outcome);
  const alertedOrganizationId = fault === 'sender' ? failure.message.organizationId : destination.organizationId;
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
  // Paused destinations are not delivered to: one handed here is already paused.
  const alerting =
    destination.status === 'active'
      ? await recordPauseWithAlert(destination, pause, () => waitingCount(destination, ports).catch(() => -1), ports)
      : undefined;
  ports.log.warn(alerting ? 'Destination paused' : 'Destination already paused', {
    destinationId: destination.id,
    transmissionId: pause.headTransmissionId,
    reason: pause.reason,
    fault,
    ...(alerting ? { episode: alerting.kind, alert: alerting.kind === 'starts' ? alerting.email : 'none' } : {}),
  });
  if (!alerting) return;
  ports.meter.count(MetricNames.pauses);
  await flushOutbox(ports);
};
