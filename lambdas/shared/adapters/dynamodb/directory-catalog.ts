/** The admin API's listings, changes and deletions of the directory (its creations: `directory.ts`). */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Destination, Organization, Source, Subscription } from '../../domain/model';
import type {
  DestinationChange,
  DestinationFilter,
  DirectoryCatalog,
  OrganizationChange,
  SubscriptionFilter,
} from '../../ports/directory';
import type { Page, PageRequest } from '../../ports/pages';
import { removeSubscriptions, subscriptionRemoval, toDestination } from './directory';
import {
  apiKeyKey,
  DESTINATIONS_LISTING,
  destinationKey,
  destinationsOfOrganization,
  ORGANIZATIONS_LISTING,
  organizationKey,
  PAUSED_PARTITION,
  SUBSCRIPTIONS_LISTING,
  sourceKey,
  sourceListingKey,
  sourcesListing,
  subscriptionListingKey,
  subscriptionsOfSource,
} from './keys';
import { queryPage } from './query-page';
import {
  batchGetItems,
  conditionHeld,
  getItem,
  type Item,
  isConditionFailure,
  itemExists,
  queryAll,
  strip,
  type Table,
  transactWrite,
} from './table';

/** The names and placeholders of an update that sets only the named attributes. */
const setOnly = (change: Record<string, unknown>) => {
  const names = Object.keys(change).filter((name) => change[name] !== undefined);
  // `null` asks for the attribute's removal (a setting back to its default).
  const set = names.flatMap((name, index) => (change[name] === null ? [] : [`#a${index} = :a${index}`]));
  const remove = names.flatMap((name, index) => (change[name] === null ? [`#a${index}`] : []));
  return {
    UpdateExpression: [
      ...(set.length > 0 ? [`SET ${set.join(', ')}`] : []),
      ...(remove.length > 0 ? [`REMOVE ${remove.join(', ')}`] : []),
    ].join(' '),
    ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#a${index}`, name])),
    ExpressionAttributeValues: Object.fromEntries(
      names.flatMap((name, index) => (change[name] === null ? [] : [[`:a${index}`, change[name]]])),
    ),
  };
};

/** Items in the order of `keys` (a batch get answers in no order), skipping keys without an item. */
const inOrder = (keys: readonly { pk: string }[], items: readonly Item[]) => {
  const byPk = new Map(items.map((item) => [item.pk as string, item]));
  return keys.flatMap((key) => {
    const item = byPk.get(key.pk);
    return item ? [item] : [];
  });
};

/** The position of a paused destination in its listing: oldest pause first, then by id. */
const pausedPosition = (destination: Destination) => `${destination.pause?.pausedAt ?? ''}#${destination.id}`;

/**
 * Listings read the listing items written with what they list (`keys.ts` says why not a GSI),
 * strongly consistent; organizations and destinations then by a strongly consistent batch get, as
 * their items change in place. Changes set only the attributes named, on condition that the item
 * exists, so they never undo a concurrent write of other attributes (a pause, a lease).
 */
