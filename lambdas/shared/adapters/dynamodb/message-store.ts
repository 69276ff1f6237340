/**
 * Messages and their transmissions (one item per message, its transmissions as a map), and the
 * MessageStore port over them, which takes idempotency records, the arrival log and parked
 * entries from the adapters of those items.
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AcceptedMessage, Arrival, Message, TransmissionStatus } from '../../domain/model';
import { type IdempotencyClaim, type IdempotencyRequest, MessageAbandonedError, type MessageStore } from '../../ports/messages';
import type { Clock } from '../../ports/observe';
import { DynamoArrivalLog } from './arrival-log';
import { DynamoIdempotency, idempotencyCommitUpdate } from './idempotency';
import { messageKey } from './keys';
import { type StoredMessage, type StoredTransmission, toMessage, toStoredMessage } from './message-item';
import { DynamoParking } from './parking';
import { conditionHeld, epochSeconds, isConditionFailure, type Item, itemDoesNotExist, type Table } from './table';

/** How long the tombstone of an abandoned message stays (the `expiresAt` TTL). */
const TOMBSTONE_SECONDS = 7 * 24 * 60 * 60;
/** BatchGetItem takes at most this many keys. */
const BATCH_GET_KEYS = 100;

/** A transmission's entry in its message's item must exist: an update never creates one. */
const transmissionExists = 'attribute_exists(transmissions.#t)';

/**
 * The update that marks a message's head transmission paused, for the transaction that records the
 * pause (`DynamoDestinationState.recordPause`).
 */
