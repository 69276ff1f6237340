/**
 * The writes of endpoint verification on a destination's item (`DST#<id>`, see keys.ts): `status`
 * `unverified` and its `verification` (the last failed challenge), each status change with the
 * destination's item on the mapping worklist (mapping-worklist.ts) in one transaction.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Destination, UnverifiedDestination, VerificationAttempt } from '../../domain/model';
import type { DestinationVerifications } from '../../ports/destination-verification';
import type { DestinationChange } from '../../ports/directory';
import type { Clock } from '../../ports/observe';
import { provisionedUpdate, toDestination } from './directory';
import { destinationKey } from './keys';
import { mappingWorkPut } from './mapping-worklist';
import { conditionHeld, getItem, returnFoundItem, type Table, transactWrite } from './table';

const unverifiedWithUrl = '#status = :unverified AND #url = :url';

/** The verification writes over Conveyor's one table; any failure other than a refused condition is thrown as the SDK raised it. */
export class DynamoDestinationVerifications implements DestinationVerifications {
  private readonly table: Table;

  /**
   * @param client the document client (created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: keys.ts)
   * @param clock the time a worklist item's `since` is taken from
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: Clock,
  ) {
    this.table = { client, tableName };
  }

  /** One transaction: queue fields and `unverified` on the item (which must exist), the worklist item (disabled). */
  async markProvisionedUnverified(
    id: string,
    provisioned: { queueUrl: string; queueArn: string; mappingId: string },
  ): Promise<UnverifiedDestination> {
    const { tableName } = this.table;
    await transactWrite(this.table, [
      { Update: provisionedUpdate(tableName, id, provisioned, 'unverified') },
      // The mapping is created enabled: the reconciler disables it (delivery hands back meanwhile).
      mappingWorkPut(tableName, id, { desired: 'disabled' }, this.clock()),
    ]);
    return (await this.read(id)) as UnverifiedDestination;
  }

  /** One transaction: `unverified` → `active` under `unverifiedWithUrl`, the worklist item (enabled). */
  async recordVerified(id: string, url: string): Promise<boolean> {
    const { tableName } = this.table;
    return conditionHeld(
      transactWrite(this.table, [
        {
          Update: {
            TableName: tableName,
            Key: destinationKey(id),
            UpdateExpression: 'SET #status = :active REMOVE verification',
            ConditionExpression: unverifiedWithUrl,
            ExpressionAttributeNames: { '#status': 'status', '#url': 'url' },
            ExpressionAttributeValues: { ':unverified': 'unverified', ':active': 'active', ':url': url },
            ...returnFoundItem,
          },
        },
        mappingWorkPut(tableName, id, { desired: 'enabled' }, this.clock()),
      ]),
      // Its own earlier attempt, the answer lost: active with the same URL.
      ([destination]) => destination?.found?.status === 'active' && destination.found.url === url,
    );
  }

  async recordVerificationFailed(id: string, url: string, attempt: VerificationAttempt): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: destinationKey(id),
          UpdateExpression: 'SET verification = :attempt',
          ConditionExpression: unverifiedWithUrl,
          ExpressionAttributeNames: { '#status': 'status', '#url': 'url' },
          ExpressionAttributeValues: { ':unverified': 'unverified', ':url': url, ':attempt': attempt },
        }),
      ),
    );
  }

  /**
   * One transaction: the settings (`null` removes one), `unverified`, no `verification`, on
   * condition that the status is `from`; the worklist item (disabled). Then the item as stored.
   */
  async changeSettingsUnverified(
    id: string,
    change: DestinationChange,
    from: 'active' | 'unverified',
  ): Promise<Destination | undefined> {
    const { tableName } = this.table;
    const entries = Object.entries(change).filter(([, value]) => value !== undefined);
    const set = entries.filter(([, value]) => value !== null);
    const removed = entries.filter(([, value]) => value === null).map(([name]) => `#${name}`);
    const held = await conditionHeld(
      transactWrite(this.table, [
        {
          Update: {
            TableName: tableName,
            Key: destinationKey(id),
            UpdateExpression: `SET ${[...set.map(([name]) => `#${name} = :${name}`), '#status = :unverified'].join(', ')} REMOVE ${['verification', ...removed].join(', ')}`,
            ConditionExpression: '#status = :from',
            ExpressionAttributeNames: {
              '#status': 'status',
              ...Object.fromEntries(entries.map(([name]) => [`#${name}`, name])),
            },
            ExpressionAttributeValues: {
              ':unverified': 'unverified',
              ':from': from,
              ...Object.fromEntries(set.map(([name, value]) => [`:${name}`, value])),
            },
          },
        },
        mappingWorkPut(tableName, id, { desired: 'disabled' }, this.clock()),
      ]),
    );
    return held ? this.read(id) : undefined;
  }

  private async read(id: string): Promise<Destination | undefined> {
    const item = await getItem(this.table, destinationKey(id));
    return item && toDestination(item);
  }
}