export class DynamoDirectoryCatalog implements DirectoryCatalog {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   */
  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = { client, tableName };
  }

  async listOrganizations(page: PageRequest): Promise<Page<Organization>> {
    const listed = await queryPage(this.table, { pk: ORGANIZATIONS_LISTING, limit: page.limit, after: page.after });
    const keys = listed.items.map((item) => organizationKey(item.sk as string));
    const items = inOrder(keys, await batchGetItems(this.table, keys)).map((item) => strip<Organization>(item)!);
    return { items, ...(listed.after ? { after: listed.after } : {}) };
  }

  async updateOrganization(id: string, change: OrganizationChange): Promise<Organization | undefined> {
    return strip<Organization>(await this.updateExisting(organizationKey(id), change, itemExists));
  }

  async listSources(organizationId: string, page: PageRequest): Promise<Page<Source>> {
    const listed = await queryPage(this.table, { pk: sourcesListing(organizationId), ...page });
    return {
      items: listed.items.map((item) => strip<Source>(item)!),
      ...(listed.after ? { after: listed.after } : {}),
    };
  }

  /**
   * 1. Removes the source's subscriptions, 40 per transaction (each with its listing item): while
   *    this runs the source still exists, so a failure here leaves it to be deleted again.
   * 2. One transaction: the source (on condition that it exists), its listing item, its current
   *    key's record and the record of the key it replaced last (`previousKeyHash`), so every key
   *    is refused from the answer on (authentication reads the key's record, strongly consistent).
   * 3. Removes any subscription created meanwhile (a create checks the source first, and it is gone).
   * A source whose key was replaced before `previousKeyHash` was recorded keeps that replaced key
   * until its grace period ends (`validUntil`, at most 30 days).
   */
  async deleteSource(sourceId: string): Promise<boolean> {
    const { tableName } = this.table;
    const found = await getItem(this.table, sourceKey(sourceId));
    if (!found) return false;
    await this.removeSubscriptionsOf(sourceId);
    const keyHashes = [found.currentKeyHash, found.previousKeyHash].filter(
      (hash): hash is string => typeof hash === 'string',
    );
    const removed = await conditionHeld(
      transactWrite(this.table, [
        { Delete: { TableName: tableName, Key: sourceKey(sourceId), ConditionExpression: itemExists } },
        { Delete: { TableName: tableName, Key: sourceListingKey(found.organizationId as string, sourceId) } },
        ...keyHashes.map((hash) => ({ Delete: { TableName: tableName, Key: apiKeyKey(hash) } })),
      ]),
    );
    await this.removeSubscriptionsOf(sourceId);
    // Not removed here: another deletion got there first, which is the same outcome.
    return removed || (await getItem(this.table, sourceKey(sourceId))) === undefined;
  }

  async listDestinations(filter: DestinationFilter, page: PageRequest): Promise<Page<Destination>> {
    if (filter.status === 'paused') return this.listPaused(filter.organizationId, page);
    const listed = await queryPage(this.table, {
      pk: DESTINATIONS_LISTING,
      ...(filter.organizationId === undefined ? {} : { prefix: destinationsOfOrganization(filter.organizationId) }),
      ...page,
    });
    const keys = listed.items.map((item) => destinationKey((item.sk as string).split('#')[1] ?? ''));
    const items = inOrder(keys, await batchGetItems(this.table, keys))
      .map(toDestination)
      // Only provisioned ones: never one being provisioned (nor any other state a later version adds).
      .filter((d) => d.status === 'active' || d.status === 'paused' || d.status === 'unverified')
      .filter((destination) => filter.status === undefined || destination.status === filter.status);
    return { items, ...(listed.after ? { after: listed.after } : {}) };
  }

  /**
   * Changes the named settings, on condition that the destination is provisioned (active, paused
   * or unverified): its status, pause, counters and leases are other attributes, left as they are.
   */
  async updateDestination(id: string, change: DestinationChange): Promise<Destination | undefined> {
    const item = await this.updateExisting(
      destinationKey(id),
      change,
      `${itemExists} AND #status IN (:active, :paused, :unverified)`,
      {
        names: { '#status': 'status' },
        values: { ':active': 'active', ':paused': 'paused', ':unverified': 'unverified' },
      },
    );
    return item && toDestination(item);
  }

  async getSubscription(id: string): Promise<Subscription | undefined> {
    return strip<Subscription>(await getItem(this.table, subscriptionListingKey(id)));
  }

  /** By source: its partition (filtered by destination when given); otherwise the listing, filtered by destination. */
  async listSubscriptions(filter: SubscriptionFilter, page: PageRequest): Promise<Page<Subscription>> {
    const where =
      filter.destinationId === undefined ? {} : { where: { attribute: 'destinationId', value: filter.destinationId } };
    const listed =
      filter.sourceId === undefined
        ? await queryPage(this.table, { pk: SUBSCRIPTIONS_LISTING, ...where, ...page })
        : await queryPage(this.table, { ...subscriptionsOfSource(filter.sourceId), ...where, ...page });
    return {
      items: listed.items.map((item) => strip<Subscription>(item)!),
      ...(listed.after ? { after: listed.after } : {}),
    };
  }

  /** One transaction: the subscription, its listing item and its terms item (so an equal one can be created again). */
  async deleteSubscription(id: string): Promise<boolean> {
    const subscription = await this.getSubscription(id);
    if (!subscription) return false;
    await transactWrite(this.table, subscriptionRemoval(this.table, subscription));
    return true;
  }

  private async removeSubscriptionsOf(sourceId: string): Promise<void> {
    const { pk, prefix } = subscriptionsOfSource(sourceId);
    const subscriptions = (await queryAll(this.table, pk, prefix, { consistent: true })).map(
      (item) => strip<Subscription>(item)!,
    );
    await removeSubscriptions(this.table, subscriptions);
  }

  /**
   * Paused destinations, oldest pause first: the paused set (`PAUSED`, the prober's worklist,
   * read whole every pass anyway) sorted by `pausedAt`; `after` is the last one's position.
   */
  private async listPaused(organizationId: string | undefined, page: PageRequest): Promise<Page<Destination>> {
    const ids = (await queryAll(this.table, PAUSED_PARTITION, undefined, { consistent: true })).map(
      (item) => item.sk as string,
    );
    const sorted = (await batchGetItems(this.table, ids.map(destinationKey)))
      .map(toDestination)
      .filter((destination) => destination.status === 'paused')
      .filter((destination) => organizationId === undefined || destination.organizationId === organizationId)
      .sort((a, b) => (pausedPosition(a) < pausedPosition(b) ? -1 : 1));
    const rest = page.after === undefined ? sorted : sorted.filter((d) => pausedPosition(d) > page.after!);
    const items = rest.slice(0, page.limit);
    const last = items.at(-1);
    return { items, ...(rest.length > page.limit && last ? { after: pausedPosition(last) } : {}) };
  }

  /** Sets only the attributes in `change` under `condition`; the item as it is now, undefined when the condition failed. */
  private async updateExisting(
    key: { pk: string; sk: string },
    change: Record<string, unknown>,
    condition: string,
    extra: { names?: Record<string, string>; values?: Record<string, unknown> } = {},
  ): Promise<Item | undefined> {
    const { client, tableName } = this.table;
    const set = setOnly(change);
    try {
      const updated = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: set.UpdateExpression,
          ConditionExpression: condition,
          ExpressionAttributeNames: { ...set.ExpressionAttributeNames, ...extra.names },
          ExpressionAttributeValues: { ...set.ExpressionAttributeValues, ...extra.values },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return updated.Attributes;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
