import { pausedAlert } from '../domain/alerts';
import { faultOf, probeDelaySeconds } from '../domain/failures';
import { MetricNames } from '../domain/metric-names';
import type { Destination, Pause } from '../domain/model';
import { errorFields } from '../runtime/logging';
import type { DeliveryResult } from '../transmissions/deliver-transmission';
import { flushOutbox } from './alert-outbox';
import type { PausePorts } from './pause-ports';
import { later } from './schedule';
import { waitingCount } from './waiting-count';

/** Disables the destination's mapping (the control plane may throttle: the prober tries again). */
export const stopMapping = async (destination: Destination, ports: PausePorts): Promise<void> => {
  try {
    await ports.mappings.setEnabled(destination.mappingId!, false);
    await ports.destinationState.recordPauseChange(destination.id, { mappingDisabled: true });
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
  const started = await ports.destinationState.recordPause(destination.id, pause, alert);
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
