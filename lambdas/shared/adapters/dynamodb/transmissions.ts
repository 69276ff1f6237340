/**
 * The transmissions of a message, as entries of its item (`MSG#<id>`, map `transmissions`): their
 * status, replays, failed attempts and delivery. Each write recognises its own earlier success
 * where a retry of it could be refused by its own condition.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Arrival, RecordedAttempt, TransmissionStatus } from '../../domain/model';
import type { Clock } from '../../ports/observe';
import { attemptPut } from './attempt-log';
import { messageKey } from './keys';
import { DEFAULT_RECORD_RETENTION_DAYS, retentionSeconds } from '../../domain/record-retention';
import {
  EXPIRY_HELD,
  isAtStatus,
  isReplayedBy,
  type StoredMessage,
  type StoredTransmission,
  storedTransmission,
} from './message-item';
import {
  conditionHeld,
  epochSecondsOf,
  isConditionFailure,
  refusalsOf,
  returnFoundItem,
  type Table,
  transactWrite,
} from './table';

/** A transmission's entry in its message's item must exist: an update never creates one. */
const transmissionExists = 'attribute_exists(transmissions.#t)';
const transmissionSkipped = 'transmissions.#t.#status = :skipped';

/**
 * The update that marks a message's head transmission paused, for the transaction that records the
 * pause (`DynamoDestinationState.recordPause`). Only a transmission still waiting (queued, or
 * paused by an earlier episode): a backlog pause names the head delivery has in hand, which may be
 * delivered at the same moment, and a delivered transmission must never read as paused (nor, once
 * the destination resumes, as queued). Its refusal cancels the pause.
 */
export const transmissionPausedUpdate = (tableName: string, messageId: string, transmissionId: string) => ({
  TableName: tableName,
  Key: messageKey(messageId),
  UpdateExpression: 'SET transmissions.#t.#status = :paused',
  ConditionExpression: 'transmissions.#t.#status IN (:queued, :paused)',
  ExpressionAttributeNames: { '#t': transmissionId, '#status': 'status' },
  ExpressionAttributeValues: { ':paused': 'paused', ':queued': 'queued' },
});

/**
 * Back to queued at the next generation (a replay or a redelivery), with the token of the call that
 * moved it (`token`: the name of its value) so a retry recognises its own write; the delivery it
 * had (sequence, arrival) is cleared, its next delivery records its own.
 */
const requeuedAtNextGeneration = (token: string) =>
  'SET transmissions.#t.#status = :queued, ' +
  'transmissions.#t.generation = if_not_exists(transmissions.#t.generation, :zero) + :one, ' +
  `transmissions.#t.replayToken = ${token}` +
  // Waiting again: the item's TTL is held until it is delivered (`EXPIRY_HELD`), and the hold
  // counted, so a release decided before it (another transmission's delivery) is refused.
  ', expiresAt = :expiryHeld, expiryHolds = if_not_exists(expiryHolds, :zero) + :one ' +
  'REMOVE transmissions.#t.#sequence, transmissions.#t.arrivedAt';

/** The transmissions of a message's item as a write returned or found it (none when it has none). */
const transmissionsOf = (item: Partial<StoredMessage> | undefined): StoredTransmission[] =>
  Object.values(item?.transmissions ?? {});

/** Status changes, replays, failed attempts and deliveries of transmissions. */
export class DynamoTransmissions {
  private readonly table: Table;

