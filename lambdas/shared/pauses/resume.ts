import { resumedAlert } from '../domain/alerts';
import { MetricNames } from '../domain/metric-names';
import { isPaused } from '../domain/destinations';
import type { Destination } from '../domain/model';
import { flushOutbox } from './alert-outbox';
import type { PausePorts } from './pause-ports';

/**
 * Ends a pause episode: the destination is active, its mapping is to run again, one recovery
 * alert. `how` completes "How: …" in the alert. False when nothing was resumed (not paused,
 * entries still in the spill, or another caller resumed it first).
 *
 * 1. Refuse unless the destination is paused and its spill is empty (spilled entries are older
 *    than anything in the queue: the mapping waits for them).
 * 2. Record the resume, the recovery alert (to the organization alerted at the pause) and the
 *    destination on the mapping worklist, in one write; stop when another caller recorded it
 *    first. The reconciler enables the mapping on its next pass (a resume that dies after this
 *    write still gets its mapping enabled); until then nothing is delivered, so nothing out of turn.
 * 3. Mark the head transmission queued again, count the resume, send the alert.
 *
 * Throws what the directory and store ports throw (the prober or operator retries).
 */
export const resumeDestination = async (destination: Destination, how: string, ports: PausePorts): Promise<boolean> => {
  if (!isPaused(destination)) return false;
  const { pause } = destination;
  // Entries in the spill are older than everything in the queue: the mapping waits for them.
  if ((destination.spilled ?? 0) > 0) return false;
  const organization = await ports.directory.getOrganization(pause.alertedOrganizationId);
  const resumed = await ports.destinationState.recordResume(destination.id, resumedAlert(destination, pause, organization?.alertEmail ?? '', ports.clock(), how));
  if (!resumed) return false;
  await ports.messages.setTransmissionStatus(pause.headMessageId, pause.headTransmissionId, 'queued', ['paused']);
  ports.log.info('Destination resumed', { destinationId: destination.id, how });
  ports.meter.count(MetricNames.resumes);
  await flushOutbox(ports);
  return true;
};
