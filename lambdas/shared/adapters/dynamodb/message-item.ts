/**
 * The item of a message (`MSG#<id>`): the message with its transmissions as a map keyed by
 * transmission id (so one transmission's fields can be updated in place), each with its index in
 * the message; or, for a message never committed, the tombstone `{ state: 'abandoned' }`.
 */
import type { Message, Transmission, TransmissionStatus } from '../../domain/model';

/** An item as a refused write found it (`table.ts`'s `Refusal.found`). */
type Found = Record<string, unknown> | undefined;

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
  /** The token of the replay that set `generation`, so a retry of that replay recognises its own write. */
  replayToken?: string;
}

/**
 * A message's `expiresAt` while a transmission of it may still wait (in its queue, the spill, a
 * pause of any length): a string, which DynamoDB's TTL ignores (only a Number expires an item). A
 * message with one transmission has no `expiresAt` until that is delivered; one with several holds
 * this until every one is (`DynamoTransmissions.markDelivered`), and a replay or redelivery puts it
 * back. So an item never expires while a transmission of it can still be delivered.
 */
export const EXPIRY_HELD = 'held: a transmission is not delivered yet';

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
  /**
   * The TTL (epoch s, `record-retention.ts`) once every transmission was delivered; `EXPIRY_HELD`
   * (or absent, with one transmission) before; a week after it was written for a tombstone.
   */
  expiresAt?: number | typeof EXPIRY_HELD;
  /**
   * How many times a replay or redelivery held the TTL again (absent before the first): the TTL is
   * released only if this is what the delivery that settled the message saw, so a replay in
   * between keeps it held (`DynamoTransmissions.markDelivered`).
   */
  expiryHolds?: number;
}

/**
 * The state of a transmission in an item of its own (`transmission-state.ts`): everything its
 * entry in the message's item holds but where it goes and its position, which never change.
 */
export type TransmissionState = Omit<StoredTransmission, 'destinationId' | 'index'> & {
  /** Its TTL (epoch s), given with its message's once no transmission of the message waits; absent before. */
  expiresAt?: number;
};

/**
 * A stored message as the use cases see it, or the tombstone of an abandoned one. A transmission
 * whose state has an item of its own (`states`, by transmission id) is that state; the others are
 * their entries in the message's item.
 */
export const toMessage = (
  item: StoredMessage,
  states: ReadonlyMap<string, TransmissionState> = new Map(),
): Message | 'abandoned' => {
  if (item.state === 'abandoned') return 'abandoned';
  const transmissions = Object.entries(item.transmissions)
    .sort(([, a], [, b]) => a.index - b.index)
    .map(([id, entry]) => {
      const { replayToken: _replayToken, expiresAt: _expiresAt, ...state } = states.get(id) ?? stateOf(entry);
      return { id, destinationId: entry.destinationId, ...state };
    });
  const { id, sourceId, organizationId, receivedAt, dataModel, eventType } = item;
  return { id, sourceId, organizationId, receivedAt, dataModel, eventType, transmissions };
};

/** A transmission's state as its entry in the message's item holds it. */
export const stateOf = ({
  destinationId: _destinationId,
  index: _index,
  ...state
}: StoredTransmission): TransmissionState => state;

/** Transmission `transmissionId` of a message's item (as a refused write found it), if there is one. */
export const storedTransmission = (item: Found, transmissionId: string): StoredTransmission | undefined =>
  (item?.transmissions as StoredMessage['transmissions'] | undefined)?.[transmissionId];

/*
 * What a refused write of a message's item found is its own earlier write (applied, its answer
 * lost) when:
 * - a commit finds the message committed under its id (ids are unique: nobody else commits it);
 * - a tombstone finds a tombstone (abandoning twice abandons once);
 * - a status change finds the transmission at the status it sets;
 * - a replay finds its own token on the transmission (another replay leaves another token).
 */
export const isCommittedMessage = (found: Found, messageId: string) =>
  found?.state === 'committed' && found.id === messageId;
export const isTombstone = (found: Found) => found?.state === 'abandoned';
export const isAtStatus = (found: Found, transmissionId: string, status: TransmissionStatus) =>
  storedTransmission(found, transmissionId)?.status === status;
export const isReplayedBy = (found: Found, transmissionId: string, replayToken: string) =>
  storedTransmission(found, transmissionId)?.replayToken === replayToken;

/** The item of a newly committed message (its TTL held while any transmission waits: `EXPIRY_HELD`). */
export const toStoredMessage = (message: Message): StoredMessage => ({
  state: 'committed',
  // One transmission: its delivery sets the TTL in the same write (`if_not_exists`), so it needs no hold.
  ...(message.transmissions.length > 1 ? { expiresAt: EXPIRY_HELD } : {}),
  id: message.id,
  sourceId: message.sourceId,
  organizationId: message.organizationId,
  receivedAt: message.receivedAt,
  dataModel: message.dataModel,
  eventType: message.eventType,
  transmissions: Object.fromEntries(
    message.transmissions.map((transmission, index) => [
      transmission.id,
      {
        destinationId: transmission.destinationId,
        index,
        status: transmission.status,
        attempts: transmission.attempts,
      },
    ]),
  ),
});
