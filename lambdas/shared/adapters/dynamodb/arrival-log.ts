/**
 * The arrival log of each destination, in delivery order, and the counter its sequence numbers
 * come from (`lastSequence`, `sequenceHolder` on the destination's item), with the send time of
 * the entry that holds the latest number (`headSentAt`): where delivery stands in the queue.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { reservedTransmissionOf } from '../../domain/ids';
import type { Arrival } from '../../domain/model';
import { DEFAULT_RECORD_RETENTION_DAYS, retentionSeconds } from '../../domain/record-retention';
import type { DeliveryHead, DeliveryHeads } from '../../ports/backlog';
import type { Pacing, Reservation } from '../../ports/messages';
import { toDestination } from './directory';
import { arrivalCursorKey, arrivalKey, arrivalPartition, destinationKey } from './keys';
import {
  batchGetItems,
  conditionHeld,
  epochSecondsOf,
  getItem,
  isConditionFailure,
  type Item,
  itemDoesNotExist,
  itemExists,
  refusalsOf,
  returnFoundItem,
  strip,
  type Table,
} from './table';

// A reservation takes the next number unless the transmission holds the latest one already (a retry).
const neverReserved = 'attribute_not_exists(sequenceHolder)';
const heldByAnother = 'sequenceHolder <> :transmissionId';
// A refused reservation found the destination with the latest number held by this reservation.
const isHeldBy = (found: Item | undefined, reservationKey: string) => found?.sequenceHolder === reservationKey;
// A reservation whose delivery a fold recorded on the destination already reserves nothing (see `arrivedOf`).
const notArrived = '(attribute_not_exists(lastArrival) OR lastArrival.reservationKey <> :transmissionId)';
// Pacing: a new reservation may start now when the previous one started at least an interval ago.
const neverPosted = 'attribute_not_exists(reservedPostAt)';
const postedBefore = 'reservedPostAt <= :freeFrom';
// Rounds of "follow the previous start" before giving up; more than one only under a concurrent reservation.
const MAX_PACING_ROUNDS = 3;

/** The sequence number (and paced start) an item holds. */
const reservationOf = (item: Item): Reservation => ({
  sequence: item.lastSequence as number,
  ...(typeof item.reservedPostAt === 'number' ? { postAt: item.reservedPostAt } : {}),
});

/** The last arrival a fold recorded on a destination's item (`foldArrival`), with its reservation key. */
type FoldedArrival = Arrival & { readonly reservationKey: string };

const lastArrivalOf = (item: Item | undefined): FoldedArrival | undefined => {
  const folded = item?.lastArrival as FoldedArrival | undefined;
  return typeof folded?.reservationKey === 'string' ? folded : undefined;
};

/** The arrival a fold recorded for `reservationKey`, found on the destination's item; undefined when it is another's. */
const arrivedOf = (item: Item | undefined, reservationKey: string): Arrival | undefined => {
  const { reservationKey: key, ...arrival } = lastArrivalOf(item) ?? {};
  return key === reservationKey ? (arrival as Arrival) : undefined;
};

/** An arrival-log item as the arrival it records: without its keys and its TTL. */
const arrivalOf = (item: Item | undefined): Arrival | undefined => {
  const { expiresAt: _expiresAt, ...arrival } = strip<Arrival & { expiresAt?: number }>(item) ?? {};
  return item === undefined ? undefined : (arrival as Arrival);
};

