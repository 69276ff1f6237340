/**
 * The state of a transmission in an item of its own (`MSG#<messageId>` / `TRN#<trnId>`), for
 * transmissions 1, 2, ... of a message. Transmission 0's stays in the message's item, so a message
 * of one transmission is still one item and one write a delivery. Why: a delivery used to rewrite
 * the message's item, about 160 bytes for each of its transmissions (8 KiB and 8 write units for
 * a fan-out to 50); an item of its own is one write unit.
 *
 * The item exists once the transmission's state changed: a delivery creates it with the whole
 * state a delivered transmission has; every other write first copies the entry there
 * (`withOwnItem`). Until then the message's item's entry is its state: queued and never attempted
 * for a message committed since, whatever the entry says for one committed before items of their
 * own existed. So a message written before reads and changes as it was, with no migration.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { transmissionIndexOf } from '../../domain/ids';
import { messageKey, transmissionStateKey } from './keys';
import { stateOf, type StoredMessage, type TransmissionState } from './message-item';
import {
  conditionHeld,
  getItem,
  queryAll,
  isRefusedByCondition,
  itemDoesNotExist,
  refusalsOf,
  type Table,
} from './table';

/**
 * How much longer (s) an own item is kept than its message's item: DynamoDB's TTL deletes items one
 * by one, within days of their time and in no order, and an own item gone while its message's item
 * is still read would read as its entry (queued, never attempted).
 */
export const OWN_ITEM_MARGIN_SECONDS = 7 * 24 * 60 * 60;

/** The sort key prefix of the items of their own (`keys.ts`). */
const STATE_PREFIX = 'TRN#';

/** True when the transmission's state goes in an item of its own: transmission 1, 2, ... of its message (by its id). */
export const hasOwnItem = (transmissionId: string): boolean => (transmissionIndexOf(transmissionId) ?? 0) > 0;

/** A message's item and the items of its transmissions' own states (by transmission id). */
export interface MessageItems {
  readonly message?: StoredMessage;
  readonly states: ReadonlyMap<string, TransmissionState>;
}

/**
 * A message's item and its transmissions' own items, in one strongly consistent Query of its
 * partition from the message's sort key on (`keys.ts` sorts them after it, the failed attempts
 * before it). Costs one read unit per 4 KB of them all together: a fan-out to 50 is about 14 KB.
 * @throws the SDK's error when DynamoDB fails
 */
export const readMessageItems = async (table: Table, messageId: string): Promise<MessageItems> => {
  const key = messageKey(messageId);
  let message: StoredMessage | undefined;
  const states = new Map<string, TransmissionState>();
  for (const { pk: _pk, sk, ...attributes } of await queryAll(table, key.pk, undefined, {
    consistent: true,
    skFrom: key.sk,
  })) {
    if (sk === key.sk) message = attributes as unknown as StoredMessage;
    else if (typeof sk === 'string' && sk.startsWith(STATE_PREFIX))
      states.set(sk.slice(STATE_PREFIX.length), attributes as TransmissionState);
  }
  return { message, states };
};

/**
 * Puts a copy of the transmission's entry in the message's item where it has no item of its own
 * yet, with the message's TTL (plus the margin) when that has one, so the copy goes with it. Safe to repeat and
 * to race another writer: the copy goes only where no item is, and the entry no longer changes once
 * items of their own exist (only a writer older than them changes it).
 * @returns false when the message has no such transmission
 * @throws the SDK's error when DynamoDB fails
 */
const copyEntry = async (table: Table, messageId: string, transmissionId: string): Promise<boolean> => {
  const item = (await getItem(table, messageKey(messageId))) as Partial<StoredMessage> | undefined;
  const entry = item?.transmissions?.[transmissionId];
  if (entry === undefined) return false;
  await conditionHeld(
    table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...transmissionStateKey(messageId, transmissionId),
          ...stateOf(entry),
          ...(typeof item?.expiresAt === 'number' ? { expiresAt: item.expiresAt + OWN_ITEM_MARGIN_SECONDS } : {}),
        },
        ConditionExpression: itemDoesNotExist,
      }),
    ),
  );
  return true;
};

/**
 * Runs `write`, whose item number `at` (0 for a single-item write) is the transmission's own item,
 * when it has one (`hasOwnItem`), under a condition that requires it (`attribute_exists(pk) AND
 * ...`, with `returnFoundItem`).
 * When that item was refused for not being there (its state is still its entry in the message's
 * item), copies the entry to it and runs `write` once more.
 * @returns what `write` answered
 * @throws what `write` threw otherwise; Error when the message has no such transmission
 */
export const withOwnItem = async <T>(
  table: Table,
  messageId: string,
  transmissionId: string,
  write: () => Promise<T>,
  at = 0,
): Promise<T> => {
  try {
    return await write();
  } catch (error) {
    const refusal = refusalsOf(error)?.[at];
    if (!hasOwnItem(transmissionId) || !isRefusedByCondition(refusal) || refusal?.found !== undefined) throw error;
    if (!(await copyEntry(table, messageId, transmissionId)))
      throw new Error(`Message ${messageId} has no transmission ${transmissionId}`, { cause: error });
    return write();
  }
};

/**
 * The transmission's own item, copied from its entry first when it has none.
 * @returns undefined when the message has no such transmission
 * @throws the SDK's error when DynamoDB fails
 */
export const ownStateOf = async (
  table: Table,
  messageId: string,
  transmissionId: string,
): Promise<TransmissionState | undefined> => {
  const key = transmissionStateKey(messageId, transmissionId);
  const found = await getItem(table, key);
  if (found !== undefined) return found as TransmissionState;
  if (!(await copyEntry(table, messageId, transmissionId))) return undefined;
  return (await getItem(table, key)) as TransmissionState | undefined;
};
