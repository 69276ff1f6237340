import { resumedAlert } from '../domain/alerts';
import { MetricNames } from '../domain/metric-names';
import { isPaused } from '../domain/destinations';
import type { Destination } from '../domain/model';
import { flushOutbox } from './alert-outbox';
import type { KeepHeadHeld } from './head-lease';
import type { PausePorts } from './pause-ports';

/**
 * Ends a pause episode: the destination is active, its mapping is to run again, one recovery
 * alert. `how` completes "How: …" in the alert. False when nothing was resumed (not paused,
 * entries still in the spill, or another caller resumed it first). The caller holds the head
 * lease (`withHeadHeld`) and passes its `keepHeld`.
 *
 * 1. Refuse unless the destination is paused and its spill is empty (spilled entries are older
 *    than anything in the queue: the mapping waits for them).
 * 2. Extend the head lease, so that it covers every step left: a lease that ran out during a slow
 *    probe or skip would let a skip take the lease and park the next head, which never failed.
 * 3. Record the resume, the recovery alert (to the organization alerted at the pause) and the
 *    destination on the mapping worklist, in one write; stop when another caller recorded it
 *    first. The reconciler enables the mapping on its next pass (a resume that dies after this
 *    write still gets its mapping enabled); until then nothing is delivered, so nothing out of turn.
 * 4. Mark the head transmission queued again, count the resume, send the alert.
 *
 * Throws what the lease, directory and store ports throw (the prober or operator retries).
 */
export const resumeDestination = async (
  destination: Destination,
  how: string,
  ports: PausePorts,
  keepHeld: KeepHeadHeld,
): Promise<boolean> => {
  if (!isPaused(destination)) return false;
  const { pause } = destination;
  // Entries in the spill are older than everything in the queue: the mapping waits for them.
  if ((destination.spilled ?? 0) > 0) return false;
  await keepHeld();
  const organization = await ports.directory.getOrganization(pause.alertedOrganizationId);
  const resumed = await ports.destinationState.recordResume(
    destination.id,
    resumedAlert(destination, pause, organization?.alertEmail ?? '', ports.clock(), how),
  );
  if (!resumed) return false;
  await ports.messages.setTransmissionStatus(pause.headMessageId, pause.headTransmissionId, 'queued', ['paused']);
  ports.log.info('Destination resumed', { destinationId: destination.id, how });
  ports.meter.count(MetricNames.resumes);
  await flushOutbox(ports);
  return true;
};
