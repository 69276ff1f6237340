/** The directory: organizations, sources and their API keys, destinations, subscriptions. */
import { type DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Destination, Organization, Source, Subscription } from '../../domain/model';
import type { ApiKeyHolder, Directory } from '../../ports/directory';
import { apiKeyKey, destinationKey, organizationKey, sourceKey, subscriptionKey, subscriptionsOfSource } from './keys';
import {
  conditionHeld,
  epochSecondsOf,
  getItem,
  type Item,
  itemDoesNotExist,
  itemExists,
  queryAll,
  strip,
  type Table,
} from './table';

/** A replaced key's record goes this long after the key stops working (TTL); until then it answers 401 as expired. */
const REPLACED_KEY_KEPT_SECONDS = 7 * 24 * 60 * 60;

/** Destinations registered before inline retries were configurable get this many. */
const DEFAULT_INLINE_RETRIES = 2;

/**
 * A destination as the use cases see it, from its item: without the keys, the sequence counter and
 * the head lease, which only their owners read (`arrival-log.ts`, `destination-state.ts`).
 */
export const toDestination = (item: Item): Destination => {
  const {
    lastSequence: _lastSequence,
    sequenceHolder: _sequenceHolder,
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
 * `ConditionalCheckFailedException` (`TransactionCanceledException` for `putSource`). Any other
 * DynamoDB failure is thrown as the SDK raised it.
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

  async putOrganization(organization: Organization): Promise<void> {
    await this.putNew({ ...organizationKey(organization.id), ...organization });
  }

  async getOrganization(id: string): Promise<Organization | undefined> {
    return strip(await getItem(this.table, organizationKey(id)));
  }

  async putSource(source: Source, apiKeyHash: string): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: { ...sourceKey(source.id), ...source, currentKeyHash: apiKeyHash },
              ConditionExpression: itemDoesNotExist,
            },
          },
          { Put: { TableName: tableName, Item: { ...apiKeyKey(apiKeyHash), ...source }, ConditionExpression: itemDoesNotExist } },
        ],
      }),
    );
  }

  async getSource(id: string): Promise<Source | undefined> {
    const item = await getItem(this.table, sourceKey(id));
    const { currentKeyHash: _currentKeyHash, ...source } = strip<Source & { currentKeyHash?: string }>(item) ?? {};
    return 'id' in source ? (source as Source) : undefined;
  }

  async findApiKey(apiKeyHash: string): Promise<ApiKeyHolder | undefined> {
    const item = strip<Source & { validUntil?: string; expiresAt?: number }>(await getItem(this.table, apiKeyKey(apiKeyHash)));
    if (!item) return undefined;
    const { validUntil, expiresAt: _expiresAt, ...source } = item;
    return { source, ...(validUntil ? { validUntil } : {}) };
  }

  /**
   * One transaction: the source's current key changes (on condition that it is still the key read,
   * so a concurrent rotation is refused, not merged), the new key's record is created, and the
   * replaced key's record gets its `validUntil` and TTL.
   */
  async rotateSourceKey(
    sourceId: string,
    newApiKeyHash: string,
    previousValidUntil: string,
  ): Promise<'rotated' | 'source_not_found' | 'conflict'> {
    const { client, tableName } = this.table;
    const current = await getItem(this.table, sourceKey(sourceId));
    if (!current) return 'source_not_found';
    const { currentKeyHash, ...rest } = strip<Source & { currentKeyHash?: string }>(current)!;
    const source: Source = { id: rest.id, organizationId: rest.organizationId, name: rest.name, createdAt: rest.createdAt };
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
      client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: sourceKey(sourceId),
                UpdateExpression: 'SET currentKeyHash = :new',
                ConditionExpression: currentKeyHash ? 'currentKeyHash = :old' : 'attribute_not_exists(currentKeyHash)',
                ExpressionAttributeValues: { ':new': newApiKeyHash, ...(currentKeyHash ? { ':old': currentKeyHash } : {}) },
              },
            },
            { Put: { TableName: tableName, Item: { ...apiKeyKey(newApiKeyHash), ...source }, ConditionExpression: itemDoesNotExist } },
            ...replacedKey,
          ],
        }),
      ),
    );
    return applied ? 'rotated' : 'conflict';
  }

  /** A new destination, its sequence counter at 0 (the first delivery gets 1). */
  async putDestination(destination: Destination): Promise<void> {
    await this.putNew({ ...destinationKey(destination.id), ...destination, lastSequence: 0 });
  }

  async getDestination(id: string): Promise<Destination | undefined> {
    const item = await getItem(this.table, destinationKey(id));
    return item && toDestination(item);
  }

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

  async putSubscription(subscription: Subscription): Promise<void> {
    await this.putNew({ ...subscriptionKey(subscription.sourceId, subscription.id), ...subscription });
  }

  async listSubscriptionsOfSource(sourceId: string): Promise<Subscription[]> {
    const { pk, prefix } = subscriptionsOfSource(sourceId);
    return (await queryAll(this.table, pk, prefix)).map((item) => strip<Subscription>(item)!);
  }

  /** Creates an item; a second put of the same key is refused (ConditionalCheckFailedException). */
  private async putNew(item: Item): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: itemDoesNotExist }));
  }
}
