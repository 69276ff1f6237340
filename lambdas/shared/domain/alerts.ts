import { randomUUID } from 'node:crypto';
import type { Destination, OutboxEmail, Pause } from './model';

/**
 * The alert emails of a pause episode. They name the destination, the reason, the head
 * transmission, the time and the queue depth — never any payload.
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

/** The recovery email that ends a pause episode; `how` completes its "How: …" line. */
export const resumedAlert = (
  destination: Destination,
  pause: Pause,
  to: string,
  resumedAt: Date,
  how: string,
): OutboxEmail => ({
  id: randomUUID(),
  to,
  destinationId: destination.id,
  createdAt: resumedAt.toISOString(),
  subject: `[Conveyor] Resumed: ${destination.name}`,
  body: [
    `Conveyor resumed deliveries to destination "${destination.name}" (${destination.id}).`,
    '',
    `Paused at: ${pause.pausedAt} (${pause.reason})`,
    `Resumed at: ${resumedAt.toISOString()}`,
    `How: ${how}`,
  ].join('\n'),
});
