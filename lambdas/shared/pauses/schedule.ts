/** Where a paused destination's ladder stands: the next probe, and the head the pause reports. */
import type { EnvelopeHeader } from '../domain/envelope';
import { probeDelaySeconds } from '../domain/failures';
import type { Destination } from '../domain/model';
import type { DeliveryResult } from '../transmissions/deliver-transmission';
import type { PausePorts } from './pause-ports';

export const later = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();

/** Makes `header`'s transmission the head the pause reports (and marks it paused), if it is a new one. */
export const noteHead = async (destination: Destination, header: EnvelopeHeader, ports: PausePorts) => {
  if (header.transmissionId === destination.pause!.headTransmissionId) return;
  await ports.destinationState.recordPauseChange(destination.id, { headTransmissionId: header.transmissionId, headMessageId: header.messageId });
  await ports.messages.setTransmissionStatus(header.messageId, header.transmissionId, 'paused', ['queued']);
};

/** Schedules the next probe on the ladder after a failed one, noting the head that failed. */
export const scheduleProbe = async (destination: Destination, ports: PausePorts, probeStep: number, failure?: Extract<DeliveryResult, { kind: 'failed' }>) => {
  await ports.destinationState.recordPauseChange(destination.id, {
    probeStep,
    nextRetryAt: later(ports.clock(), probeDelaySeconds(ports.probeLadderSeconds, probeStep)),
    ...(failure ? { reason: failure.reason } : {}),
  });
  if (failure) await noteHead(destination, failure.header, ports);
};

/** Asks for the next pass to carry on with this destination at once (the ladder starts again if it fails). */
export const continueNow = (destination: Destination, ports: PausePorts, reason?: string) =>
  ports.destinationState.recordPauseChange(destination.id, { probeStep: 0, nextRetryAt: ports.clock().toISOString(), ...(reason ? { reason } : {}) });
