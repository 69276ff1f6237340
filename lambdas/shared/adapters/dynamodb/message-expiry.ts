/**
 * When a message's items expire (`expiresAt`, DynamoDB's TTL): never while a transmission of it
 * waits, the record retention after the write that ended its last wait once none does. The
 * message's item holds `EXPIRY_HELD` (a string, which TTL ignores) while one waits; its
 * transmissions' own items (`transmission-state.ts`) have no TTL then, and get the message's plus
 * `OWN_ITEM_MARGIN_SECONDS` once it is released.
 *
 * The order makes every interruption safe for readers: the message's item is released first (on
 * its hold counter, so a replay or redelivery since the read keeps it held), then the own items get
 * theirs, then the message is read again and, held again meanwhile, the own items lose theirs. A
 * requeue holds the message and then strips the own items' TTLs (`afterHold`). A crash between two
 * of these writes leaves own items without a TTL under a released message (kept too long, healed by
 * the next write that ends a wait of it), never with one under a held message, except when a
 * requeue's own strip is what the crash interrupted (see docs/architecture.md, "Transmission state
 * in items of their own").
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { messageKey, transmissionStateKey } from './keys';
import { EXPIRY_HELD, type StoredMessage, stateOf, type TransmissionState } from './message-item';
import { hasOwnItem, type MessageItems, OWN_ITEM_MARGIN_SECONDS, readMessageItems } from './transmission-state';
import { forEachAtMost } from '../../runtime/at-most';
import { conditionHeld, returnFoundItem, type Table } from './table';

/** How many own items are written at once. */
const OWN_ITEMS_AT_ONCE = 10;

/** The states of a message's transmissions, each from its own item when it has one, else from its entry. */
const statesOf = ({ message, states }: MessageItems): TransmissionState[] =>
  Object.entries(message?.transmissions ?? {}).map(([id, entry]) => states.get(id) ?? stateOf(entry));

const isWaiting = (state: TransmissionState) => state.status !== 'delivered' && state.status !== 'skipped';

/** True when a message's item as written or found has transmissions with items of their own. */
export const hasOwnItems = (item: Partial<StoredMessage> | undefined): boolean =>
  Object.keys(item?.transmissions ?? {}).some(hasOwnItem);

/** Holds and releases the TTLs of messages and of their transmissions' own items. */
export class MessageExpiry {
  constructor(private readonly table: Table) {}

  /**
   * After a write that ended a transmission's wait (delivered or skipped). `item` is the message's
   * item as that write left it, when the write was to it: a message without own items settles from
   * it alone. Otherwise the message's items are read, strongly consistent, after the write: of
   * two writes that end the last two waits, the later one's read sees both.
   * - Nothing waits and the TTL is held (or absent: an item committed before TTLs existed): release
   *   it as `expiresAt` (epoch s), then give the own items theirs.
   * - Nothing waits and the TTL was released: give an own item a crash left without one its TTL.
   * - Something waits: hold a numeric TTL (an item from before TTLs, given one by the write's
   *   `if_not_exists`), and take any own item's TTL away.
   * @returns whether every transmission is delivered
   * @throws the SDK's error when DynamoDB fails
   */
  async settle(messageId: string, item: Partial<StoredMessage> | undefined, expiresAt: number): Promise<boolean> {
    const items: MessageItems =
      item !== undefined && !hasOwnItems(item)
        ? { message: item as StoredMessage, states: new Map() }
        : await readMessageItems(this.table, messageId);
    const { message } = items;
    const states = statesOf(items);
    if (message === undefined || states.length === 0) return false;
    if (states.some(isWaiting)) {
      await this.stripOwnItems(messageId, items.states);
      // Held from a number: the last wait may have ended since the read (its settle saw the number
      // and left the message alone), so read again and settle from what is there now.
      if (typeof message.expiresAt === 'number' && (await this.holdExpiry(messageId, message.expiresAt)))
        return this.settle(messageId, undefined, expiresAt);
    } else if (typeof message.expiresAt !== 'number') {
      const released = await this.releaseExpiry(messageId, message, expiresAt);
      if (released !== undefined) await this.expireOwnItems(messageId, items.states, released);
    } else {
      await this.expireOwnItems(messageId, items.states, message.expiresAt);
    }
    return states.every((state) => state.status === 'delivered');
  }