/** Sequence numbers of deliveries, the log of what arrived with which number, and where delivery stands in each queue. */
export class DynamoArrivalLog implements DeliveryHeads {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param recordRetentionSeconds how long (s) after its arrival an entry is kept by TTL
   *   (`record-retention.ts`); only appending uses it
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly recordRetentionSeconds: number = retentionSeconds(DEFAULT_RECORD_RETENTION_DAYS),
  ) {
    this.table = { client, tableName };
  }

  /**
   * The next sequence number of the destination for `reservationKey`, or the one it got already,
   * and, when `pacing` is given, when its POST may start (`postAt`, ms since the epoch).
   * The destination remembers which reservation holds its latest number, so a retry after a
   * failure, a crash or a lost answer (the SDK's retry of an applied reservation) gets the same
   * number back, read from the refusal itself, and numbers stay contiguous.
   *
   * The same update records `headSentAt`, when the entry being delivered was enqueued: the oldest
   * entry still in a queue is the one delivery takes, so the backlog's age is known without
   * reading the queue, and at no extra write. A retry leaves it as its first attempt wrote it.
   *
   * Pacing (the destination's `maxPerSecond`): the destination also keeps `reservedPostAt`, the
   * start the latest reservation got. A new one starts at max(now, reservedPostAt + intervalMs):
   *
   *     reservedPostAt ──intervalMs──▶ earliest next start
   *     ────────●────────────────────────●──────────── now before it: wait; after it: start now
   *
   * DynamoDB has no max(), so the first update assumes "now" (on condition that the previous start
   * is at least `intervalMs` old: one write, as without pacing); when refused for that reason the
   * refusal holds the previous start, and a second update takes reservedPostAt + intervalMs on
   * condition that nothing changed meanwhile. So only a delivery that must wait costs a second
   * write. A retry of the holder gets the start it got. Deliveries of a destination are made one
   * after another, so starts rise with sequence numbers.
   * @throws Error when the destination does not exist
   */
  async reserveSequence(
    destinationId: string,
    reservationKey: string,
    headSentAt: string,
    pacing?: Pacing,
  ): Promise<Reservation> {
    const startNow = pacing && {
      set: ', reservedPostAt = :postAt',
      condition: ` AND (${neverPosted} OR ${postedBefore})`,
      values: { ':postAt': pacing.now, ':freeFrom': pacing.now - pacing.intervalMs },
    };
    for (let round = 0; ; round++) {
      const found = await this.reserve(destinationId, reservationKey, headSentAt, startNow);
      if ('reservation' in found) return found.reservation;
      const arrived = arrivedOf(found.item, reservationKey);
      if (arrived) return { sequence: arrived.sequence, arrived };
      if (isHeldBy(found.item, reservationKey)) return this.restart(destinationId, reservationKey, found.item!, pacing);
      if (!pacing || typeof found.item?.reservedPostAt !== 'number' || round >= MAX_PACING_ROUNDS) {
        throw new Error(`Destination ${destinationId} does not exist`, { cause: found.error });
      }
      // The previous start is recent: follow it, unless another reservation came in between.
      const previous = found.item.reservedPostAt;
      const follow = {
        set: ', reservedPostAt = :postAt',
        condition: ' AND reservedPostAt = :previous',
        values: { ':postAt': previous + pacing.intervalMs, ':previous': previous },
      };
      const followed = await this.reserve(destinationId, reservationKey, headSentAt, follow);
      if ('reservation' in followed) return followed.reservation;
      if (isHeldBy(followed.item, reservationKey))
        return this.restart(destinationId, reservationKey, followed.item!, pacing);
      // Refused: another reservation, or the start moved; start over from what is there now.
    }
  }

  /**
   * A retry of the holder: its start as it got it while that is still ahead; once it has passed
   * (the holder calls again as its request goes out later than its start, or for an inline retry,
   * a retry in a later invocation or a probe) the start moves to now, when the receiver gets the
   * request, and the next delivery follows that. One conditional write, only then; a refusal (it
   * moved meanwhile) keeps what is there.
   */
  private async restart(
    destinationId: string,
    reservationKey: string,
    held: Item,
    pacing: Pacing | undefined,
  ): Promise<Reservation> {
    const previous = held.reservedPostAt;
    if (!pacing || (typeof previous === 'number' && previous >= pacing.now)) return reservationOf(held);
    const { client, tableName } = this.table;
    const moved = await conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: destinationKey(destinationId),
          UpdateExpression: 'SET reservedPostAt = :postAt',
          ConditionExpression: `sequenceHolder = :transmissionId AND (${neverPosted} OR reservedPostAt < :postAt)`,
          ExpressionAttributeValues: { ':transmissionId': reservationKey, ':postAt': pacing.now },
        }),
      ),
    );
    return moved ? { sequence: held.lastSequence as number, postAt: pacing.now } : reservationOf(held);
  }

  /** One conditional reservation; the item found when its condition refused it. */
  private async reserve(
    destinationId: string,
    reservationKey: string,
    headSentAt: string,
    slot?: { set: string; condition: string; values: Record<string, number> },
  ): Promise<{ reservation: Reservation } | { item: Item | undefined; error: unknown }> {
    const { client, tableName } = this.table;
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: destinationKey(destinationId),
          UpdateExpression: `SET lastSequence = lastSequence + :one, sequenceHolder = :transmissionId, headSentAt = :headSentAt${slot?.set ?? ''}`,
          ConditionExpression: `${itemExists} AND (${neverReserved} OR ${heldByAnother}) AND ${notArrived}${slot?.condition ?? ''}`,
          ExpressionAttributeValues: {
            ':one': 1,
            ':transmissionId': reservationKey,
            ':headSentAt': headSentAt,
            ...slot?.values,
          },
          ReturnValues: 'UPDATED_NEW',
          ...returnFoundItem,
        }),
      );
      return { reservation: reservationOf(result.Attributes!) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { item: refusalsOf(error)?.[0]?.found, error };
    }
  }

  /**
   * Records that `previous` arrived and reserves the next number for `reservationKey`, in one
   * conditional update of the destination's item: `previous` must still hold the latest number.
   * The arrival (without the answer's excerpt, which may hold PHI and would grow the item) stays
   * on the item as `lastArrival` until the next fold replaces it; a reservation for its key finds
   * it there (`reserveSequence` answers `arrived`). A refusal that finds this very fold applied
   * (the SDK's retry of a write whose answer was lost) answers its reservation.
   * @returns the new reservation; undefined when `previous` no longer holds the latest number, or
   *   `reservationKey` is `previous`'s own (a duplicate entry of the same delivery)
   * @throws Error when the destination does not exist; the SDK's error when DynamoDB fails
   */
  async foldArrival(
    previous: Arrival & { readonly destinationId: string; readonly reservationKey: string },
    reservationKey: string,
    headSentAt: string,
  ): Promise<Reservation | undefined> {
    const { client, tableName } = this.table;
    const { destinationId, responseExcerpt: _excerpt, ...lastArrival } = previous;
    // A key folded into its own reservation would get a second number: refused, nothing written.
    if (reservationKey === previous.reservationKey) return undefined;
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: destinationKey(destinationId),
          UpdateExpression:
            'SET lastSequence = lastSequence + :one, sequenceHolder = :transmissionId, headSentAt = :headSentAt, lastArrival = :arrival',
          ConditionExpression: `${itemExists} AND sequenceHolder = :previous AND lastSequence = :previousSequence`,
          ExpressionAttributeValues: {
            ':one': 1,
            ':transmissionId': reservationKey,
            ':headSentAt': headSentAt,
            ':arrival': lastArrival,
            ':previous': previous.reservationKey,
            ':previousSequence': previous.sequence,
          },
          ReturnValues: 'UPDATED_NEW',
          ...returnFoundItem,
        }),
      );
      return reservationOf(result.Attributes!);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const found = refusalsOf(error)?.[0]?.found;
      if (found === undefined) throw new Error(`Destination ${destinationId} does not exist`, { cause: error });
      const applied =
        found.sequenceHolder === reservationKey && lastArrivalOf(found)?.reservationKey === previous.reservationKey;
      return applied ? reservationOf(found) : undefined;
    }
  }

  /**
   * The destinations with these ids (strongly consistent; absent when not found), each with where
   * delivery stands: `headSentAt` and the transmission holding the latest number (`heldBy`), as the
   * last new reservation wrote them; neither before the first.
   */
  async deliveryHeads(destinationIds: readonly string[]): Promise<Map<string, DeliveryHead>> {
    const items = await batchGetItems(
      this.table,
      [...new Set(destinationIds)].map((id) => destinationKey(id)),
    );
    return new Map(
      items.map((item) => {
        const destination = toDestination(item);
        const headSentAt = typeof item.headSentAt === 'string' ? item.headSentAt : undefined;
        const heldBy =
          typeof item.sequenceHolder === 'string' ? reservedTransmissionOf(item.sequenceHolder) : undefined;
        return [destination.id, { destination, ...(headSentAt ? { headSentAt } : {}), ...(heldBy ? { heldBy } : {}) }];
      }),
    );
  }

  /**
   * Writes the log entry of an arrival, keyed by its sequence number, so writing it again (a
   * retry, a redelivery) overwrites rather than duplicates it. A delivery's own entry carries its
   * delivering attempt (`status`, `durationMs`, `responseExcerpt`: the one write of the success
   * path, one more write unit when the excerpt takes the item past 1 KB) and is an unconditional
   * put. An entry written again from the transmission alone (it has no `durationMs`) is put only
   * where there is none, so it never erases the attempt a delivery recorded; nor does its refusal
   * carry the item found, which would hold the excerpt. So is an entry repaired from a fold's
   * record (`keepExisting`: it lacks the excerpt the delivery's own write may have stored).
   */
  async append(arrival: Arrival & { destinationId: string }, keepExisting = false): Promise<void> {
    const { client, tableName } = this.table;
    const { destinationId, ...logged } = arrival;
    // Written again, the entry gets the same TTL: it is counted from the arrival, not the write.
    const expiresAt = epochSecondsOf(arrival.arrivedAt) + this.recordRetentionSeconds;
    const put = {
      TableName: tableName,
      Item: { ...arrivalKey(destinationId, arrival.sequence), ...logged, expiresAt },
    };
    if (arrival.durationMs !== undefined && !keepExisting) {
      await client.send(new PutCommand(put));
      return;
    }
    // False: the entry is there already, as its delivery wrote it.
    await conditionHeld(client.send(new PutCommand({ ...put, ConditionExpression: itemDoesNotExist })));
  }

  /** The entry of the destination's delivery number `sequence` (strongly consistent); undefined when there is none. */
  async get(destinationId: string, sequence: number): Promise<Arrival | undefined> {
    return arrivalOf(await getItem(this.table, arrivalKey(destinationId, sequence)));
  }

  /** Up to `limit` arrivals in delivery order, after `cursor` (from the previous page) when given. */
  async list(destinationId: string, limit: number, cursor?: string): Promise<{ items: Arrival[]; cursor?: string }> {
    const { client, tableName } = this.table;
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': arrivalPartition(destinationId) },
        Limit: limit,
        ExclusiveStartKey: cursor === undefined ? undefined : arrivalCursorKey(destinationId, cursor),
      }),
    );
    const items = (result.Items ?? []).map((item) => arrivalOf(item)!);
    const last = result.LastEvaluatedKey?.sk as string | undefined;
    return last === undefined ? { items } : { items, cursor: last };
  }

  /** The destination's latest sequence number (strongly consistent); 0 before its first delivery. @throws Error when the destination does not exist */
  async lastSequence(destinationId: string): Promise<number> {
    const item = await getItem(this.table, destinationKey(destinationId));
    if (item === undefined) throw new Error(`Destination ${destinationId} does not exist`);
    return typeof item.lastSequence === 'number' ? item.lastSequence : 0;
  }

  /**
   * Up to `limit` arrivals in delivery order whose sequence is in [`from`, `upTo`] (strongly
   * consistent). Sequence numbers have gaps (a skipped transmission leaves its number unused).
   */
  async listRange(destinationId: string, from: number, upTo: number, limit: number): Promise<Arrival[]> {
    if (from > upTo || limit < 1) return [];
    const { client, tableName } = this.table;
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :upTo',
        ExpressionAttributeValues: {
          ':pk': arrivalPartition(destinationId),
          ':from': arrivalKey(destinationId, from).sk,
          ':upTo': arrivalKey(destinationId, upTo).sk,
        },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map((item) => arrivalOf(item)!);
  }

  /**
   * The sequence number from which the arrivals at or after `time` (ISO 8601) begin, among those
   * numbered up to `upTo`: a binary search over the log (about log2(upTo) one-item queries), which
   * relies on arrival times rising with sequence numbers (a destination's deliveries are made one
   * after another, each recorded after its 2xx). `upTo + 1` when none arrived at or after `time`.
   */
  async firstSequenceArrivedFrom(destinationId: string, time: string, upTo: number): Promise<number> {
    let low = 1;
    let high = upTo + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const [entry] = await this.listRange(destinationId, middle, upTo, 1);
      if (entry === undefined || entry.arrivedAt >= time) high = middle;
      else low = entry.sequence + 1;
    }
    return low;
  }
}
