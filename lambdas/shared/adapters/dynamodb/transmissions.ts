/**
 * The transmissions of a message: their status, replays, failed attempts and delivery, in the
 * entries of its item (`MSG#<id>`, map `transmissions`) or, for transmissions 1, 2, ... of a
 * message, in items of their own (`transmission-state.ts`). Each write recognises its own earlier
 * success where a retry of it could be refused by its own condition.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Arrival, RecordedAttempt, TransmissionStatus } from '../../domain/model';
import type { Clock } from '../../ports/observe';
import { attemptPut } from './attempt-log';
import { type ItemKey, messageKey, transmissionStateKey } from './keys';
import { DEFAULT_RECORD_RETENTION_DAYS, retentionSeconds } from '../../domain/record-retention';
import {
  EXPIRY_HELD,
  isAtStatus,
  isReplayedBy,
  stateOf,
  type StoredMessage,
  storedTransmission,
  type TransmissionState,
} from './message-item';
import { MessageExpiry } from './message-expiry';
import { hasOwnItem, ownStateOf, withOwnItem } from './transmission-state';
import {
  conditionHeld,
  epochSecondsOf,
  isConditionFailure,
  isRefusedByCondition,
  refusalsOf,
  returnFoundItem,
  type Table,
  transactWrite,
} from './table';

/**
 * Where a transmission's state is written: its entry in the message's item (`path`
 * `transmissions.#t.`, with `#t` its id) or its own item (`path` empty). `exists` is the condition
 * that the state is there: an update never creates an entry, and one of its own item must find it
 * (`withOwnItem` copies the entry there first).
 */
interface StatePlace {
  readonly own: boolean;
  readonly key: ItemKey;
  readonly path: string;
  readonly names: Readonly<Record<string, string>>;
  readonly exists: string;
}

/** The condition of a delivery's write to an own item: none there yet, or one at this generation or an older one. */
const NOT_AN_OLDER_GENERATION =
  'attribute_not_exists(pk) OR attribute_not_exists(generation) OR generation <= :generation';

const placeOf = (messageId: string, transmissionId: string): StatePlace =>
  hasOwnItem(transmissionId)
    ? {
        own: true,
        key: transmissionStateKey(messageId, transmissionId),
        path: '',
        names: {},
        exists: 'attribute_exists(pk)',
      }
    : {
        own: false,
        key: messageKey(messageId),
        path: 'transmissions.#t.',
        names: { '#t': transmissionId },
        exists: 'attribute_exists(transmissions.#t)',
      };

/** The generation a transmission's state holds, as a condition (absent before its first replay). */
const generationIs = (generation: number | undefined) =>
  generation === undefined
    ? { condition: 'attribute_not_exists(generation)', values: {} }
    : { condition: 'generation = :generation', values: { ':generation': generation } };

/**
 * The update that marks a message's head transmission paused, for the transaction that records the
 * pause (`DynamoDestinationState.recordPause`). Only a transmission still waiting (queued, or
 * paused by an earlier episode): a backlog pause names the head delivery has in hand, which may be
 * delivered at the same moment, and a delivered transmission must never read as paused (nor, once
 * the destination resumes, as queued). Its refusal cancels the pause; one of an own item that is
 * not there yet is told by `withOwnItem`, which copies the entry and runs the transaction again.
 */
export const transmissionPausedUpdate = (tableName: string, messageId: string, transmissionId: string) => {
  const { key, path, names, own, exists } = placeOf(messageId, transmissionId);
  return {
    TableName: tableName,
    Key: key,
    UpdateExpression: `SET ${path}#status = :paused`,
    ConditionExpression: `${own ? `${exists} AND ` : ''}${path}#status IN (:queued, :paused)`,
    ExpressionAttributeNames: { ...names, '#status': 'status' },
    ExpressionAttributeValues: { ':paused': 'paused', ':queued': 'queued' },
    ...(own ? returnFoundItem : {}),
  };
};

/**
 * Back to queued at the next generation (a replay or a redelivery), with the token of the call that
 * moved it (`token`: the name of its value) so a retry recognises its own write; the delivery it
 * had (sequence, arrival) is cleared, its next delivery records its own. In the message's item,
 * the same write holds the item's TTL (`EXPIRY_HELD`) and counts the hold, so a release decided
 * before it (another transmission's delivery) is refused; an own item loses its TTL (it waits
 * again) and its message's item is held in the same transaction (`holdInTransaction`).
 */
