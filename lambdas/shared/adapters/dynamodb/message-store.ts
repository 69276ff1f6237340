/**
 * Messages and their transmissions (one item per message, its transmissions as a map; the states
 * of transmissions 1, 2, ... of a message in items of their own once they change), and the
 * MessageStore port over them, which takes idempotency records, the arrival log and parked
 * entries from the adapters of those items.
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AcceptedMessage, Arrival, Message, RecordedAttempt, TransmissionStatus } from '../../domain/model';
import {
  type IdempotencyClaim,
  type IdempotencyRequest,
  MessageAbandonedError,
  type MessageStore,
  type Pacing,
  type Reservation,
} from '../../ports/messages';
import type { Clock } from '../../ports/observe';
import { DEFAULT_RECORD_RETENTION_DAYS, retentionSeconds } from '../../domain/record-retention';
import { forEachAtMost } from '../../runtime/at-most';
import { DynamoArrivalLog } from './arrival-log';
import { DynamoAttemptLog } from './attempt-log';
import { DynamoIdempotency, idempotencyCommitUpdate, isCommittedFor } from './idempotency';
import { messageKey } from './keys';
import { isCommittedMessage, isTombstone, toMessage, toStoredMessage } from './message-item';
import { readMessageItems } from './transmission-state';
import { DynamoParking } from './parking';
import { DynamoTransmissions } from './transmissions';
import { conditionHeld, epochSeconds, itemDoesNotExist, returnFoundItem, type Table, transactWrite } from './table';

/**
 * How many messages `getMessages` reads at once: a delivery batch's ten in one round trip, and a
 * redelivery's hundreds without opening more sockets than the SDK's pool (50) holds.
 */
const MESSAGES_AT_ONCE = 10;

/** How long the tombstone of an abandoned message stays (the `expiresAt` TTL). */
const TOMBSTONE_SECONDS = 7 * 24 * 60 * 60;

/**
 * Messages, transmissions, idempotency records (`DynamoIdempotency`), arrival logs and sequence
 * numbers (`DynamoArrivalLog`) and parked entries (`DynamoParking`), all in one table. Refusals by
 * a condition are answered as the port says; any other DynamoDB failure is thrown.
 */
