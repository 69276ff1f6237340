/** Small helpers shared by the DynamoDB adapters: reading items, running conditional writes, conditions. */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from './keys';

/** An item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/** The table an adapter works on, through the document client created once per module. */
export interface Table {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** A condition: no item has this key yet. */
export const itemDoesNotExist = 'attribute_not_exists(pk)';
/** A condition: the item exists (an update must not create it). */
export const itemExists = 'attribute_exists(pk)';

/** An item without its keys; undefined when there is no item. */
export const strip = <T>(item: Item | undefined): T | undefined => {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
};

/** True when a single-item write was refused because its condition did not hold. */
export const isConditionFailure = (error: unknown): boolean => error instanceof ConditionalCheckFailedException;

/** A transaction refused because its first item's condition failed (the others are consequences). */
const isFirstConditionFailure = (error: unknown): boolean =>
  error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';

/**
 * Runs a conditional write: true when it was applied, false when its condition did not hold (for a
 * transaction, the condition on its first item); any other failure is thrown.
 */
export const conditionHeld = async (write: Promise<unknown>): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error) || isFirstConditionFailure(error)) return false;
    throw error;
  }
};

/** A time in whole seconds since the epoch, the unit of the TTL attribute `expiresAt`. */
export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The same, of an ISO 8601 time. */
export const epochSecondsOf = (isoTime: string) => Math.floor(Date.parse(isoTime) / 1000);

/** One item, read strongly consistent; undefined when absent. */
export const getItem = async ({ client, tableName }: Table, key: ItemKey): Promise<Item | undefined> => {
  const result = await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return result.Item;
};

/** Every item of a partition (whose sort key starts with `skPrefix`, when given), page by page. */
export const queryAll = async ({ client, tableName }: Table, pk: string, skPrefix?: string): Promise<Item[]> => {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ...(skPrefix === undefined ? {} : { ':prefix': skPrefix }) },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
};
