import { attemptLog, ATTEMPT_LOG_LIMIT } from '../shared/domain/attempt-log';
import { notFound } from '../shared/domain/errors';
import { messageIdOfTransmission } from '../shared/domain/ids';
import type { AttemptLogEntry, Transmission, TransmissionStatus } from '../shared/domain/model';
import type { MessageStore } from '../shared/ports/messages';

/** What `GET /v1/admin/transmissions/{id}` answers. */
export interface TransmissionDetail {
  readonly id: string;
  readonly messageId: string;
  readonly destinationId: string;
  readonly status: TransmissionStatus;
  readonly sequence?: number;
  readonly arrivedAt?: string;
  readonly attempts: number;
  /** The last 50 attempts, newest last; `responseExcerpt` may hold PHI (shown only here). */
  readonly attemptLog: AttemptLogEntry[];
}

/**
 * The transmission with this id and the id of its message (transmission ids embed it). Throws 404
 * `transmission_not_found` for an id of the wrong shape, an unknown message, an abandoned one, or a
 * message without that transmission.
 */
export const requireTransmission = async (
  transmissionId: string,
  messages: Pick<MessageStore, 'getMessage'>,
): Promise<{ messageId: string; transmission: Transmission }> => {
  const messageId = messageIdOfTransmission(transmissionId);
  const message = messageId === undefined ? undefined : await messages.getMessage(messageId);
  const transmission =
    message === undefined || message === 'abandoned'
      ? undefined
      : message.transmissions.find((candidate) => candidate.id === transmissionId);
  if (!messageId || !transmission) throw notFound('transmission', transmissionId);
  return { messageId, transmission };
};

/**
 * `GET /v1/admin/transmissions/{id}`: one transmission with its attempt log.
 *
 * 1. Find the message from the transmission's id (the id names it: `messageIdOfTransmission`), and
 *    the transmission in it; 404 `transmission_not_found` for a malformed or unknown id.
 * 2. Read its last 50 failed attempts and, once delivered, its arrival-log entry (the delivering
 *    attempt is recorded there, in the one write of the success path).
 * 3. Answer the transmission with its attempt log, in attempt order, newest last, the last 50.
 *
 * The log's `responseExcerpt`s may hold PHI: nothing here logs or meters them.
 * @throws ApiError 404 `transmission_not_found`; the ports' errors otherwise
 */
export const describeTransmission = async (
  transmissionId: string,
  ports: { readonly messages: MessageStore },
): Promise<TransmissionDetail> => {
  const { messageId, transmission } = await requireTransmission(transmissionId, ports.messages);
  const [failed, arrival] = await Promise.all([
    ports.messages.listFailedAttempts(messageId, transmissionId, ATTEMPT_LOG_LIMIT),
    transmission.status === 'delivered' && transmission.sequence !== undefined
      ? ports.messages.getArrival(transmission.destinationId, transmission.sequence)
      : undefined,
  ]);
  return {
    id: transmission.id,
    messageId,
    destinationId: transmission.destinationId,
    status: transmission.status,
    ...(transmission.sequence === undefined ? {} : { sequence: transmission.sequence }),
    ...(transmission.arrivedAt === undefined ? {} : { arrivedAt: transmission.arrivedAt }),
    attempts: transmission.attempts,
    // An entry under that number for another transmission (not expected) is not this one's delivery.
    attemptLog: attemptLog(failed, arrival?.transmissionId === transmissionId ? arrival : undefined),
  };
};
