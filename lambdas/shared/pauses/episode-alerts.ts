import { pausedAlert, unstableAlert } from '../domain/alerts';
import type { ActiveDestination, OutboxEmail, Pause } from '../domain/model';
import { alertingAtPause, type PauseAlerting } from '../domain/pause-episodes';
import type { PausePorts } from './pause-ports';

/** How many times a pause is decided again when its episode changed under it (a pause and a resume in between). */
const PAUSE_DECISIONS = 3;

/** The email that starts an episode, to the organization the pause alerts; none for an unannounced start or a continued episode. */
const startingAlert = async (
  destination: ActiveDestination,
  pause: Pause,
  alerting: PauseAlerting,
  queueDepth: () => Promise<number>,
  ports: Pick<PausePorts, 'directory' | 'alerting'>,
): Promise<OutboxEmail | undefined> => {
  if (alerting.kind === 'continues' || alerting.email === 'none') return undefined;
  const organization = await ports.directory.getOrganization(pause.alertedOrganizationId);
  const to = organization?.alertEmail ?? '';
  return alerting.email === 'paused'
    ? pausedAlert(destination, pause, to, await queueDepth())
    : unstableAlert(destination, pause, alerting.episode, to, ports.alerting);
};

/**
 * Records the pause of an active destination with what its episode says to alert (the rules:
 * `domain/pause-episodes.ts`), in one write. Undefined when the destination was no longer active
 * (nothing written); otherwise how the pause counted (`continues`, or `starts` with its email).
 *
 * 1. Decide from the destination's episode as read: a pause within the settling time of its last
 *    resume continues the episode (no email; that resume's Resumed email is withdrawn); any other
 *    starts one, with a Paused email, the Unstable email, or none while the destination is unstable.
 * 2. Build that email (the Paused one with `queueDepth()`, entries waiting, -1 when unknown).
 * 3. Record the pause, the episode, the email and the withdrawal in one write, over the episode as
 *    read (`DestinationState.recordPause`).
 * 4. The episode changed meanwhile: read the destination again and decide again (at most 3
 *    decisions). The Resumed email to withdraw is being sent: its settling time is over by the
 *    sender's clock, so decide again with the episode settled (a new episode starts).
 *
 * Throws what the directory and destination-state ports throw, and an `Error` when the episode
 * changed under 3 decisions in a row (the caller's retry decides afresh).
 */
export const recordPauseWithAlert = async (
  destination: ActiveDestination,
  pause: Pause,
  queueDepth: () => Promise<number>,
  ports: PausePorts,
): Promise<PauseAlerting | undefined> => {
  let current = destination;
  let settled = false;
  for (let decision = 1; ; decision++) {
    const alerting = alertingAtPause(current.episode, pause, ports.alerting, settled);
    const alert = await startingAlert(current, pause, alerting, queueDepth, ports);
    const outcome = await ports.destinationState.recordPause(current.id, pause, {
      readVersion: current.episode?.version,
      episode: alerting.episode,
      ...(alert ? { alert } : {}),
      ...(alerting.kind === 'continues' && alerting.withdraw ? { withdraw: alerting.withdraw } : {}),
    });
    if (outcome === 'recorded') return alerting;
    if (outcome === 'not_active') return undefined;
    if (decision === PAUSE_DECISIONS)
      throw new Error(`The pause episode of destination ${current.id} kept changing while its pause was recorded`);
    if (outcome === 'resumed_alert_sending') settled = true;
    const reread = await ports.directory.getDestination(current.id);
    if (reread?.status !== 'active') return undefined;
    current = reread;
  }
};