  /**
   * @param client the document client (created once per module by the wiring)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param recordRetentionSeconds how long (s) a settled message's item and a failed attempt are
   *   kept by TTL (`record-retention.ts`)
   * @param clock the time a skip is recorded at (its TTL counts from it)
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly recordRetentionSeconds: number = retentionSeconds(DEFAULT_RECORD_RETENTION_DAYS),
    private readonly clock: Clock = () => new Date(),
  ) {
    this.table = { client, tableName };
  }

  /**
   * Sets a transmission's status when it is one of `from`; true when it is at `status` now, set by
   * this call or by an earlier attempt of it whose answer was lost (or by anyone: the change the
   * caller wanted holds); false when it was at another status.
   *
   * A skip ends the transmission's wait (until a replay): a message whose every transmission is
   * delivered or skipped now gets its TTL, the record retention after the skip, as a delivery
   * that settles it does (`settleExpiry`). A replay holds it again.
   * @throws the SDK's error when DynamoDB fails otherwise
   */
  async setStatus(
    messageId: string,
    transmissionId: string,
    status: TransmissionStatus,
    from: readonly TransmissionStatus[],
  ): Promise<boolean> {
    const { client, tableName } = this.table;
    const ends = status === 'skipped';
    const expiresAt = epochSecondsOf(this.clock().toISOString()) + this.recordRetentionSeconds;
    let item: Partial<StoredMessage> | undefined;
    const held = await conditionHeld(
      client
        .send(
          new UpdateCommand({
            TableName: tableName,
            Key: messageKey(messageId),
            // A message of one transmission has no TTL while it waits: skipped, it gets one here.
            UpdateExpression: `SET transmissions.#t.#status = :status${ends ? ', expiresAt = if_not_exists(expiresAt, :expiresAt)' : ''}`,
            ConditionExpression: `transmissions.#t.#status IN (${from.map((_, index) => `:from${index}`).join(', ')})`,
            ExpressionAttributeNames: { '#t': transmissionId, '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': status,
              ...(ends ? { ':expiresAt': expiresAt } : {}),
              ...Object.fromEntries(from.map((value, index) => [`:from${index}`, value])),
            },
            ...(ends ? { ReturnValues: 'ALL_NEW' as const } : {}),
            ...returnFoundItem,
          }),
        )
        .then((result) => {
          item = result.Attributes as Partial<StoredMessage> | undefined;
        }),
      ([refusal]) => {
        if (!isAtStatus(refusal?.found, transmissionId, status)) return false;
        // At the status already (an earlier attempt's write, its answer lost): settle from the item found.
        item = refusal?.found as Partial<StoredMessage> | undefined;
        return true;
      },
    );
    if (held && ends && item !== undefined) await this.settleExpiry(messageId, item, expiresAt);
    return held;
  }

