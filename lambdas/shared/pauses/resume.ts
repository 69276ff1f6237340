import { resumedAlert } from '../domain/alerts';
import { MetricNames } from '../domain/metric-names';
import { isPaused } from '../domain/destinations';
import type { Destination } from '../domain/model';
import { alertingAtResume, outboxEmailKey } from '../domain/pause-episodes';
import { flushOutbox } from './alert-outbox';
import type { KeepHeadHeld } from './head-lease';
import type { PausePorts } from './pause-ports';

/**
 * Resumes a paused destination: it is active, its mapping is to run again, and its episode's
 * recovery alert waits out the settling time in the outbox (sent then, unless a pause within it
 * continues the episode; see `domain/pause-episodes.ts`). `how` completes "How: …" in the alert.
 * False when nothing was resumed (not paused, entries still in the spill, or another caller
 * resumed it first). The caller holds the head lease (`withHeadHeld`) and passes its `keepHeld`.
 *
 * 1. Refuse unless the destination is paused and its spill is empty (spilled entries are older
 *    than anything in the queue: the mapping waits for them).
 * 2. Extend the head lease, so that it covers every step left: a lease that ran out during a slow
 *    probe or skip would let a skip take the lease and park the next head, which never failed.
 * 3. Record the resume, its episode, the recovery alert (to the organization alerted when the
 *    episode started; none for an episode that started unannounced and lasted less than the
 *    flapping window), due at the end of the settling time, and the destination on the mapping
 *    worklist, in one write; stop when another caller recorded it first. The reconciler enables
 *    the mapping on its next pass (a resume that dies after this write still gets its mapping
 *    enabled); until then nothing is delivered, so nothing out of turn. The alert is in the table:
 *    a prober that dies before it is due loses nothing, the next one sends it.
 * 4. Mark the head transmission queued again, count the resume, send what is due in the outbox.
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
  const now = ports.clock();
  const { episode, announce, notBefore } = alertingAtResume(destination, now, ports.alerting);
  const organization = announce ? await ports.directory.getOrganization(episode.alertedOrganizationId) : undefined;
  const alert = announce
    ? resumedAlert(destination, episode, organization?.alertEmail ?? '', now, how, {
        notBefore,
        settlingSeconds: ports.alerting.settlingSeconds,
      })
    : undefined;
  const resumed = await ports.destinationState.recordResume(
    destination.id,
    alert ? { episode: { ...episode, pendingResumed: outboxEmailKey(alert) }, alert } : { episode },
  );
  if (!resumed) return false;
  await ports.messages.setTransmissionStatus(pause.headMessageId, pause.headTransmissionId, 'queued', ['paused']);
  ports.log.info('Destination resumed', { destinationId: destination.id, how, resumedAlertDue: alert?.notBefore });
  ports.meter.count(MetricNames.resumes);
  await flushOutbox(ports);
  return true;
};