const requeuedAtNextGeneration = ({ path }: StatePlace, token: string) =>
  `SET ${path}#status = :queued, ` +
  `${path}generation = if_not_exists(${path}generation, :zero) + :one, ` +
  `${path}replayToken = ${token}` +
  (path === ''
    ? ' REMOVE #sequence, arrivedAt, expiresAt'
    : ', expiresAt = :expiryHeld, expiryHolds = if_not_exists(expiryHolds, :zero) + :one ' +
      `REMOVE ${path}#sequence, ${path}arrivedAt`);

/** Holds a message item's TTL and counts the hold, for the transaction that requeues an own item. */
const holdInTransaction = (tableName: string, messageId: string) => ({
  Update: {
    TableName: tableName,
    Key: messageKey(messageId),
    UpdateExpression: 'SET expiresAt = :expiryHeld, expiryHolds = if_not_exists(expiryHolds, :zero) + :one',
    // Never a message item made of a hold alone: one gone (its TTL passed) stays gone.
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':expiryHeld': EXPIRY_HELD, ':zero': 0, ':one': 1 },
  },
});

/** Status changes, replays, failed attempts and deliveries of transmissions. */
export class DynamoTransmissions {
  private readonly table: Table;
  private readonly expiry: MessageExpiry;

  /**
   * @param client the document client (created once per module by the wiring)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param recordRetentionSeconds how long (s) a settled message's items and a failed attempt are
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
    this.expiry = new MessageExpiry(this.table);
  }

  /**
   * Sets a transmission's status when it is one of `from`; true when it is at `status` now, set by
   * this call or by an earlier attempt of it whose answer was lost (or by anyone: the change the
   * caller wanted holds); false when it was at another status.
   *
   * A skip ends the transmission's wait (until a replay): a message whose every transmission is
   * delivered or skipped now gets its TTL, the record retention after the skip, as a delivery
   * that settles it does (`MessageExpiry.settle`). A replay holds it again.
   * @throws the SDK's error when DynamoDB fails otherwise; Error when the message has no such
   *   transmission (one kept in an item of its own)
   */
  async setStatus(
    messageId: string,
    transmissionId: string,
    status: TransmissionStatus,
    from: readonly TransmissionStatus[],
  ): Promise<boolean> {
    const { client, tableName } = this.table;
    const place = placeOf(messageId, transmissionId);
    const { path, own } = place;
    const ends = status === 'skipped';
    const expiresAt = epochSecondsOf(this.clock().toISOString()) + this.recordRetentionSeconds;
    // A message of one transmission has no TTL while it waits: skipped, it gets one in the same write.
    const setsExpiry = ends && !own;
    let item: Partial<StoredMessage> | undefined;
    const held = await conditionHeld(
      withOwnItem(this.table, messageId, transmissionId, () =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: place.key,
            UpdateExpression: `SET ${path}#status = :status${setsExpiry ? ', expiresAt = if_not_exists(expiresAt, :expiresAt)' : ''}`,
            ConditionExpression: `${own ? `${place.exists} AND ` : ''}${path}#status IN (${from.map((_, index) => `:from${index}`).join(', ')})`,
            ExpressionAttributeNames: { ...place.names, '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': status,
              ...(setsExpiry ? { ':expiresAt': expiresAt } : {}),
              ...Object.fromEntries(from.map((value, index) => [`:from${index}`, value])),
            },
            ...(setsExpiry ? { ReturnValues: 'ALL_NEW' as const } : {}),
            ...returnFoundItem,
          }),
        ),
      ).then((result) => {
        item = result.Attributes as Partial<StoredMessage> | undefined;
      }),
      ([refusal]) => {
        if (own) return refusal?.found?.status === status;
        if (!isAtStatus(refusal?.found, transmissionId, status)) return false;
        // At the status already (an earlier attempt's write, its answer lost): settle from the item found.
        item = refusal?.found as Partial<StoredMessage> | undefined;
        return true;
      },
    );
    if (held && ends) await this.expiry.settle(messageId, own ? undefined : item, expiresAt);
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
    const replayToken = randomUUID();
    if (hasOwnItem(transmissionId)) {
      const state = await ownStateOf(this.table, messageId, transmissionId);
      if (state?.status !== 'skipped') return undefined;
      const found = await this.requeueOwnItem(messageId, transmissionId, state, ':skipped', replayToken);
      if (found === 'requeued') return (state.generation ?? 0) + 1;
      if (found?.replayToken !== replayToken) return undefined;
      await this.expiry.afterHold(messageId);
      return found.generation;
    }
    const { client, tableName } = this.table;
    const place = placeOf(messageId, transmissionId);
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: place.key,
          UpdateExpression: requeuedAtNextGeneration(place, ':replayToken'),
          ConditionExpression: 'transmissions.#t.#status = :skipped',
          ExpressionAttributeNames: { ...place.names, '#status': 'status', '#sequence': 'sequence' },
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
      await this.expiry.afterHold(messageId, result.Attributes);
      return storedTransmission(result.Attributes, transmissionId)!.generation;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const found = refusalsOf(error)?.[0]?.found;
      if (!isReplayedBy(found, transmissionId, replayToken)) return undefined;
      await this.expiry.afterHold(messageId, found);
      return storedTransmission(found, transmissionId)!.generation;
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
    const earlier = (state: TransmissionState) =>
      state.replayToken === token
        ? ({ outcome: 'prepared_earlier', generation: state.generation ?? 0, status: state.status } as const)
        : ({ outcome: 'not_delivered', status: state.status } as const);
    if (hasOwnItem(transmissionId)) {
      const state = await ownStateOf(this.table, messageId, transmissionId);
      if (state === undefined) throw new Error(`Message ${messageId} has no transmission ${transmissionId}`);
      // Requeued by this token already (a resumed redelivery): its hold may have been all it did.
      if (state.replayToken === token) await this.expiry.afterHold(messageId);
      if (state.status !== 'delivered' || state.replayToken === token) return earlier(state);
      const found = await this.requeueOwnItem(messageId, transmissionId, state, ':delivered', token);
      if (found === 'requeued')
        return { outcome: 'prepared', generation: (state.generation ?? 0) + 1, status: 'queued' };
      if (found === undefined) return { outcome: 'not_delivered', status: undefined };
      if (found.replayToken === token) await this.expiry.afterHold(messageId);
      return earlier(found);
    }
    const { client, tableName } = this.table;
    const place = placeOf(messageId, transmissionId);
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: place.key,
          UpdateExpression: requeuedAtNextGeneration(place, ':token'),
          ConditionExpression:
            'transmissions.#t.#status = :delivered AND ' +
            '(attribute_not_exists(transmissions.#t.replayToken) OR transmissions.#t.replayToken <> :token)',
          ExpressionAttributeNames: { ...place.names, '#status': 'status', '#sequence': 'sequence' },
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
      await this.expiry.afterHold(messageId, result.Attributes);
      return {
        outcome: 'prepared',
        generation: storedTransmission(result.Attributes, transmissionId)!.generation!,
        status: 'queued',
      };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const item = refusalsOf(error)?.[0]?.found;
      const found = storedTransmission(item, transmissionId);
      if (found === undefined)
        throw new Error(`Message ${messageId} has no transmission ${transmissionId}`, { cause: error });
      if (found.replayToken === token) await this.expiry.afterHold(messageId, item);
      return earlier(stateOf(found));
    }
  }

  /**
   * Requeues a transmission kept in its own item at the next generation (`requeuedAtNextGeneration`),
   * from `state` as read (its status `status`, the name of its value, and its generation, so the
   * generation written is known without reading it back), and holds its message's TTL, in one
   * transaction. The SDK's retry of an applied transaction carries its ClientRequestToken, so a
   * lost answer does not apply it twice.
   * Once requeued, the message's own items lose the TTLs its last release gave them
   * (`MessageExpiry.afterHold`).
   * @returns `requeued`; the own item as the refusal found it (another writer changed it since the
   *   read); undefined when the message's item is gone (its TTL passed)
   * @throws the SDK's error when DynamoDB fails otherwise
   */
  private async requeueOwnItem(
    messageId: string,
    transmissionId: string,
    state: TransmissionState,
    status: ':skipped' | ':delivered',
    token: string,
  ): Promise<'requeued' | TransmissionState | undefined> {
    const { tableName } = this.table;
    const place = placeOf(messageId, transmissionId);
    const generation = generationIs(state.generation);
    try {
      await transactWrite(this.table, [
        {
          Update: {
            TableName: tableName,
            Key: place.key,
            UpdateExpression: requeuedAtNextGeneration(place, ':token'),
            ConditionExpression: `${place.exists} AND #status = ${status} AND ${generation.condition}`,
            ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence' },
            ExpressionAttributeValues: {
              ':queued': 'queued',
              [status]: status.slice(1),
              ':zero': 0,
              ':one': 1,
              ':token': token,
              ...generation.values,
            },
            ...returnFoundItem,
          },
        },
        holdInTransaction(tableName, messageId),
      ]);
      await this.expiry.afterHold(messageId);
      return 'requeued';
    } catch (error) {
      const [own, message] = refusalsOf(error) ?? [];
      if (isRefusedByCondition(own)) return own?.found as TransmissionState | undefined;
      if (isRefusedByCondition(message)) return undefined;
      throw error;
    }
  }

  /**
   * Counts a failed attempt, keeps its error (`lastError`) and logs it (`attemptPut`), in one
   * transaction so the count and the log agree. Recorded once whatever the repeats: the SDK's retry
   * of an applied transaction carries its ClientRequestToken (DynamoDB writes nothing again), and
   * any later repeat is refused by the logged attempt's condition, cancelling the count with it.
   * On the failure path only: it costs the two items' write units twice (a transaction), and the
   * success path writes nothing more than before.
   * @throws TransactionCanceledException when the transmission does not exist (Error for one kept
   *   in an item of its own); the SDK's error when DynamoDB fails
   */
  async recordFailedAttempt(
    messageId: string,
    transmissionId: string,
    error: string,
    attempt: RecordedAttempt,
  ): Promise<void> {
    const { tableName } = this.table;
    const place = placeOf(messageId, transmissionId);
    const { path } = place;
    // False: this attempt is logged (and counted) already.
    await conditionHeld(
      withOwnItem(
        this.table,
        messageId,
        transmissionId,
        () =>
          transactWrite(this.table, [
            attemptPut(tableName, messageId, transmissionId, attempt, this.recordRetentionSeconds),
            {
              Update: {
                TableName: tableName,
                Key: place.key,
                UpdateExpression: `SET ${path}attempts = ${path}attempts + :one, ${path}lastError = :error`,
                ConditionExpression: place.exists,
                ...(place.own ? {} : { ExpressionAttributeNames: place.names }),
                ExpressionAttributeValues: { ':one': 1, ':error': error },
                ...(place.own ? returnFoundItem : {}),
              },
            },
          ]),
        1,
      ),
    );
  }

  /**
   * Marks the transmission delivered, with its sequence number, arrival time, attempts and the
   * generation delivered (`generation`, 0 for the first). Safe to repeat: it sets the same values.
   * An entry in the message's item must exist (its condition); an own item is written whole, so it
   * is created when the transmission had none (no read on a delivery), and never over a newer
   * generation (a delivery in flight while a replay or redelivery requeued it: nothing is written).
   *
   * The item's TTL (`expiresAt`): the record retention after this arrival, set in the same write
   * where the item has none (a message of one transmission, delivered for the first time). One whose
   * TTL is held (`EXPIRY_HELD`: several transmissions, or a replay) gets it once this write leaves
   * every transmission delivered (`MessageExpiry.settle`): never a TTL while a transmission of it waits.
   * @returns whether every transmission of the message is delivered, as this write left them (read
   *   from the write's answer, free of read units, for a message of one transmission; from its
   *   items, read strongly consistent, for one of several); false when a newer generation refused it
   * @throws the SDK's error when the transmission does not exist or DynamoDB fails
   */
  async markDelivered(arrival: Arrival, generation = 0): Promise<boolean> {
    const { client, tableName } = this.table;
    const expiresAt = epochSecondsOf(arrival.arrivedAt) + this.recordRetentionSeconds;
    const place = placeOf(arrival.messageId, arrival.transmissionId);
    const { path, own } = place;
    const written = await client
      .send(
        new UpdateCommand({
          TableName: tableName,
          Key: place.key,
          UpdateExpression:
            `SET ${path}#status = :delivered, ${path}arrivedAt = :arrivedAt, ` +
            `${path}#sequence = :sequence, ${path}attempts = :attempts` +
            // Whole, as a delivered transmission's state: its generation too, which a copied entry would have had.
            (own
              ? generation > 0
                ? ', generation = :generation'
                : ''
              : ', expiresAt = if_not_exists(expiresAt, :expiresAt)') +
            ` REMOVE ${path}lastError`,
          // An own item is created by its first delivery, and never takes a generation older than its
          // own: a delivery in flight while a replay or redelivery requeued it is not its state.
          ConditionExpression: own ? NOT_AN_OLDER_GENERATION : place.exists,
          ExpressionAttributeNames: { ...place.names, '#status': 'status', '#sequence': 'sequence' },
          ExpressionAttributeValues: {
            ':delivered': 'delivered',
            ':arrivedAt': arrival.arrivedAt,
            ':sequence': arrival.sequence,
            ':attempts': arrival.attempts,
            ...(own ? { ':generation': generation } : { ':expiresAt': expiresAt }),
          },
          ...(own ? {} : { ReturnValues: 'ALL_NEW' as const }),
        }),
      )
      .catch((error: unknown) => {
        if (own && isConditionFailure(error)) return 'superseded' as const;
        throw error;
      });
    if (written === 'superseded') return false;
    return this.expiry.settle(
      arrival.messageId,
      own ? undefined : (written.Attributes as Partial<StoredMessage> | undefined),
      expiresAt,
    );
  }
}
