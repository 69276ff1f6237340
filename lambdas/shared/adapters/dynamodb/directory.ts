/** The directory: organizations, sources and their API keys, destinations, subscriptions. */
import { DeleteCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isDeepStrictEqual } from 'node:util';
import type { Destination, Organization, Source, Subscription } from '../../domain/model';
import type { ApiKeyHolder, DeletionStart, Directory, SubscriptionPut } from '../../ports/directory';
import {
  apiKeyKey,
  destinationKey,
  destinationListingKey,
  organizationKey,
  organizationListingKey,
  pausedKey,
  SUBSCRIPTIONS_LISTING,
  sourceKey,
  sourceListingKey,
  subscriptionKey,
  subscriptionListingKey,
  subscriptionsOfSource,
  subscriptionTermsKey,
} from './keys';
import {
  conditionHeld,
  epochSecondsOf,
  getItem,
  type Item,
  itemDoesNotExist,
  itemExists,
  queryAll,
  refusalsOf,
  returnFoundItem,
  strip,
  type Table,
  type TransactItems,
  transactWrite,
} from './table';

/** A replaced key's record goes this long after the key stops working (TTL); until then it answers 401 as expired. */
const REPLACED_KEY_KEPT_SECONDS = 7 * 24 * 60 * 60;

/** Destinations registered before inline retries were configurable get this many. */
const DEFAULT_INLINE_RETRIES = 2;

/*
 * A create that finds its key taken recognises its own earlier write (applied, its answer lost)
 * when the item found holds every attribute it wrote (ids and key hashes are random, so no other
 * request writes the same item). Attributes left `undefined` are not stored (`removeUndefinedValues`).
 */
const holdsWritten = (found: Item | undefined, written: Item) =>
  found !== undefined &&
  Object.entries(written).every(([name, value]) => value === undefined || isDeepStrictEqual(found[name], value));
/**
 * Subscriptions removed per transaction when their source or destination goes: three items each
 * (the subscription, its listing item and its terms item), under DynamoDB's 100 items per transaction.
 */
export const SUBSCRIPTIONS_PER_TRANSACTION = 33;

/** The deletes that remove a subscription: its item, its listing item and its terms item (unconditional: safe to repeat). */
export const subscriptionRemoval = ({ tableName }: Table, subscription: Subscription): TransactItems => [
  { Delete: { TableName: tableName, Key: subscriptionKey(subscription.sourceId, subscription.id) } },
  { Delete: { TableName: tableName, Key: subscriptionListingKey(subscription.id) } },
  { Delete: { TableName: tableName, Key: subscriptionTermsKey(subscription) } },
];

/** Removes `subscriptions`, `SUBSCRIPTIONS_PER_TRANSACTION` to a transaction. */
export const removeSubscriptions = async (table: Table, subscriptions: readonly Subscription[]): Promise<void> => {
  for (let first = 0; first < subscriptions.length; first += SUBSCRIPTIONS_PER_TRANSACTION) {
    const batch = subscriptions.slice(first, first + SUBSCRIPTIONS_PER_TRANSACTION);
    await transactWrite(
      table,
      batch.flatMap((subscription) => subscriptionRemoval(table, subscription)),
    );
  }
};

// A rotation is its own when the source found already has the new key (a hash of a fresh random key).
const hasCurrentKey = (found: Item | undefined, apiKeyHash: string) => found?.currentKeyHash === apiKeyHash;

/**
 * A destination as the use cases see it, from its item: without the keys, the sequence counter (and
 * the send time of its holder's entry, and its paced start) and the head lease, which only their owners read
 * (`arrival-log.ts`, `destination-state.ts`).
 */
export const toDestination = (item: Item): Destination => {
  const {
    lastSequence: _lastSequence,
    sequenceHolder: _sequenceHolder,
    headSentAt: _headSentAt,
    headHolder: _headHolder,
    headHeldUntil: _headHeldUntil,
    reservedPostAt: _reservedPostAt,
    lastArrival: _lastArrival,
    ...destination
  } = item;
  const stored = strip<Destination>(destination)!;
  return { ...stored, inlineRetries: stored.inlineRetries ?? DEFAULT_INLINE_RETRIES };
};

/**
 * The update that gives a destination its queue and mapping, and its first status: `active`, or
 * `unverified` until its endpoint echoes the challenge (`DynamoDestinationVerifications`).
 */
export const provisionedUpdate = (
  tableName: string,
  id: string,
  provisioned: { readonly queueUrl: string; readonly queueArn: string; readonly mappingId: string },
  status: 'active' | 'unverified',
) => ({
  TableName: tableName,
  Key: destinationKey(id),
  UpdateExpression: 'SET queueUrl = :queueUrl, queueArn = :queueArn, mappingId = :mappingId, #status = :status',
  ConditionExpression: itemExists,
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: {
    ':queueUrl': provisioned.queueUrl,
    ':queueArn': provisioned.queueArn,
    ':mappingId': provisioned.mappingId,
    ':status': status,
  },
});