export class DynamoMessageStore implements MessageStore {
  private readonly table: Table;
  private readonly idempotency: DynamoIdempotency;
  private readonly arrivals: DynamoArrivalLog;
  private readonly parking: DynamoParking;
  private readonly transmissions: DynamoTransmissions;
  private readonly attempts: DynamoAttemptLog;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param clock the time idempotency leases and windows, and tombstones' TTL, are measured against
   * @param recordRetentionDays how long a message's records are kept by TTL (`expiresAt`): its item
   *   once every transmission was delivered (`EXPIRY_HELD` until then), its arrival-log entries and
   *   failed attempts from their time (`record-retention.ts`)
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: Clock,
    recordRetentionDays: number = DEFAULT_RECORD_RETENTION_DAYS,
  ) {
    this.table = { client, tableName };
    const recordRetention = retentionSeconds(recordRetentionDays);
    this.idempotency = new DynamoIdempotency(client, tableName, clock);
    this.arrivals = new DynamoArrivalLog(client, tableName, recordRetention);
    this.parking = new DynamoParking(client, tableName, clock, recordRetention);
    this.transmissions = new DynamoTransmissions(client, tableName, recordRetention, clock);
    this.attempts = new DynamoAttemptLog(client, tableName);
  }

  /** Claims a (source, Idempotency-Key): see `DynamoIdempotency.claim` for the outcomes and the lease (ms). */
  claimIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyClaim> {
    return this.idempotency.claim(request);
  }

  /** Gives up this request's pending claim; leaves a key another request holds or committed. */
  releaseIdempotencyKey(request: IdempotencyRequest): Promise<void> {
    return this.idempotency.release(request);
  }

  /**
   * Creates the message's item, in one transaction with the answer of its idempotency key when
   * there is one. A retry that finds the message committed under its id (and, with a key, the
   * key's answer committed for it) recognises its own commit and succeeds.
   * @throws MessageAbandonedError when delivery wrote the message's tombstone first
   * @throws TransactionCanceledException when the idempotency key no longer belongs to the message
   *   (its claim expired and another request took it); the SDK's error for any other failure
   */
  async commitMessage(
    message: Message,
    idempotency?: { request: IdempotencyRequest; answer: AcceptedMessage },
  ): Promise<void> {
    const { client, tableName } = this.table;
    const putMessage = {
      TableName: tableName,
      Item: { ...messageKey(message.id), ...toStoredMessage(message) },
      ConditionExpression: itemDoesNotExist,
      ...returnFoundItem,
    };
    const write = !idempotency
      ? client.send(new PutCommand(putMessage))
      : transactWrite(this.table, [
          { Put: putMessage },
          idempotencyCommitUpdate(tableName, idempotency.request, idempotency.answer, message.id),
        ]);
    // The message item comes first: its condition fails only when the message is already there,
    // committed by an earlier attempt of this commit or abandoned by delivery.
    const committed = await conditionHeld(
      write,
      ([messageFound, recordFound]) =>
        isCommittedMessage(messageFound?.found, message.id) &&
        (!idempotency || isCommittedFor(recordFound?.found, message.id)),
    );
    if (!committed) throw new MessageAbandonedError(message.id);
  }

  /**
   * Writes the tombstone (kept a week, `expiresAt` TTL) unless the message was committed; true
   * when it is abandoned, by this call or an earlier one (the item found by a refusal tells).
   */
  async abandonMessage(messageId: string): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...messageKey(messageId),
            state: 'abandoned',
            id: messageId,
            expiresAt: epochSeconds(this.clock()) + TOMBSTONE_SECONDS,
          },
          ConditionExpression: itemDoesNotExist,
          ...returnFoundItem,
        }),
      ),
      ([refusal]) => isTombstone(refusal?.found),
    );
  }

  /**
   * The message with its transmissions' states (its item and their own items, one strongly
   * consistent Query: `readMessageItems`), `abandoned` for its tombstone, undefined when there is neither.
   */
  async getMessage(messageId: string): Promise<Message | 'abandoned' | undefined> {
    const { message, states } = await readMessageItems(this.table, messageId);
    return message && toMessage(message, states);
  }

  /** Several messages by id, as `getMessage` reads them, `MESSAGES_AT_ONCE` at a time; ids not found are absent. */
  async getMessages(messageIds: readonly string[]): Promise<Map<string, Message | 'abandoned'>> {
    const messages = new Map<string, Message | 'abandoned'>();
    await forEachAtMost([...new Set(messageIds)], MESSAGES_AT_ONCE, async (id) => {
      const message = await this.getMessage(id);
      if (message !== undefined) messages.set(id, message);
    });
    return messages;
  }

  /** The delivery's sequence number (`DynamoArrivalLog.reserveSequence`); throws when the destination does not exist. */
  reserveSequence(
    destinationId: string,
    reservationKey: string,
    headSentAt: string,
    pacing?: Pacing,
  ): Promise<Reservation> {
    return this.arrivals.reserveSequence(destinationId, reservationKey, headSentAt, pacing);
  }

  /** One write between two deliveries (`DynamoArrivalLog.foldArrival`). */
  foldArrival(
    previous: Arrival & { readonly destinationId: string; readonly reservationKey: string },
    reservationKey: string,
    headSentAt: string,
  ): Promise<Reservation | undefined> {
    return this.arrivals.foldArrival(previous, reservationKey, headSentAt);
  }

  /** See `DynamoTransmissions.setStatus`. */
  setTransmissionStatus(
    messageId: string,
    transmissionId: string,
    status: TransmissionStatus,
    from: readonly TransmissionStatus[],
  ): Promise<boolean> {
    return this.transmissions.setStatus(messageId, transmissionId, status, from);
  }

  /** Keeps a skipped transmission's queue entry, of any size (in chunks: `DynamoParking.park`). */
  park(transmissionId: string, destinationId: string, envelope: string): Promise<void> {
    return this.parking.park(transmissionId, destinationId, envelope);
  }

  /**
   * The parked entry of a skipped transmission, whole; undefined when none was parked.
   * @throws Error when some of its chunks are missing; the SDK's error when DynamoDB fails
   */
  getParked(transmissionId: string): Promise<{ destinationId: string; envelope: string } | undefined> {
    return this.parking.get(transmissionId);
  }

  /** Removes a parked entry, all its chunks; nothing when there is none. */
  removeParked(transmissionId: string): Promise<void> {
    return this.parking.remove(transmissionId);
  }

  /** See `DynamoTransmissions.prepareReplay`. */
  prepareReplay(messageId: string, transmissionId: string): Promise<number | undefined> {
    return this.transmissions.prepareReplay(messageId, transmissionId);
  }

  /** See `DynamoTransmissions.recordFailedAttempt` (one transaction: the count, `lastError` and the attempt's log item). */
  recordFailedAttempt(
    messageId: string,
    transmissionId: string,
    error: string,
    attempt: RecordedAttempt,
  ): Promise<void> {
    return this.transmissions.recordFailedAttempt(messageId, transmissionId, error, attempt);
  }

  /** The last `limit` failed attempts of a transmission, oldest first (`DynamoAttemptLog.list`). */
  listFailedAttempts(messageId: string, transmissionId: string, limit: number): Promise<RecordedAttempt[]> {
    return this.attempts.list(messageId, transmissionId, limit);
  }

  /** The arrival-log entry of the destination's delivery number `sequence` (`DynamoArrivalLog.get`). */
  getArrival(destinationId: string, sequence: number): Promise<Arrival | undefined> {
    return this.arrivals.get(destinationId, sequence);
  }

  /**
   * Both writes at once: the next delivery waits for them. Safe to repeat: the log entry is an
   * unconditional put keyed by sequence (recording it again overwrites rather than duplicates), and
   * the transmission's update sets the same values. If only the transmission's update landed,
   * delivery records the arrival again when the entry comes back as a duplicate.
   */
  async recordArrival(
    arrival: Arrival & { destinationId: string },
    options: { readonly keepExisting?: boolean; readonly generation?: number } = {},
  ): Promise<{ readonly settled: boolean }> {
    const [, settled] = await Promise.all([
      this.arrivals.append(arrival, options.keepExisting),
      this.transmissions.markDelivered(arrival, options.generation),
    ]);
    return { settled };
  }

  /** Up to `limit` arrivals of the destination in delivery order, after `cursor` (from the previous page). */
  listArrivals(destinationId: string, limit: number, cursor?: string): Promise<{ items: Arrival[]; cursor?: string }> {
    return this.arrivals.list(destinationId, limit, cursor);
  }
}
