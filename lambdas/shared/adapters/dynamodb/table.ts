/**
 * Small helpers shared by the DynamoDB adapters: reading items, running conditional writes and
 * transactions, recognising a write of one's own, conditions.
 *
 * Why "mine" checks: the SDK retries a write answered with a 5xx or lost to a network failure
 * (standard retry mode, 3 attempts by default), and the first attempt may have been applied.
 * A conditional write then fails its own condition on the retry. So every conditional write that
 * a retry could repeat asks for the item its condition found (`returnFoundItem`) and recognises
 * its own earlier write there, from a unique id it wrote.
 *
 * TransactWriteItems carries a `ClientRequestToken`, which the SDK fills with a new UUID when the
 * command is serialized, once per `send`, before its retries: within 10 minutes, DynamoDB answers a
 * repeat of an applied transaction with success and writes nothing. The checks still apply to
 * transactions: single-item writes have no token; a new `send` (our own retries, a caller's retry)
 * gets a new token; and they keep the adapters right on any stand-in that does not honour tokens
 * (DynamoDB Local 2026-05-28 does honour them; it also returns ALL_OLD items, as DynamoDB does).
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ItemKey } from './keys';

/** An item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/** The table an adapter works on, through the document client created once per module. */
export interface Table {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** The items of one TransactWriteItems call (at most 100, 4 MB in all: DynamoDB's limits). */
export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** A condition: no item has this key yet. */
export const itemDoesNotExist = 'attribute_not_exists(pk)';
/** A condition: the item exists (an update must not create it). */
export const itemExists = 'attribute_exists(pk)';

/**
 * Spread into a conditional write (single, or an item of a transaction): when its condition
 * fails, DynamoDB returns the item as it found it, so a retry can tell its own earlier write.
 */
export const returnFoundItem = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const;

/** The code of a write refused because its condition did not hold. */
const CONDITION_FAILED = 'ConditionalCheckFailed';
/** The code of a transaction item another transaction was changing at the same moment. */
const TRANSACTION_CONFLICT = 'TransactionConflict';

/**
 * Why one written item was refused: `code` is DynamoDB's reason ('ConditionalCheckFailed',
 * 'TransactionConflict', 'None' for an item that was fine, ...); `found` is the item as it was when
 * its condition failed (asked for with `returnFoundItem`; undefined when there was none).
 */
export interface Refusal {
  readonly code: string;
  readonly found?: Item;
}

/**
 * An item DynamoDB returned with a refusal. The document client (lib-dynamodb 3.x) unmarshalls
 * answers but not errors, so it comes in the wire's AttributeValue form; every item of the table
 * has a string `pk`, so one that has it was unmarshalled already (by a newer client) and is kept.
 */
const foundItem = (sent: Record<string, unknown> | undefined): Item | undefined => {
  if (!sent) return undefined;
  return typeof sent.pk === 'string' ? sent : unmarshall(sent as Record<string, AttributeValue>);
};

/**
 * What refused a write, item by item (one for a single-item write, one per item of a transaction,
 * in order); undefined for a failure that is not a refusal.
 */
export const refusalsOf = (error: unknown): Refusal[] | undefined => {
  if (error instanceof ConditionalCheckFailedException)
    return [{ code: CONDITION_FAILED, found: foundItem(error.Item) }];
  if (error instanceof TransactionCanceledException) {
    return (error.CancellationReasons ?? []).map((reason) => ({
      code: reason.Code ?? 'None',
      found: foundItem(reason.Item),
    }));
  }
  return undefined;
};

/** True when this item of a write was refused because its own condition did not hold. */
export const isRefusedByCondition = (refusal: Refusal | undefined): boolean => refusal?.code === CONDITION_FAILED;

/** True when a single-item write was refused because its condition did not hold. */
export const isConditionFailure = (error: unknown): boolean => error instanceof ConditionalCheckFailedException;

/**
 * Runs a conditional write: true when it was applied, by this attempt or by an earlier one whose
 * answer was lost, which `isMine` recognises from what the refusal found; false when its condition
 * did not hold (for a transaction, the condition on its first item, the others being consequences).
 * Any other failure is thrown.
 */
export const conditionHeld = async (
  write: Promise<unknown>,
  isMine?: (refusals: readonly Refusal[]) => boolean,
): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (error) {
    const refusals = refusalsOf(error);
    if (refusals && isMine?.(refusals)) return true;
    if (refusals?.[0]?.code === CONDITION_FAILED) return false;
    throw error;
  }
};

/** The attempts of a transaction cancelled by conflicts, and the caps of the waits between them. */
const CONFLICT_ATTEMPTS = 4;
const CONFLICT_FIRST_WAIT_CAP_MS = 50;

/**
 * The wait before new attempt `retry` (1, 2, 3) of a transaction cancelled by a conflict: a random
 * time up to 50, 100, 200 ms ("full jitter", so writers that collided do not collide again).
 */
export const conflictRetryDelayMs = (retry: number, random: () => number = Math.random): number =>
  random() * CONFLICT_FIRST_WAIT_CAP_MS * 2 ** (retry - 1);

const isConflict = (error: unknown): boolean =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((reason) => reason.Code === TRANSACTION_CONFLICT);

/**
 * Runs a TransactWriteItems, the one way every adapter writes a transaction. DynamoDB cancels a
 * transaction one of whose items another transaction or write is changing at the same moment
 * (reason `TransactionConflict`): nothing was written, and the SDK does not retry it (a 400). It
 * is sent again, as a new command (so with a new ClientRequestToken), up to 4 attempts in all,
 * waiting `conflictRetryDelayMs` before each: at most 350 ms of waiting, plus the calls.
 * @throws TransactionCanceledException when a condition refused it (read it with `conditionHeld`
 *   or `refusalsOf`), or when it still conflicted on its last attempt; any other SDK failure as raised
 */
export const transactWrite = async ({ client }: Table, items: TransactItems): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      if (!isConflict(error) || attempt === CONFLICT_ATTEMPTS) throw error;
      await sleep(conflictRetryDelayMs(attempt));
    }
  }
};

