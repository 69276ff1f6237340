/** Where a paused destination's ladder stands: the next probe, and the head the pause reports. */
import type { EnvelopeHeader } from '../domain/envelope';
import { probeDelaySeconds } from '../domain/failures';
import type { PausedDestination } from '../domain/model';
import type { DeliveryResult } from '../transmissions/deliver-transmission';
import type { PausePorts } from './pause-ports';

/** The time `seconds` after `now`, as an ISO 8601 string. */
export const later = (now: Date, seconds: number): string => new Date(now.getTime() + seconds * 1000).toISOString();

/** Makes `header`'s transmission the head the pause reports (and marks it paused), if it is a new one. */
export const noteHead = async (
  destination: PausedDestination,
  header: EnvelopeHeader,
  ports: PausePorts,
): Promise<void> => {
  if (header.transmissionId === destination.pause.headTransmissionId) return;
  await ports.destinationState.recordPauseChange(destination.id, {
    headTransmissionId: header.transmissionId,
    headMessageId: header.messageId,
  });
  await ports.messages.setTransmissionStatus(header.messageId, header.transmissionId, 'paused', ['queued']);
};

/**
 * Schedules probe number `probeStep` (0-based) on the ladder (`probeLadderSeconds`), after a
 * failed probe or a turn that found no visible head; a failure becomes the pause's reason, and
 * its transmission the head the pause reports.
 */
export const scheduleProbe = async (
  destination: PausedDestination,
  ports: PausePorts,
  probeStep: number,
  failure?: Extract<DeliveryResult, { kind: 'failed' }>,
): Promise<void> => {
  await ports.destinationState.recordPauseChange(destination.id, {
    probeStep,
    nextRetryAt: later(ports.clock(), probeDelaySeconds(ports.probeLadderSeconds, probeStep)),
    ...(failure ? { reason: failure.reason } : {}),
  });
  if (failure) await noteHead(destination, failure.header, ports);
};

/**
 * Asks for the next pass to carry on with this destination at once (the ladder starts again if it
 * fails); `reason`, when given, replaces the pause's reason.
 */
export const continueNow = (destination: PausedDestination, ports: PausePorts, reason?: string): Promise<void> =>
  ports.destinationState.recordPauseChange(destination.id, {
    probeStep: 0,
    nextRetryAt: ports.clock().toISOString(),
    ...(reason ? { reason } : {}),
  });