export const transmissionPausedUpdate = (tableName: string, messageId: string, transmissionId: string) => ({
  TableName: tableName,
  Key: messageKey(messageId),
  UpdateExpression: 'SET transmissions.#t.#status = :paused',
  ConditionExpression: transmissionExists,
  ExpressionAttributeNames: { '#t': transmissionId, '#status': 'status' },
  ExpressionAttributeValues: { ':paused': 'paused' },
});

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

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param clock the time idempotency leases and windows, and tombstones' TTL, are measured against
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: Clock,
  ) {
    this.table = { client, tableName };
    this.idempotency = new DynamoIdempotency(client, tableName, clock);
    this.arrivals = new DynamoArrivalLog(client, tableName);
    this.parking = new DynamoParking(client, tableName);
  }

  claimIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyClaim> {
    return this.idempotency.claim(request);
  }

  releaseIdempotencyKey(request: IdempotencyRequest): Promise<void> {
    return this.idempotency.release(request);
  }

  /**
   * Creates the message's item, in one transaction with the answer of its idempotency key when
   * there is one.
   * @throws MessageAbandonedError when delivery wrote the message's tombstone first
   */
  async commitMessage(message: Message, idempotency?: { request: IdempotencyRequest; answer: AcceptedMessage }): Promise<void> {
    const { client, tableName } = this.table;
    const putMessage = {
      TableName: tableName,
      Item: { ...messageKey(message.id), ...toStoredMessage(message) },
      ConditionExpression: itemDoesNotExist,
    };
    const write = !idempotency
      ? client.send(new PutCommand(putMessage))
      : client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: putMessage },
              idempotencyCommitUpdate(tableName, idempotency.request, idempotency.answer, message.id),
            ],
          }),
        );
    // The message item comes first: its condition fails only when delivery abandoned the message.
    if (!(await conditionHeld(write))) throw new MessageAbandonedError(message.id);
  }

  /** Writes the tombstone (kept a week) unless the message was committed; true when it is abandoned. */
  async abandonMessage(messageId: string): Promise<boolean> {
    const { client, tableName } = this.table;
    const tombstoned = await conditionHeld(
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
        }),
      ),
    );
    return tombstoned || (await this.getMessage(messageId)) === 'abandoned';
  }

  async getMessage(messageId: string): Promise<Message | 'abandoned' | undefined> {
    const { client, tableName } = this.table;
    const result = await client.send(new GetCommand({ TableName: tableName, Key: messageKey(messageId), ConsistentRead: true }));
    return result.Item && toMessage(result.Item as StoredMessage);
  }

  async getMessages(messageIds: readonly string[]): Promise<Map<string, Message | 'abandoned'>> {
    const { client, tableName } = this.table;
    const found = new Map<string, Message | 'abandoned'>();
    let keys: Item[] = [...new Set(messageIds)].map((id) => messageKey(id));
    // BatchGetItem may hand some keys back unprocessed under load: ask again for those, backing off.
    for (let round = 0; keys.length > 0; round++) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
      const result = await client.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys.slice(0, BATCH_GET_KEYS), ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[tableName] ?? []) {
        const stored = item as StoredMessage;
        found.set(stored.id, toMessage(stored));
      }
      keys = [...(result.UnprocessedKeys?.[tableName]?.Keys ?? []), ...keys.slice(BATCH_GET_KEYS)];
    }
    return found;
  }

  reserveSequence(destinationId: string, reservationKey: string): Promise<number> {
    return this.arrivals.reserveSequence(destinationId, reservationKey);
  }

  async setTransmissionStatus(
    messageId: string,
    transmissionId: string,
    status: TransmissionStatus,
    from: readonly TransmissionStatus[],
  ): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: messageKey(messageId),
          UpdateExpression: 'SET transmissions.#t.#status = :status',
          ConditionExpression: `transmissions.#t.#status IN (${from.map((_, index) => `:from${index}`).join(', ')})`,
          ExpressionAttributeNames: { '#t': transmissionId, '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ...Object.fromEntries(from.map((value, index) => [`:from${index}`, value])) },
        }),
      ),
    );
  }

  park(transmissionId: string, destinationId: string, envelope: string): Promise<void> {
    return this.parking.park(transmissionId, destinationId, envelope);
  }

  getParked(transmissionId: string): Promise<{ destinationId: string; envelope: string } | undefined> {
    return this.parking.get(transmissionId);
  }

  removeParked(transmissionId: string): Promise<void> {
    return this.parking.remove(transmissionId);
  }

  /** Only a skipped transmission is replayed: undefined otherwise. */
  async prepareReplay(messageId: string, transmissionId: string): Promise<number | undefined> {
    const { client, tableName } = this.table;
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: messageKey(messageId),
          UpdateExpression:
            'SET transmissions.#t.#status = :queued, ' +
            'transmissions.#t.generation = if_not_exists(transmissions.#t.generation, :zero) + :one ' +
            'REMOVE transmissions.#t.#sequence, transmissions.#t.arrivedAt',
          ConditionExpression: 'transmissions.#t.#status = :skipped',
          ExpressionAttributeNames: { '#t': transmissionId, '#status': 'status', '#sequence': 'sequence' },
          ExpressionAttributeValues: { ':queued': 'queued', ':skipped': 'skipped', ':zero': 0, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return (result.Attributes?.transmissions as Record<string, StoredTransmission>)[transmissionId]!.generation;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async recordFailedAttempt(messageId: string, transmissionId: string, error: string): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: messageKey(messageId),
        UpdateExpression: 'SET transmissions.#t.attempts = transmissions.#t.attempts + :one, transmissions.#t.lastError = :error',
        ConditionExpression: transmissionExists,
        ExpressionAttributeNames: { '#t': transmissionId },
        ExpressionAttributeValues: { ':one': 1, ':error': error },
      }),
    );
  }

  /**
   * Both writes at once: the next delivery waits for them. The log entry is keyed by sequence, so
   * recording an arrival again overwrites rather than duplicates it; and if only the message's
   * update landed, delivery records the arrival again when the entry comes back as a duplicate.
   */
  async recordArrival(arrival: Arrival & { destinationId: string }): Promise<void> {
    const { client, tableName } = this.table;
    const logEntry = this.arrivals.append(arrival);
    const messageUpdate = client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: messageKey(arrival.messageId),
        UpdateExpression:
          'SET transmissions.#t.#status = :delivered, transmissions.#t.arrivedAt = :arrivedAt, ' +
          'transmissions.#t.#sequence = :sequence, transmissions.#t.attempts = :attempts ' +
          'REMOVE transmissions.#t.lastError',
        ConditionExpression: transmissionExists,
        ExpressionAttributeNames: { '#t': arrival.transmissionId, '#status': 'status', '#sequence': 'sequence' },
        ExpressionAttributeValues: {
          ':delivered': 'delivered',
          ':arrivedAt': arrival.arrivedAt,
          ':sequence': arrival.sequence,
          ':attempts': arrival.attempts,
        },
      }),
    );
    await Promise.all([logEntry, messageUpdate]);
  }

  listArrivals(destinationId: string, limit: number, cursor?: string): Promise<{ items: Arrival[]; cursor?: string }> {
    return this.arrivals.list(destinationId, limit, cursor);
  }
}
