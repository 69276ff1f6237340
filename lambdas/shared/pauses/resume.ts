import { resumedAlert } from '../domain/alerts';
import { MetricNames } from '../domain/metric-names';
import type { Destination } from '../domain/model';
import { flushOutbox } from './alert-outbox';
import type { PausePorts } from './pause-ports';

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
  const resumed = await ports.destinationState.recordResume(destination.id, resumedAlert(destination, pause, organization?.alertEmail ?? '', ports.clock(), how));
  if (!resumed) return false;
  await ports.messages.setTransmissionStatus(pause.headMessageId, pause.headTransmissionId, 'queued', ['paused']);
  ports.log.info('Destination resumed', { destinationId: destination.id, how });
  ports.meter.count(MetricNames.resumes);
  await flushOutbox(ports);
  return true;
};
