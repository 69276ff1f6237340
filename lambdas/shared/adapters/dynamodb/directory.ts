/** The directory: organizations, sources and their API keys, destinations, subscriptions. */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isDeepStrictEqual } from 'node:util';
import type { Destination, Organization, Source, Subscription } from '../../domain/model';
import type { ApiKeyHolder, DeletionStart, Directory } from '../../ports/directory';
import {
  apiKeyKey,
  destinationKey,
  organizationKey,
  pausedKey,
  sourceKey,
  subscriptionKey,
  subscriptionsOfSource,
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
  transactWrite,
} from './table';

/** A replaced key's record goes this long after the key stops working (TTL); until then it answers 401 as expired. */
const REPLACED_KEY_KEPT_SECONDS = 7 * 24 * 60 * 60;

/**
 * Parallel segments of the Scan that finds a destination's subscriptions: each reads its share of
 * the table page by page (1 MB a page), so the wall time shrinks with their number.
 */
const SUBSCRIPTION_SCAN_SEGMENTS = 8;

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
// A rotation is its own when the source found already has the new key (a hash of a fresh random key).
const hasCurrentKey = (found: Item | undefined, apiKeyHash: string) => found?.currentKeyHash === apiKeyHash;

/**
 * A destination as the use cases see it, from its item: without the keys, the sequence counter (and
 * the send time of its holder's entry) and the head lease, which only their owners read
 * (`arrival-log.ts`, `destination-state.ts`).
 */
export const toDestination = (item: Item): Destination => {
  const {
    lastSequence: _lastSequence,
    sequenceHolder: _sequenceHolder,
    headSentAt: _headSentAt,
    headHolder: _headHolder,
    headHeldUntil: _headHeldUntil,
    ...destination
  } = item;
  const stored = strip<Destination>(destination)!;
  return { ...stored, inlineRetries: stored.inlineRetries ?? DEFAULT_INLINE_RETRIES };
};