/**
 * Organizations, sources (and their API keys), destinations and subscriptions. The `put` methods
 * create, each with its listing item (`keys.ts`): an id (or key hash) already taken is refused
 * with the SDK's `TransactionCanceledException`, unless the
 * item there is the very one this call wrote (a retry of a write whose answer was lost). Any
 * other DynamoDB failure is thrown as the SDK raised it.
 */
export class DynamoDirectory implements Directory {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   */
  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = { client, tableName };
  }

  /** Creates an organization and its listing item in one transaction (refused when its id is taken by another). */
  async putOrganization(organization: Organization): Promise<void> {
    await this.putNewWithListing(
      { ...organizationKey(organization.id), ...organization },
      {
        ...organizationListingKey(organization.id),
      },
    );
  }

  /** The organization (strongly consistent read), undefined when there is none. */
  async getOrganization(id: string): Promise<Organization | undefined> {
    return strip(await getItem(this.table, organizationKey(id)));
  }

  /**
   * One transaction: the source, with the hash of its API key, the key's record and the source's
   * listing item (a copy of the source).
   * @throws TransactionCanceledException when the source id or the key hash is taken by another
   */
  async putSource(source: Source, apiKeyHash: string): Promise<void> {
    const { tableName } = this.table;
    const sourceItem = { ...sourceKey(source.id), ...source, currentKeyHash: apiKeyHash };
    try {
      await transactWrite(this.table, [
        { Put: { TableName: tableName, Item: sourceItem, ConditionExpression: itemDoesNotExist, ...returnFoundItem } },
        {
          Put: {
            TableName: tableName,
            Item: { ...apiKeyKey(apiKeyHash), ...source },
            ConditionExpression: itemDoesNotExist,
          },
        },
        { Put: { TableName: tableName, Item: { ...sourceListingKey(source.organizationId, source.id), ...source } } },
      ]);
    } catch (error) {
      if (!holdsWritten(refusalsOf(error)?.[0]?.found, sourceItem)) throw error;
    }
  }

  /** The source without its key hash (strongly consistent read), undefined when there is none. */
  async getSource(id: string): Promise<Source | undefined> {
    const item = await getItem(this.table, sourceKey(id));
    const {
      currentKeyHash: _currentKeyHash,
      previousKeyHash: _previousKeyHash,
      ...source
    } = strip<Source & { currentKeyHash?: string; previousKeyHash?: string }>(item) ?? {};
    return 'id' in source ? (source as Source) : undefined;
  }

  /** The source an API key (by its SHA-256) belongs to, and `validUntil` (ISO 8601) once replaced. */
  async findApiKey(apiKeyHash: string): Promise<ApiKeyHolder | undefined> {
    const item = strip<Source & { validUntil?: string; expiresAt?: number }>(
      await getItem(this.table, apiKeyKey(apiKeyHash)),
    );
    if (!item) return undefined;
    const { validUntil, expiresAt: _expiresAt, ...source } = item;
    return { source, ...(validUntil ? { validUntil } : {}) };
  }

  /**
   * One transaction: the source's current key changes (on condition that it is still the key read,
   * so a concurrent rotation is refused, not merged), the new key's record is created, and the
   * replaced key's record gets its `validUntil` and TTL (`expiresAt`, epoch s, a week later). The
   * source records the replaced key's hash (`previousKeyHash`) so that deleting the source can
   * remove that key's record too (`DynamoDirectoryCatalog.deleteSource`).
   * `rotated` also when the source has the new key already (this call's earlier attempt).
   */
  async rotateSourceKey(
    sourceId: string,
    newApiKeyHash: string,
    previousValidUntil: string,
  ): Promise<'rotated' | 'source_not_found' | 'conflict'> {
    const { tableName } = this.table;
    const current = await getItem(this.table, sourceKey(sourceId));
    if (!current) return 'source_not_found';
    const { currentKeyHash, ...rest } = strip<Source & { currentKeyHash?: string }>(current)!;
    const source: Source = {
      id: rest.id,
      organizationId: rest.organizationId,
      name: rest.name,
      createdAt: rest.createdAt,
    };
    const expiresAt = epochSecondsOf(previousValidUntil) + REPLACED_KEY_KEPT_SECONDS;
    const replacedKey = currentKeyHash
      ? [
          {
            Update: {
              TableName: tableName,
              Key: apiKeyKey(currentKeyHash),
              UpdateExpression: 'SET validUntil = :until, expiresAt = :expiresAt',
              ConditionExpression: itemExists,
              ExpressionAttributeValues: { ':until': previousValidUntil, ':expiresAt': expiresAt },
            },
          },
        ]
      : [];
    const applied = await conditionHeld(
      transactWrite(this.table, [
        {
          Update: {
            TableName: tableName,
            Key: sourceKey(sourceId),
            UpdateExpression: currentKeyHash
              ? 'SET currentKeyHash = :new, previousKeyHash = :old'
              : 'SET currentKeyHash = :new',
            ConditionExpression: currentKeyHash ? 'currentKeyHash = :old' : 'attribute_not_exists(currentKeyHash)',
            ExpressionAttributeValues: { ':new': newApiKeyHash, ...(currentKeyHash ? { ':old': currentKeyHash } : {}) },
            ...returnFoundItem,
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: { ...apiKeyKey(newApiKeyHash), ...source },
            ConditionExpression: itemDoesNotExist,
          },
        },
        ...replacedKey,
      ]),
      ([sourceFound]) => hasCurrentKey(sourceFound?.found, newApiKeyHash),
    );
    return applied ? 'rotated' : 'conflict';
  }

  /**
   * Creates a destination and its listing item in one transaction (refused when its id is taken by
   * another), its sequence counter at 0 (the first delivery gets 1).
   */
  async putDestination(destination: Destination): Promise<void> {
    await this.putNewWithListing(
      { ...destinationKey(destination.id), ...destination, lastSequence: 0 },
      destinationListingKey(destination.organizationId, destination.id),
    );
  }

  /** The destination as the use cases see it (`toDestination`; strongly consistent read), undefined when there is none. */
  async getDestination(id: string): Promise<Destination | undefined> {
    const item = await getItem(this.table, destinationKey(id));
    return item && toDestination(item);
  }

  /**
   * Records the destination's queue and mapping and makes it active; answers it as updated. Safe
   * to repeat: its condition (the item exists) still holds, and it sets the same values.
   * @throws ConditionalCheckFailedException when the destination does not exist
   */
  async markDestinationProvisioned(
    id: string,
    provisioned: { queueUrl: string; queueArn: string; mappingId: string },
  ): Promise<Destination> {
    const { client, tableName } = this.table;
    const updated = await client.send(
      new UpdateCommand({ ...provisionedUpdate(tableName, id, provisioned, 'active'), ReturnValues: 'ALL_NEW' }),
    );
    return toDestination(updated.Attributes!);
  }

  /**
   * Removes the destination's item, then its listing item (unconditional deletes: safe to repeat).
   * A listing item left behind by a failure in between is harmless: listings skip destinations
   * that no longer exist.
   */
  async removeDestination(id: string): Promise<void> {
    const { client, tableName } = this.table;
    const removed = await client.send(
      new DeleteCommand({ TableName: tableName, Key: destinationKey(id), ReturnValues: 'ALL_OLD' }),
    );
    const organizationId = removed.Attributes?.organizationId;
    if (typeof organizationId !== 'string') return;
    await client.send(new DeleteCommand({ TableName: tableName, Key: destinationListingKey(organizationId, id) }));
  }

  /**
   * One transaction: the subscription in its source's partition, its listing item (a copy, which
   * finds it by id) and its terms item (`subscriptionTermsKey`, holding its id), each of the first
   * and the last on condition that it does not exist. A terms item found holding another id is an
   * equal subscription: `existingId`. Found holding this id, or the subscription found as written,
   * is this call's earlier attempt (its answer lost): created.
   * @throws TransactionCanceledException when the subscription's id is taken by another
   */
  async putSubscription(subscription: Subscription): Promise<SubscriptionPut> {
    const { tableName } = this.table;
    const item = { ...subscriptionKey(subscription.sourceId, subscription.id), ...subscription };
    const conditional = { ConditionExpression: itemDoesNotExist, ...returnFoundItem };
    try {
      await transactWrite(this.table, [
        { Put: { TableName: tableName, Item: item, ...conditional } },
        { Put: { TableName: tableName, Item: { ...subscriptionListingKey(subscription.id), ...subscription } } },
        {
          Put: {
            TableName: tableName,
            Item: { ...subscriptionTermsKey(subscription), subscriptionId: subscription.id },
            ...conditional,
          },
        },
      ]);
      return { created: true };
    } catch (error) {
      const [subscriptionFound, , termsFound] = refusalsOf(error) ?? [];
      const holder = termsFound?.found?.subscriptionId;
      if (typeof holder === 'string' && holder !== subscription.id) return { created: false, existingId: holder };
      if (holder === subscription.id || holdsWritten(subscriptionFound?.found, item)) return { created: true };
      throw error;
    }
  }

  /**
   * Every subscription of the source, page by page (strongly consistent, so a subscription just
   * deleted no longer routes).
   */
  async listSubscriptionsOfSource(sourceId: string): Promise<Subscription[]> {
    const { pk, prefix } = subscriptionsOfSource(sourceId);
    return (await queryAll(this.table, pk, prefix, { consistent: true })).map((item) => strip<Subscription>(item)!);
  }

  // ── Deleting a destination (admin/delete-destination.ts) ──

  /**
   * One transaction: the destination goes from `from` to `deleting` (its `pause` removed,
   * `deletingAt` and `forced` set) on condition that its status is still `from` and, unless forced,
   * its spill is empty; its PAUSED item goes. True also when the item found is already deleting
   * from this very start (`deletingAt`: this call's earlier attempt, its answer lost).
   * @throws TransactionCanceledException when conflicts persisted; the SDK's error otherwise
   */
  async recordDestinationDeleting(
    id: string,
    from: 'active' | 'paused' | 'unverified',
    start: DeletionStart,
  ): Promise<boolean> {
    const { tableName } = this.table;
    const spillEmpty = '(attribute_not_exists(spilled) OR spilled = :zero)';
    return conditionHeld(
      transactWrite(this.table, [
        {
          // First: conditionHeld reads a refusal of this item as "not in `from`".
          Update: {
            TableName: tableName,
            Key: destinationKey(id),
            UpdateExpression: 'SET #status = :deleting, deletingAt = :at, forced = :forced REMOVE #pause',
            ConditionExpression: start.forced ? '#status = :from' : `#status = :from AND ${spillEmpty}`,
            ExpressionAttributeNames: { '#status': 'status', '#pause': 'pause' },
            ExpressionAttributeValues: {
              ':deleting': 'deleting',
              ':at': start.deletingAt,
              ':forced': start.forced,
              ':from': from,
              ...(start.forced ? {} : { ':zero': 0 }),
            },
            ...returnFoundItem,
          },
        },
        { Delete: { TableName: tableName, Key: pausedKey(id) } },
      ]),
      ([destination]) => destination?.found?.status === 'deleting' && destination.found.deletingAt === start.deletingAt,
    );
  }

  /** Back to `to` on condition that it is still deleting from `start` (safe to repeat: false then). */
  async restoreDeletingDestination(
    id: string,
    start: DeletionStart,
    to: 'active' | 'unverified' = 'active',
  ): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: destinationKey(id),
          UpdateExpression: 'SET #status = :to REMOVE deletingAt, forced',
          ConditionExpression: '#status = :deleting AND deletingAt = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': to, ':deleting': 'deleting', ':at': start.deletingAt },
        }),
      ),
    );
  }

  /**
   * `deleting` → `deleted` with `deletedAt`, removing the signing secret, the client certificates and the head lease; a
   * destination already deleted is left as it is (the condition refuses, which counts as done).
   */
  async recordDestinationDeleted(id: string, deletedAt: string): Promise<void> {
    const { client, tableName } = this.table;
    await conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: destinationKey(id),
          UpdateExpression:
            'SET #status = :deleted, deletedAt = :at REMOVE signingSecret, clientCertificate, previousClientCertificate, headHolder, headHeldUntil',
          ConditionExpression: '#status = :deleting',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':deleted': 'deleted', ':deleting': 'deleting', ':at': deletedAt },
        }),
      ),
    );
  }

  /**
   * Removes the destination's subscriptions, found in the subscription listing (`SUBSCRIPTIONS`,
   * read strongly consistent and filtered by destination: subscriptions are few, and deletion is
   * rare), each with its listing and terms items, in transactions of
   * `SUBSCRIPTIONS_PER_TRANSACTION`. Answers what it removed, so a deletion undone can put them back.
   */
  async removeSubscriptionsOfDestination(destinationId: string): Promise<Subscription[]> {
    const subscriptions = (await queryAll(this.table, SUBSCRIPTIONS_LISTING, undefined, { consistent: true }))
      .map((item) => strip<Subscription>(item)!)
      .filter((subscription) => subscription.destinationId === destinationId);
    await removeSubscriptions(this.table, subscriptions);
    return subscriptions;
  }

  /**
   * Creates `item` and `listing` in one transaction; `item` refused when its key is taken by another
   * (TransactionCanceledException), unless it holds what this call wrote (an earlier attempt's).
   */
  private async putNewWithListing(item: Item, listing: Item): Promise<void> {
    const { tableName } = this.table;
    try {
      await transactWrite(this.table, [
        { Put: { TableName: tableName, Item: item, ConditionExpression: itemDoesNotExist, ...returnFoundItem } },
        { Put: { TableName: tableName, Item: listing } },
      ]);
    } catch (error) {
      if (!holdsWritten(refusalsOf(error)?.[0]?.found, item)) throw error;
    }
  }
}