  /**
   * Moves a skipped transmission back to queued with the next generation, and answers that
   * generation; undefined when it is not skipped. Each call leaves its own token on the
   * transmission: a retry whose first attempt was applied (answer lost) finds it and answers the
   * generation that attempt produced, rather than undefined, which would leave the transmission
   * queued with nothing in the queue.
   * @throws the SDK's error when DynamoDB fails otherwise
   */
  async prepareReplay(messageId: string, transmissionId: string): Promise<number | undefined> {
    const { client, tableName } = this.table;
    const replayToken = randomUUID();
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: messageKey(messageId),
          UpdateExpression: requeuedAtNextGeneration(':replayToken'),
          ConditionExpression: transmissionSkipped,
          ExpressionAttributeNames: { '#t': transmissionId, '#status': 'status', '#sequence': 'sequence' },
          ExpressionAttributeValues: {
            ':queued': 'queued',
            ':skipped': 'skipped',
            ':zero': 0,
            ':one': 1,
            ':replayToken': replayToken,
            ':expiryHeld': EXPIRY_HELD,
          },
          ReturnValues: 'ALL_NEW',
          ...returnFoundItem,
        }),
      );
      return storedTransmission(result.Attributes, transmissionId)!.generation;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const found = refusalsOf(error)?.[0]?.found;
      return isReplayedBy(found, transmissionId, replayToken)
        ? storedTransmission(found, transmissionId)!.generation
        : undefined;
    }
  }

  /**
   * Moves a delivered transmission back to queued with the next generation, for a redelivery
   * (`POST /v1/admin/destinations/{id}/redeliver`), leaving `token` (the redelivery's) on it. A
   * transmission this token moved already is not moved again: the answer says so, with the
   * generation it got, so a redelivery resumed after a crash or a lost answer sends that generation
   * again rather than a second one, and a transmission whose arrivals the range holds twice is
   * redelivered once.
   * @returns `prepared` (moved now), `prepared_earlier` (by this token; `status` is where it stands
   *   now) or `not_delivered` (it is queued, paused, skipped or cancelled: nothing to redeliver)
   * @throws the SDK's error when DynamoDB fails otherwise, or when the transmission does not exist
   */
  async prepareRedelivery(
    messageId: string,
    transmissionId: string,
    token: string,
  ): Promise<
    | {
        readonly outcome: 'prepared' | 'prepared_earlier';
        readonly generation: number;
        readonly status: TransmissionStatus;
      }
    | { readonly outcome: 'not_delivered'; readonly status: TransmissionStatus | undefined }
  > {
    const { client, tableName } = this.table;
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: messageKey(messageId),
          UpdateExpression: requeuedAtNextGeneration(':token'),
          ConditionExpression:
            'transmissions.#t.#status = :delivered AND ' +
            '(attribute_not_exists(transmissions.#t.replayToken) OR transmissions.#t.replayToken <> :token)',
          ExpressionAttributeNames: { '#t': transmissionId, '#status': 'status', '#sequence': 'sequence' },
          ExpressionAttributeValues: {
            ':queued': 'queued',
            ':delivered': 'delivered',
            ':zero': 0,
            ':one': 1,
            ':token': token,
            ':expiryHeld': EXPIRY_HELD,
          },
          ReturnValues: 'ALL_NEW',
          ...returnFoundItem,
        }),
      );
      return {
        outcome: 'prepared',
        generation: storedTransmission(result.Attributes, transmissionId)!.generation!,
        status: 'queued',
      };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const found = storedTransmission(refusalsOf(error)?.[0]?.found, transmissionId);
      if (found === undefined)
        throw new Error(`Message ${messageId} has no transmission ${transmissionId}`, { cause: error });
      return found.replayToken === token
        ? { outcome: 'prepared_earlier', generation: found.generation ?? 0, status: found.status }
        : { outcome: 'not_delivered', status: found.status };
    }
  }

  /**
   * Counts a failed attempt, keeps its error (`lastError`) and logs it (`attemptPut`), in one
   * transaction so the count and the log agree. Recorded once whatever the repeats: the SDK's retry
   * of an applied transaction carries its ClientRequestToken (DynamoDB writes nothing again), and
   * any later repeat is refused by the logged attempt's condition, cancelling the count with it.
   * On the failure path only: it costs the two items' write units twice (a transaction), and the
   * success path writes nothing more than before.
   * @throws TransactionCanceledException when the transmission does not exist; the SDK's error when DynamoDB fails
   */
  async recordFailedAttempt(
    messageId: string,
    transmissionId: string,
    error: string,
    attempt: RecordedAttempt,
  ): Promise<void> {
    const { tableName } = this.table;
    // False: this attempt is logged (and counted) already.
    await conditionHeld(
      transactWrite(this.table, [
        attemptPut(tableName, messageId, transmissionId, attempt, this.recordRetentionSeconds),
        {
          Update: {
            TableName: tableName,
            Key: messageKey(messageId),
            UpdateExpression:
              'SET transmissions.#t.attempts = transmissions.#t.attempts + :one, transmissions.#t.lastError = :error',
            ConditionExpression: transmissionExists,
            ExpressionAttributeNames: { '#t': transmissionId },
            ExpressionAttributeValues: { ':one': 1, ':error': error },
          },
        },
      ]),
    );
  }

  /**
   * Marks the transmission delivered, with its sequence number, arrival time and attempts. Safe to
   * repeat: it sets the same values, and its condition (the transmission exists) still holds.
   *
   * The item's TTL (`expiresAt`): the record retention after this arrival, set in the same write
   * where the item has none (a message of one transmission, delivered for the first time). One whose
   * TTL is held (`EXPIRY_HELD`: several transmissions, or a replay) gets it in a second write once
   * this write leaves every transmission delivered: one more write a message, never a TTL while a
   * transmission of it waits. An item committed before TTLs existed, whose first delivery just gave
   * it a TTL while another transmission waits, is held in a second write.
   * @returns whether every transmission of the message is delivered, as this write left the item
   *   (answers are free of read units: `ReturnValues` costs no capacity)
   * @throws the SDK's error when the transmission does not exist or DynamoDB fails
   */
  async markDelivered(arrival: Arrival): Promise<boolean> {
    const { client, tableName } = this.table;
    const expiresAt = epochSecondsOf(arrival.arrivedAt) + this.recordRetentionSeconds;
    const result = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: messageKey(arrival.messageId),
        UpdateExpression:
          'SET transmissions.#t.#status = :delivered, transmissions.#t.arrivedAt = :arrivedAt, ' +
          'transmissions.#t.#sequence = :sequence, transmissions.#t.attempts = :attempts, ' +
          'expiresAt = if_not_exists(expiresAt, :expiresAt) ' +
          'REMOVE transmissions.#t.lastError',
        ConditionExpression: transmissionExists,
        ExpressionAttributeNames: { '#t': arrival.transmissionId, '#status': 'status', '#sequence': 'sequence' },
        ExpressionAttributeValues: {
          ':delivered': 'delivered',
          ':arrivedAt': arrival.arrivedAt,
          ':sequence': arrival.sequence,
          ':attempts': arrival.attempts,
          ':expiresAt': expiresAt,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const item = result.Attributes as Partial<StoredMessage> | undefined;
    const transmissions = transmissionsOf(item);
    const settled =
      transmissions.length > 0 && transmissions.every((transmission) => transmission.status === 'delivered');
    if (item !== undefined) await this.settleExpiry(arrival.messageId, item, expiresAt);
    return settled;
  }

  /**
   * After a write that ended a transmission's wait (delivered or skipped), as it left the item:
   * when no transmission waits any more, gives a held TTL its number (`expiresAt`, epoch s);
   * while one still waits, holds a numeric TTL, which only an item committed before TTLs existed
   * has (no `expiresAt`, so the write's `if_not_exists` just gave it one), as a fan-out's is held
   * from ingest.
   */
  private async settleExpiry(messageId: string, item: Partial<StoredMessage>, expiresAt: number): Promise<void> {
    const waiting = transmissionsOf(item).some(
      (transmission) => transmission.status !== 'delivered' && transmission.status !== 'skipped',
    );
    if (!waiting && item.expiresAt === EXPIRY_HELD) await this.releaseExpiry(messageId, item.expiryHolds, expiresAt);
    if (waiting && typeof item.expiresAt === 'number') await this.holdExpiry(messageId, item.expiresAt);
  }

  /**
   * Gives a settled message's item its TTL, on condition that it is still held and no replay or
   * redelivery held it again since the write that settled it (`holds`, its `expiryHolds` then): a
   * replay of any transmission in between keeps it held, and that one's delivery sets the TTL. One
   * counter, not a condition per transmission (a fan-out's hundred would outgrow DynamoDB's 4 KB
   * expression limit). A refused condition is no failure: the TTL stays held, the safe side.
   */
  private async releaseExpiry(messageId: string, holds: number | undefined, expiresAt: number): Promise<void> {
    const { client, tableName } = this.table;
    await conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: messageKey(messageId),
          UpdateExpression: 'SET expiresAt = :expiresAt',
          ConditionExpression:
            holds === undefined
              ? 'expiresAt = :held AND attribute_not_exists(expiryHolds)'
              : 'expiresAt = :held AND expiryHolds = :holds',
          ExpressionAttributeValues: {
            ':expiresAt': expiresAt,
            ':held': EXPIRY_HELD,
            ...(holds === undefined ? {} : { ':holds': holds }),
          },
        }),
      ),
    );
  }

  /** Holds an item's TTL (`EXPIRY_HELD`) while it still has the number `expiresAt`; a refusal means another write changed it. */
  private async holdExpiry(messageId: string, expiresAt: number): Promise<void> {
    const { client, tableName } = this.table;
    await conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: messageKey(messageId),
          UpdateExpression: 'SET expiresAt = :held',
          ConditionExpression: 'expiresAt = :expiresAt',
          ExpressionAttributeValues: { ':expiresAt': expiresAt, ':held': EXPIRY_HELD },
        }),
      ),
    );
  }
}