/**
 * Organizations, sources (and their API keys), destinations and subscriptions. The `put` methods
 * create: an id (or key hash) already taken is refused with the SDK's
 * `ConditionalCheckFailedException` (`TransactionCanceledException` for `putSource`), unless the
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

  /** Creates an organization (refused when its id is taken by another). */
  async putOrganization(organization: Organization): Promise<void> {
    await this.putNew({ ...organizationKey(organization.id), ...organization });
  }

  /** The organization (strongly consistent read), undefined when there is none. */
  async getOrganization(id: string): Promise<Organization | undefined> {
    return strip(await getItem(this.table, organizationKey(id)));
  }

  /**
   * One transaction: the source, with the hash of its API key, and the key's record.
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
      ]);
    } catch (error) {
      if (!holdsWritten(refusalsOf(error)?.[0]?.found, sourceItem)) throw error;
    }
  }

  /** The source without its key hash (strongly consistent read), undefined when there is none. */
  async getSource(id: string): Promise<Source | undefined> {
    const item = await getItem(this.table, sourceKey(id));
    const { currentKeyHash: _currentKeyHash, ...source } = strip<Source & { currentKeyHash?: string }>(item) ?? {};
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
   * replaced key's record gets its `validUntil` and TTL (`expiresAt`, epoch s, a week later).
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
            UpdateExpression: 'SET currentKeyHash = :new',
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

  /** Creates a destination (refused when its id is taken by another), its sequence counter at 0 (the first delivery gets 1). */
  async putDestination(destination: Destination): Promise<void> {
    await this.putNew({ ...destinationKey(destination.id), ...destination, lastSequence: 0 });
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
      new UpdateCommand({
        TableName: tableName,
        Key: destinationKey(id),
        UpdateExpression: 'SET queueUrl = :queueUrl, queueArn = :queueArn, mappingId = :mappingId, #status = :active',
        ConditionExpression: itemExists,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':queueUrl': provisioned.queueUrl,
          ':queueArn': provisioned.queueArn,
          ':mappingId': provisioned.mappingId,
          ':active': 'active',
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toDestination(updated.Attributes!);
  }

  /** Removes the destination's item (an unconditional delete: safe to repeat). */
  async removeDestination(id: string): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(new DeleteCommand({ TableName: tableName, Key: destinationKey(id) }));
  }

  /** Creates a subscription in its source's partition (refused when its id is taken by another). */
  async putSubscription(subscription: Subscription): Promise<void> {
    await this.putNew({ ...subscriptionKey(subscription.sourceId, subscription.id), ...subscription });
  }

  /** Every subscription of the source, page by page (eventually consistent). */
  async listSubscriptionsOfSource(sourceId: string): Promise<Subscription[]> {
    const { pk, prefix } = subscriptionsOfSource(sourceId);
    return (await queryAll(this.table, pk, prefix)).map((item) => strip<Subscription>(item)!);
  }

  // ── Deleting a destination (admin/delete-destination.ts) ──

  /**
   * One transaction: the destination goes from `from` to `deleting` (its `pause` removed,
   * `deletingAt` and `forced` set) on condition that its status is still `from` and, unless forced,
   * its spill is empty; its PAUSED item goes. True also when the item found is already deleting
   * from this very start (`deletingAt`: this call's earlier attempt, its answer lost).
   * @throws TransactionCanceledException when conflicts persisted; the SDK's error otherwise
   */
  async recordDestinationDeleting(id: string, from: 'active' | 'paused', start: DeletionStart): Promise<boolean> {
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

  /** Back to `active` on condition that it is still deleting from `start` (safe to repeat: false then). */
  async restoreDeletingDestination(id: string, start: DeletionStart): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: destinationKey(id),
          UpdateExpression: 'SET #status = :active REMOVE deletingAt, forced',
          ConditionExpression: '#status = :deleting AND deletingAt = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':deleting': 'deleting', ':at': start.deletingAt },
        }),
      ),
    );
  }

  /**
   * `deleting` → `deleted` with `deletedAt`, removing the signing secret and the head lease; a
   * destination already deleted is left as it is (the condition refuses, which counts as done).
   */
  async recordDestinationDeleted(id: string, deletedAt: string): Promise<void> {
    const { client, tableName } = this.table;
    await conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: destinationKey(id),
          UpdateExpression: 'SET #status = :deleted, deletedAt = :at REMOVE signingSecret, headHolder, headHeldUntil',
          ConditionExpression: '#status = :deleting',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':deleted': 'deleted', ':deleting': 'deleting', ':at': deletedAt },
        }),
      ),
    );
  }

  /**
   * Finds the destination's subscriptions with a Scan of the table (subscriptions live in their
   * source's partition, and no index is keyed by destination): a whole-table read, paid once per
   * deletion, which is rare, in `SUBSCRIPTION_SCAN_SEGMENTS` parallel segments so that a large
   * table is read in a fraction of the time. Eventually consistent: a subscription written in the
   * same second may be missed (routing ignores a subscription to a deleted destination anyway).
   * Each one found is deleted.
   */
  async removeSubscriptionsOfDestination(destinationId: string): Promise<Subscription[]> {
    const { client, tableName } = this.table;
    const scanSegment = async (segment: number): Promise<Item[]> => {
      const found: Item[] = [];
      let startKey: Item | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: 'begins_with(sk, :subscription) AND destinationId = :destinationId',
            ExpressionAttributeValues: { ':subscription': 'SUB#', ':destinationId': destinationId },
            Segment: segment,
            TotalSegments: SUBSCRIPTION_SCAN_SEGMENTS,
            ExclusiveStartKey: startKey,
          }),
        );
        found.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return found;
    };
    const segments = Array.from({ length: SUBSCRIPTION_SCAN_SEGMENTS }, (_unused, segment) => scanSegment(segment));
    const subscriptions = (await Promise.all(segments)).flat().map((item) => strip<Subscription>(item)!);
    for (const subscription of subscriptions) {
      await client.send(
        new DeleteCommand({ TableName: tableName, Key: subscriptionKey(subscription.sourceId, subscription.id) }),
      );
    }
    return subscriptions;
  }

  /** Creates an item; a put of a key another item holds is refused (ConditionalCheckFailedException). */
  private async putNew(item: Item): Promise<void> {
    const { client, tableName } = this.table;
    try {
      await client.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: itemDoesNotExist, ...returnFoundItem }),
      );
    } catch (error) {
      if (!holdsWritten(refusalsOf(error)?.[0]?.found, item)) throw error;
    }
  }
}
