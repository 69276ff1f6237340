/**
 * The arrival log of each destination, in delivery order, and the counter its sequence numbers
 * come from (`lastSequence`, `sequenceHolder` on the destination's item).
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Arrival } from '../../domain/model';
import { arrivalCursorKey, arrivalKey, arrivalPartition, destinationKey } from './keys';
import { getItem, isConditionFailure, itemExists, strip, type Table } from './table';

// A reservation takes the next number unless the transmission holds the latest one already (a retry).
const neverReserved = 'attribute_not_exists(sequenceHolder)';
const heldByAnother = 'sequenceHolder <> :transmissionId';

/** Sequence numbers of deliveries, and the log of what arrived with which number. */
export class DynamoArrivalLog {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   */
  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = { client, tableName };
  }

  /**
   * The next sequence number of the destination for `reservationKey`, or the one it got already.
   * The destination remembers which reservation holds its latest number, so a retry after a
   * failure or a crash gets the same number back and numbers stay contiguous.
   * @throws Error when the destination does not exist
   */
  async reserveSequence(destinationId: string, reservationKey: string): Promise<number> {
    const { client, tableName } = this.table;
    const key = destinationKey(destinationId);
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: 'SET lastSequence = lastSequence + :one, sequenceHolder = :transmissionId',
          ConditionExpression: `${itemExists} AND (${neverReserved} OR ${heldByAnother})`,
          ExpressionAttributeValues: { ':one': 1, ':transmissionId': reservationKey },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return result.Attributes!.lastSequence as number;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const current = await getItem(this.table, key);
    if (current?.sequenceHolder !== reservationKey) throw new Error(`Destination ${destinationId} does not exist`);
    return current.lastSequence as number;
  }

  /**
   * Writes the log entry of an arrival, keyed by its sequence number: writing it again overwrites
   * rather than duplicates it.
   */
  async append(arrival: Arrival & { destinationId: string }): Promise<void> {
    const { client, tableName } = this.table;
    const { destinationId, ...logged } = arrival;
    await client.send(new PutCommand({ TableName: tableName, Item: { ...arrivalKey(destinationId, arrival.sequence), ...logged } }));
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
    const items = (result.Items ?? []).map((item) => strip<Arrival>(item)!);
    const last = result.LastEvaluatedKey?.sk as string | undefined;
    return last === undefined ? { items } : { items, cursor: last };
  }
}
