/**
 * The item of a message (`MSG#<id>`): the message with its transmissions as a map keyed by
 * transmission id (so one transmission's fields can be updated in place), each with its index in
 * the message; or, for a message never committed, the tombstone `{ state: 'abandoned' }`.
 */
import type { Message, Transmission } from '../../domain/model';

/** A transmission as stored in its message's item. */
export interface StoredTransmission {
  destinationId: string;
  /** Its position in the message's list of transmissions. */
  index: number;
  status: Transmission['status'];
  attempts: number;
  sequence?: number;
  arrivedAt?: string;
  lastError?: string;
  /** How often it was replayed (absent before the first replay). */
  generation?: number;
}

/** A message's item without its keys. */
export interface StoredMessage {
  state: 'committed' | 'abandoned';
  id: string;
  sourceId: string;
  organizationId: string;
  receivedAt: string;
  dataModel: string;
  eventType: string;
  transmissions: Record<string, StoredTransmission>;
}

/** A stored message as the use cases see it, or the tombstone of an abandoned one. */
export const toMessage = (item: StoredMessage): Message | 'abandoned' => {
  if (item.state === 'abandoned') return 'abandoned';
  const transmissions = Object.entries(item.transmissions)
    .sort(([, a], [, b]) => a.index - b.index)
    .map(([id, { index: _index, ...transmission }]) => ({ id, ...transmission }));
  const { id, sourceId, organizationId, receivedAt, dataModel, eventType } = item;
  return { id, sourceId, organizationId, receivedAt, dataModel, eventType, transmissions };
};

/** The item of a newly committed message. */
export const toStoredMessage = (message: Message): StoredMessage => ({
  state: 'committed',
  id: message.id,
  sourceId: message.sourceId,
  organizationId: message.organizationId,
  receivedAt: message.receivedAt,
  dataModel: message.dataModel,
  eventType: message.eventType,
  transmissions: Object.fromEntries(
    message.transmissions.map((transmission, index) => [
      transmission.id,
      { destinationId: transmission.destinationId, index, status: transmission.status, attempts: transmission.attempts },
    ]),
  ),
});