  /**
   * After a write that held a message's TTL again (a replay or redelivery requeued a transmission,
   * or found its own earlier requeue): reads the message's items and takes away the TTLs its own
   * items got when it was last released. `item` is the message's item as that write left it, when
   * it was to it: without own items, nothing is read.
   * @throws the SDK's error when DynamoDB fails
   */
  async afterHold(messageId: string, item?: Partial<StoredMessage>): Promise<void> {
    if (item !== undefined && !hasOwnItems(item)) return;
    const { message, states } = await readMessageItems(this.table, messageId);
    if (message !== undefined && typeof message.expiresAt !== 'number') await this.stripOwnItems(messageId, states);
  }

  /**
   * Gives the own items (`states`, as read) their TTL, the message's `expiresAt` plus the margin,
   * where they do not have it yet, each on condition that it is still delivered or skipped (a
   * requeued one waits: it keeps none); then reads the message again and, held again meanwhile,
   * takes them away.
   */
  private async expireOwnItems(
    messageId: string,
    states: ReadonlyMap<string, TransmissionState>,
    expiresAt: number,
  ): Promise<void> {
    const { client, tableName } = this.table;
    const ownExpiresAt = expiresAt + OWN_ITEM_MARGIN_SECONDS;
    const due = [...states].filter(([, state]) => state.expiresAt !== ownExpiresAt).map(([id]) => id);
    if (due.length === 0) return;
    await forEachAtMost(due, OWN_ITEMS_AT_ONCE, (id) =>
      conditionHeld(
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: transmissionStateKey(messageId, id),
            UpdateExpression: 'SET expiresAt = :expiresAt',
            ConditionExpression: '#status IN (:delivered, :skipped)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':expiresAt': ownExpiresAt, ':delivered': 'delivered', ':skipped': 'skipped' },
          }),
        ),
      ),
    );
    await this.afterHold(messageId);
  }

  /** Takes away each own item's TTL, on condition that it is still the one seen (a later release sets another). */
  private async stripOwnItems(messageId: string, states: ReadonlyMap<string, TransmissionState>): Promise<void> {
    const { client, tableName } = this.table;
    const expiring = [...states].filter(([, state]) => typeof state.expiresAt === 'number');
    const seen = new Map(expiring.map(([id, state]) => [id, state.expiresAt!]));
    await forEachAtMost([...seen.keys()], OWN_ITEMS_AT_ONCE, (id) =>
      conditionHeld(
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: transmissionStateKey(messageId, id),
            UpdateExpression: 'REMOVE expiresAt',
            ConditionExpression: 'expiresAt = :seen',
            ExpressionAttributeValues: { ':seen': seen.get(id)! },
          }),
        ),
      ),
    );
  }

  /**
   * Gives a settled message's item its TTL, on condition that it is still held (or still has none)
   * and no replay or redelivery held it again since the read (`expiryHolds` as read): a replay of
   * any transmission in between keeps it held, and that one's delivery sets the TTL. One counter,
   * not a condition per transmission (a fan-out's hundred would outgrow DynamoDB's 4 KB expression
   * limit).
   * @returns the TTL the message has now (epoch s), set by this call, by its earlier attempt whose
   *   answer was lost or by another settle; undefined when refused because it is held again (the
   *   safe side)
   */
  private async releaseExpiry(messageId: string, read: StoredMessage, expiresAt: number): Promise<number | undefined> {
    const { client, tableName } = this.table;
    const held = read.expiresAt === undefined ? 'attribute_not_exists(expiresAt)' : 'expiresAt = :held';
    const holds = read.expiryHolds === undefined ? 'attribute_not_exists(expiryHolds)' : 'expiryHolds = :holds';
    let released: number | undefined = expiresAt;
    await conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: messageKey(messageId),
          UpdateExpression: 'SET expiresAt = :expiresAt',
          ConditionExpression: `${held} AND ${holds}`,
          ExpressionAttributeValues: {
            ':expiresAt': expiresAt,
            ...(read.expiresAt === undefined ? {} : { ':held': EXPIRY_HELD }),
            ...(read.expiryHolds === undefined ? {} : { ':holds': read.expiryHolds }),
          },
          ...returnFoundItem,
        }),
      ),
      ([refusal]) => {
        // Released already (this write's earlier attempt, its answer lost, or another settle's):
        // its own items get that TTL all the same. Held again: nothing more.
        const found = refusal?.found?.expiresAt;
        released = typeof found === 'number' ? found : undefined;
        return released !== undefined;
      },
    );
    return released;
  }

  /**
   * Holds an item's TTL (`EXPIRY_HELD`) while it still has the number `expiresAt`.
   * @returns false when refused: another write changed it
   */
  private async holdExpiry(messageId: string, expiresAt: number): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
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