/** A time in whole seconds since the epoch, the unit of the TTL attribute `expiresAt`. */
export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The same, of an ISO 8601 time. */
export const epochSecondsOf = (isoTime: string) => Math.floor(Date.parse(isoTime) / 1000);

/** An item without its keys; undefined when there is no item. */
export const strip = <T>(item: Item | undefined): T | undefined => {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
};

/** One item, read strongly consistent; undefined when absent. */
export const getItem = async ({ client, tableName }: Table, key: ItemKey): Promise<Item | undefined> => {
  const result = await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return result.Item;
};

/** BatchGetItem takes at most this many keys. */
const BATCH_GET_KEYS = 100;

/**
 * The items at `keys` (as `T`: cast, not parsed), 100 per BatchGetItem (its limit), strongly
 * consistent, in no particular order; a key without an item has none. DynamoDB may hand keys back
 * unprocessed under load: they are asked for again, backing off (50 ms doubling, at most 1 s).
 */
export const batchGetItems = async <T = Item>({ client, tableName }: Table, keys: readonly ItemKey[]): Promise<T[]> => {
  const items: T[] = [];
  let pending: Item[] = [...keys];
  for (let round = 0; pending.length > 0; round++) {
    if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
    const result = await client.send(
      new BatchGetCommand({
        RequestItems: { [tableName]: { Keys: pending.slice(0, BATCH_GET_KEYS), ConsistentRead: true } },
      }),
    );
    items.push(...((result.Responses?.[tableName] ?? []) as T[]));
    pending = [...(result.UnprocessedKeys?.[tableName]?.Keys ?? []), ...pending.slice(BATCH_GET_KEYS)];
  }
  return items;
};

/**
 * Every item of a partition (whose sort key starts with `skPrefix`, when given; or sorts at or
 * after `skFrom`), page by page (a page holds at most 1 MB). `consistent` reads strongly
 * consistent; `keysOnly` reads only keys.
 */
export const queryAll = async (
  { client, tableName }: Table,
  pk: string,
  skPrefix?: string,
  options: { readonly consistent?: boolean; readonly keysOnly?: boolean; readonly skFrom?: string } = {},
): Promise<Item[]> => {
  const items: Item[] = [];
  const sortKey =
    skPrefix !== undefined
      ? { condition: ' AND begins_with(sk, :prefix)', values: { ':prefix': skPrefix } }
      : options.skFrom !== undefined
        ? { condition: ' AND sk >= :from', values: { ':from': options.skFrom } }
        : { condition: '', values: {} };
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: `pk = :pk${sortKey.condition}`,
        ExpressionAttributeValues: { ':pk': pk, ...sortKey.values },
        ExclusiveStartKey: startKey,
        ...(options.consistent ? { ConsistentRead: true } : {}),
        ...(options.keysOnly ? { ProjectionExpression: 'pk, sk' } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
};
