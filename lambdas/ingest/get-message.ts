import { notFound } from '../shared/domain/errors';
import { isId } from '../shared/domain/ids';
import { isRemoved } from '../shared/domain/destinations';
import type { Source, Transmission, TransmissionStatus } from '../shared/domain/model';
import { type MessageStatus, rollUpStatus } from '../shared/domain/status';
import type { Directory } from '../shared/ports/directory';
import type { MessageStore } from '../shared/ports/messages';

/** What a message read takes: the message store, and the directory to learn which destinations were deleted. */
export interface GetMessagePorts {
  readonly messages: Pick<MessageStore, 'getMessage'>;
  readonly directory: Pick<Directory, 'getDestination'>;
}

/** One transmission as `GET /v1/messages/{messageId}` shows it (MessageTransmission in docs/openapi.yaml). */
export interface TransmissionView {
  readonly id: string;
  readonly destinationId: string;
  readonly status: TransmissionStatus;
  readonly attempts: number;
  readonly sequence?: number;
  readonly arrivedAt?: string;
  readonly lastError?: string;
  /** How many times it was replayed or redelivered; absent before the first. */
  readonly generation?: number;
}

/** The answer to `GET /v1/messages/{messageId}` (MessageView in docs/openapi.yaml). */
export interface MessageView {
  readonly messageId: string;
  readonly receivedAt: string;
  readonly status: MessageStatus;
  readonly transmissions: readonly TransmissionView[];
}

/**
 * The documented fields of a transmission, each only when present: copied by name, so a field a
 * later version stores on a transmission never reaches integrators undocumented.
 */
const showTransmission = (transmission: Transmission, status: TransmissionStatus): TransmissionView => {
  const { id, destinationId, attempts, sequence, arrivedAt, lastError, generation } = transmission;
  return {
    id,
    destinationId,
    status,
    attempts,
    ...(sequence === undefined ? {} : { sequence }),
    ...(arrivedAt === undefined ? {} : { arrivedAt }),
    ...(lastError === undefined ? {} : { lastError }),
    ...(generation === undefined ? {} : { generation }),
  };
};

/** Statuses of a transmission still waiting for its destination: `cancelled` once that is deleted. */
const WAITING: readonly TransmissionStatus[] = ['queued', 'paused'];

/**
 * `GET /v1/messages/{messageId}`: the message with its transmissions and rolled-up status. Only the
 * sending source's organization may read it; anyone else is answered 404, as for an unknown id.
 *
 * `cancelled` is derived here, not stored: a transmission recorded `queued` or `paused` whose
 * destination is deleted (or being deleted) will never be delivered, and reads `cancelled`. A
 * forced DELETE could not mark each waiting transmission itself: finding them means reading the
 * whole queue (and spill), ten entries a call, which a backlog of thousands does not finish within
 * API Gateway's 29 s integration timeout; deriving it costs one strongly consistent read per
 * distinct destination that still has a waiting transmission, only for such messages.
 */
export const getMessage = async (source: Source, messageId: string, ports: GetMessagePorts): Promise<MessageView> => {
  const message = isId('message', messageId) ? await ports.messages.getMessage(messageId) : undefined;
  if (message === undefined || message === 'abandoned' || message.organizationId !== source.organizationId) {
    throw notFound('message', messageId);
  }
  const removed = await removedDestinations(message.transmissions, ports);
  const transmissions = message.transmissions.map((transmission) =>
    showTransmission(
      transmission,
      WAITING.includes(transmission.status) && removed.has(transmission.destinationId)
        ? 'cancelled'
        : transmission.status,
    ),
  );
  return {
    messageId: message.id,
    receivedAt: message.receivedAt,
    status: rollUpStatus(transmissions.map((transmission) => transmission.status)),
    transmissions,
  };
};

/** The ids of the destinations of waiting transmissions that are deleted or being deleted. */
const removedDestinations = async (
  transmissions: readonly Transmission[],
  ports: GetMessagePorts,
): Promise<Set<string>> => {
  const ids = [...new Set(transmissions.filter((t) => WAITING.includes(t.status)).map((t) => t.destinationId))];
  const destinations = await Promise.all(ids.map((id) => ports.directory.getDestination(id)));
  return new Set(
    destinations.flatMap((destination) => (destination && isRemoved(destination) ? [destination.id] : [])),
  );
};
