import { randomUUID } from 'node:crypto';
import type { Destination, OutboxEmail, Pause, PauseEpisode } from './model';
import type { AlertSettings } from './pause-episodes';

/**
 * The alert emails of a pause episode (which of them a pause or a resume writes: `pause-episodes.ts`).
 * They name the destination, the reason, the head transmission, the time and the queue depth —
 * never any payload or answer body.
 *
 * `pausedAlert`: the email that a pause starts, to `to` (the alerted organization's address);
 * `queueDepth` is the number of entries waiting (-1 when unknown).
 */
export const pausedAlert = (destination: Destination, pause: Pause, to: string, queueDepth: number): OutboxEmail => ({
  id: randomUUID(),
  to,
  destinationId: destination.id,
  createdAt: pause.pausedAt,
  subject: `[Conveyor] Paused: ${destination.name}`,
  body: [
    `Conveyor paused deliveries to destination "${destination.name}" (${destination.id}).`,
    '',
    `Reason: ${pause.reason}`,
    `At fault: ${pause.fault === 'sender' ? 'the sending organization (the endpoint refused the data)' : "the destination's endpoint"}`,
    `Head transmission: ${pause.headTransmissionId} (message ${pause.headMessageId})`,
    `Paused at: ${pause.pausedAt}`,
    `Messages waiting: ${queueDepth}`,
    '',
    'Nothing behind the head is delivered while the destination is paused, and nothing is lost.',
    `Conveyor retries the head automatically (next at ${pause.nextRetryAt}); the first success resumes`,
    'the destination. An operator can also resume now, or skip the head (it is kept and can be replayed).',
  ].join('\n'),
});

/** "5 minutes", "1 minute", "90 seconds": a setting in seconds, as an email says it. */
const spokenDuration = (seconds: number): string => {
  const [amount, unit] = seconds % 60 === 0 && seconds > 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
};

/**
 * The email that replaces the Paused email of an episode that makes its destination unstable (see
 * `pause-episodes.ts`): the count of episodes in the window, the window, the last reason and what
 * happens now, to `to` (the pause's alerted organization). Never any payload or answer body.
 */
export const unstableAlert = (
  destination: Destination,
  pause: Pause,
  episode: PauseEpisode,
  to: string,
  settings: AlertSettings,
): OutboxEmail => {
  const window = spokenDuration(settings.flappingWindowSeconds);
  return {
    id: randomUUID(),
    to,
    destinationId: destination.id,
    createdAt: pause.pausedAt,
    subject: `[Conveyor] Unstable: ${destination.name}`,
    body: [
      `Deliveries to destination "${destination.name}" (${destination.id}) keep stopping: ${episode.recentStarts.length} pause episodes started in the last ${window} (more than ${settings.flappingEpisodes}).`,
      '',
      `Last reason: ${pause.reason}`,
      `At fault: ${pause.fault === 'sender' ? 'the sending organization (the endpoint refused the data)' : "the destination's endpoint"}`,
      `Paused again at: ${pause.pausedAt}`,
      `Head transmission: ${pause.headTransmissionId} (message ${pause.headMessageId})`,
      '',
      'It is paused now: Conveyor retries the head automatically and resumes it at the first success;',
      'nothing is lost or delivered out of order meanwhile.',
      `So as not to flood you, Conveyor sends no more Paused or Resumed emails for this destination until`,
      `${window} pass without a new pause episode; then they start again. A pause that lasts ${window} or`,
      'more still gets its Resumed email.',
    ].join('\n'),
  };
};

/**
 * The recovery email that ends a pause episode, to `to` (the organization its first pause
 * alerted); `how` completes its "How: …" line. Written at the resume, due `notBefore` (the end of
 * the settling time): a pause before then withdraws it and continues the episode.
 */
export const resumedAlert = (
  destination: Destination,
  episode: PauseEpisode,
  to: string,
  resumedAt: Date,
  how: string,
  settling: { readonly notBefore: string; readonly settlingSeconds: number },
): OutboxEmail => ({
  id: randomUUID(),
  to,
  destinationId: destination.id,
  createdAt: resumedAt.toISOString(),
  notBefore: settling.notBefore,
  subject: `[Conveyor] Resumed: ${destination.name}`,
  body: [
    `Conveyor resumed deliveries to destination "${destination.name}" (${destination.id}), and it has stayed`,
    `active for ${spokenDuration(settling.settlingSeconds)} since.`,
    '',
    `Paused at: ${episode.startedAt} (${episode.firstReason})`,
    ...(episode.pauses > 1 ? [`Pauses in this episode: ${episode.pauses}`] : []),
    `Resumed at: ${resumedAt.toISOString()}`,
    `How: ${how}`,
  ].join('\n'),
});
